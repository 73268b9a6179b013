import fastifyCookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { holds, type Permission, type Principal, PROJECT_PERMISSIONS } from '../../core/permissions.js';
import { ForbiddenError, NotFoundError } from '../../errors.js';
import { problemResponses } from '../../http/problem-schemas.js';
import { clearSessionCookie, fromOwnPages, setSessionCookie } from '../../http/session-cookie.js';
import type { ConfigSnapshot } from '../../read-model/config-snapshot.js';
import type { AccountService } from './account-service.js';
import {
  acceptLinkBodySchema,
  createdTokenSchema,
  createTokenBodySchema,
  personalTokenSchema,
  tokenParamsSchema,
  toTokenResponse,
  loginBodySchema,
  meSchema,
  sessionParamsSchema,
  sessionSchema,
  sessionsQuerySchema,
  setupBodySchema,
  signedInSchema,
  toAccountResponse,
  toSessionResponse,
} from './account-schemas.js';
import type { SessionService, SignedIn } from './session-service.js';
import type { TokenService } from './token-service.js';

export interface AuthRouteOptions {
  sessions: SessionService;
  tokens: TokenService;
  accounts: AccountService;
  snapshot: Pick<ConfigSnapshot, 'allProjects'>;
  sessionMaxAgeMs: number;
  /** Counts a failed sign-in against the address's budget; says why the address is refused. */
  failedAuthentications: {
    refusal(request: FastifyRequest, reply: FastifyReply): Promise<Error | undefined>;
    count(request: FastifyRequest, reply: FastifyReply): Promise<Error | undefined>;
  };
  /** Open access ends once an owner can sign in. */
  onOwnerSignedUp: () => void;
}

const clientOf = (request: FastifyRequest) => ({ address: request.ip, userAgent: request.headers['user-agent'] });

/** Signing in with a password and a session cookie; the first owner's setup; accepting one-time links. */
export const authRoutes: FastifyPluginAsyncZod<AuthRouteOptions> = async (app, options) => {
  const { sessions, tokens, accounts, snapshot, sessionMaxAgeMs, failedAuthentications } = options;
  // Only these routes set cookies: its onSend hook stays in this plugin's scope, off the evaluation path.
  await app.register(fastifyCookie, { hook: false });

  /** Another site's page may not sign a browser in (login CSRF): the same Origin check as cookie writes. */
  const refuseOtherSites = (request: FastifyRequest) => {
    if (!fromOwnPages(request)) throw new ForbiddenError("Signing in must come from the service's own pages");
  };
  const signedIn = (request: FastifyRequest, reply: FastifyReply, { account, token }: SignedIn) => {
    setSessionCookie(request, reply, token, sessionMaxAgeMs);
    return { account: toAccountResponse(account) };
  };

  app.post('/auth/login', {
    schema: {
      tags: ['auth'],
      summary: 'Sign in with email and password: sets the session cookie',
      description:
        'The same 401 for an unknown email and a wrong password. Failed sign-ins for one email make the next ' +
        'wait longer (429 with Retry-After, up to a minute), and each address has a budget of failures.',
      body: loginBodySchema,
      response: { 200: signedInSchema, ...problemResponses(400, 401, 403, 429) },
    },
    handler: async (request, reply) => {
      refuseOtherSites(request);
      const refused = await failedAuthentications.refusal(request, reply);
      if (refused) throw refused;
      try {
        return signedIn(
          request,
          reply,
          await sessions.signIn(request.body.email, request.body.password, clientOf(request)),
        );
      } catch (error) {
        if ((error as { status?: number }).status === 401) await failedAuthentications.count(request, reply);
        throw error;
      }
    },
  });

  app.post('/auth/logout', {
    schema: {
      tags: ['auth'],
      summary: 'Sign out: ends this session on every instance and clears the cookie',
      response: { 204: z.null() },
    },
    handler: async (request, reply) => {
      if (request.sessionId !== undefined) await sessions.endSession(request.sessionId);
      clearSessionCookie(request, reply);
      return reply.code(204).send(null);
    },
  });

  app.get('/auth/me', {
    schema: {
      tags: ['auth'],
      summary: 'Who is signed in: the account, and what it may do per project and environment',
      response: { 200: meSchema },
    },
    handler: async (request) => describe(request.principal, accounts, snapshot),
  });

  app.get('/auth/sessions', {
    schema: {
      tags: ['auth'],
      summary: "The signed-in person's sessions (an owner: anyone's, with account_id)",
      querystring: sessionsQuerySchema,
      response: { 200: z.array(sessionSchema), ...problemResponses(400) },
    },
    handler: async (request) => {
      const accountId = sessionOwner(request.principal, request.query.account_id);
      return (await sessions.sessionsOf(accountId)).map((s) => toSessionResponse(s, request.sessionId));
    },
  });

  app.delete('/auth/sessions/:id', {
    schema: {
      tags: ['auth'],
      summary: "End a session, on every instance at once: your own, or (an owner) anyone's",
      params: sessionParamsSchema,
      response: { 204: z.null(), ...problemResponses(404) },
    },
    handler: async (request, reply) => {
      const own = holds(request.principal.grants, 'account.manage', { projectId: null })
        ? undefined
        : sessionOwner(request.principal, undefined);
      if (!(await sessions.endSession(request.params.id, own))) {
        throw new NotFoundError(`No session with id "${request.params.id}"`);
      }
      return reply.code(204).send(null);
    },
  });

  app.get('/auth/tokens', {
    schema: {
      tags: ['auth'],
      summary: "The signed-in person's personal tokens, newest first, revoked ones too (never their secrets)",
      response: { 200: z.array(personalTokenSchema), ...problemResponses(403) },
    },
    handler: async (request) => (await tokens.list(request.principal)).map(toTokenResponse),
  });

  app.post('/auth/tokens', {
    schema: {
      tags: ['auth'],
      summary: 'A personal token for scripts and CI: your permissions, as they are when it is used',
      description: 'Made from a signed-in session only. The secret is shown once; only its hash is stored.',
      body: createTokenBodySchema,
      response: { 201: createdTokenSchema, ...problemResponses(400, 403) },
    },
    handler: async (request, reply) => {
      const expiresAt = request.body.expires_at === null ? null : new Date(request.body.expires_at);
      const { token, secret } = await tokens.create(request.principal, request.body.name, expiresAt);
      return reply.code(201).send({ ...toTokenResponse(token), secret });
    },
  });

  app.delete('/auth/tokens/:id', {
    schema: {
      tags: ['auth'],
      summary: 'Revoke one of your personal tokens, at once on every instance',
      params: tokenParamsSchema,
      response: { 200: personalTokenSchema, ...problemResponses(404) },
    },
    handler: async (request) => toTokenResponse(await tokens.revoke(request.principal, request.params.id)),
  });

  app.post('/auth/setup', {
    schema: {
      tags: ['auth'],
      summary: 'Create the first owner with the setup link printed in the log; signs them in',
      description: 'Works once: open access (if any) ends, and the link is used up.',
      body: setupBodySchema,
      response: { 201: signedInSchema, ...problemResponses(400, 401, 403, 409) },
    },
    handler: async (request, reply) => {
      refuseOtherSites(request);
      const done = await sessions.setUp(request.body, clientOf(request));
      options.onOwnerSignedUp();
      return reply.code(201).send(signedIn(request, reply, done));
    },
  });

  app.post('/auth/invitations/accept', {
    schema: {
      tags: ['auth'],
      summary: 'Use an invitation or a password-reset link: sets the password, and signs in',
      description: "A password reset ends the account's other sessions.",
      body: acceptLinkBodySchema,
      response: { 200: signedInSchema, ...problemResponses(400, 401, 403) },
    },
    handler: async (request, reply) => {
      refuseOtherSites(request);
      const account = await accounts.acceptLink(request.body);
      if (account.owner) options.onOwnerSignedUp();
      return signedIn(request, reply, await sessions.startSession(account, clientOf(request)));
    },
  });
};

/** Whose sessions a request may list: the person's own, or anyone's for an owner. */
function sessionOwner(principal: Principal, asked: string | undefined): string {
  if (asked !== undefined && asked !== principal.accountId) {
    if (!holds(principal.grants, 'account.manage', { projectId: null }))
      throw new ForbiddenError(
        `${principal.described} lacks the permission "account.manage" to see another account's sessions`,
      );
    return asked;
  }
  if (principal.accountId === null || principal.signedInBy !== 'session') {
    throw new ForbiddenError('Sessions belong to people signed in with a password; API keys have none');
  }
  return principal.accountId;
}

const PROJECT_PERMISSION_NAMES = Object.keys(PROJECT_PERMISSIONS) as Permission[];

/** GET /auth/me: the caller, its global permissions, and per project what it holds beyond them. */
async function describe(principal: Principal, accounts: AccountService, snapshot: Pick<ConfigSnapshot, 'allProjects'>) {
  const global = principal.grants.filter((g) => g.projectId === null && g.environmentIds === null);
  const globalPermissions = [...new Set(global.flatMap((g) => [...g.permissions]))];
  const account = principal.accountId === null ? null : await accounts.get(principal.accountId).catch(() => null);
  const memberships = account ? await accounts.membershipsOf(account.id) : [];
  const projects = snapshot.allProjects().flatMap((view) => {
    const grants = principal.grants.filter((g) => g.projectId === view.project.id);
    if (grants.length === 0) return [];
    const membership = memberships.find((m) => m.projectId === view.project.id);
    const environmentIds = grants.some((g) => g.environmentIds === null)
      ? null
      : [...new Set(grants.flatMap((g) => g.environmentIds ?? []))];
    return [
      {
        project: view.project.key,
        role: membership?.role ?? null,
        environments: environmentIds?.flatMap((id) => view.environments.find((e) => e.id === id)?.key ?? []) ?? null,
        permissions: PROJECT_PERMISSION_NAMES.filter((p) => grants.some((g) => g.permissions.has(p))),
      },
    ];
  });
  return {
    signed_in_by: principal.signedInBy as 'session' | 'token' | 'api_key' | 'admin_api_key' | 'open',
    account: account && toAccountResponse(account),
    name: principal.name,
    global_permissions: globalPermissions,
    projects,
  };
}
