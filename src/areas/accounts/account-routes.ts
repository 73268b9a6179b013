import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problemResponses } from '../../http/problem-schemas.js';
import type { AddressResolver } from '../projects/addressing.js';
import type { AccountService, IssuedLink } from './account-service.js';
import {
  accountParamsSchema,
  accountSchema,
  invitedSchema,
  inviteBodySchema,
  linkSchema,
  memberParamsSchema,
  memberSchema,
  rolesResponse,
  rolesSchema,
  setMemberBodySchema,
  toAccountResponse,
  toMemberResponse,
  updateAccountBodySchema,
} from './account-schemas.js';

export interface AccountRouteOptions {
  accounts: AccountService;
  addresses: AddressResolver;
  /** PUBLIC_URL; else links start with the address the request came to. */
  publicUrl: string | undefined;
}

/** Accounts, invitations and password-reset links, the roles, and each project's members. */
export const accountRoutes: FastifyPluginAsyncZod<AccountRouteOptions> = async (
  app,
  { accounts, addresses, publicUrl },
) => {
  /** The dashboard page that uses the link; the token rides in the fragment, which no server or proxy logs. */
  const linkResponse = (request: FastifyRequest, { token, purpose, expiresAt }: IssuedLink) => {
    const base = publicUrl ?? `${request.protocol}://${request.host}`;
    const page = purpose === 'invitation' ? 'accept' : 'reset-password';
    return { token, url: `${base}/ui/${page}#token=${token}`, expires_at: expiresAt.toISOString() };
  };

  app.get('/accounts', {
    schema: {
      tags: ['accounts'],
      summary: 'Every person with an account, deactivated ones too, oldest first',
      response: { 200: z.array(accountSchema) },
    },
    handler: async () => (await accounts.list()).map(toAccountResponse),
  });

  app.post('/accounts', {
    schema: {
      tags: ['accounts'],
      summary: 'Invite a person: their account, and a one-time link (7 days) to hand over',
      description:
        'Accepting the link sets their password. Grant them roles with PUT /projects/{project}/members/{id}.',
      body: inviteBodySchema,
      response: { 201: invitedSchema, ...problemResponses(400, 409) },
    },
    handler: async (request, reply) => {
      const { account, link } = await accounts.invite(request.principal, request.body);
      return reply.code(201).send({ account: toAccountResponse(account), invitation: linkResponse(request, link) });
    },
  });

  app.get('/accounts/:id', {
    schema: {
      tags: ['accounts'],
      summary: 'One account',
      params: accountParamsSchema,
      response: { 200: accountSchema, ...problemResponses(404) },
    },
    handler: async (request) => toAccountResponse(await accounts.get(request.params.id)),
  });

  app.patch('/accounts/:id', {
    schema: {
      tags: ['accounts'],
      summary: "Change a name (your own; an owner anyone's) or who is an owner (owners only)",
      params: accountParamsSchema,
      body: updateAccountBodySchema,
      response: { 200: accountSchema, ...problemResponses(400, 404, 409) },
    },
    handler: async (request) =>
      toAccountResponse(await accounts.update(request.principal, request.params.id, request.body)),
  });

  app.delete('/accounts/:id', {
    schema: {
      tags: ['accounts'],
      summary: 'Deactivate an account: it signs in no more, and its sessions end at once on every instance',
      description: 'Accounts are never deleted, so the audit log keeps their names. The last active owner stays.',
      params: accountParamsSchema,
      response: { 200: accountSchema, ...problemResponses(404, 409) },
    },
    handler: async (request) => toAccountResponse(await accounts.deactivate(request.principal, request.params.id)),
  });

  app.post('/accounts/:id/invitation', {
    schema: {
      tags: ['accounts'],
      summary: 'A new invitation link for someone who has not accepted theirs (the old link stops working)',
      params: accountParamsSchema,
      response: { 201: linkSchema, ...problemResponses(404, 409) },
    },
    handler: async (request, reply) =>
      reply.code(201).send(linkResponse(request, await accounts.reinvite(request.principal, request.params.id))),
  });

  app.post('/accounts/:id/password-reset', {
    schema: {
      tags: ['accounts'],
      summary: "A one-time link (7 days) that sets a new password; using it ends the account's sessions",
      params: accountParamsSchema,
      response: { 201: linkSchema, ...problemResponses(404, 409) },
    },
    handler: async (request, reply) =>
      reply.code(201).send(linkResponse(request, await accounts.resetPassword(request.principal, request.params.id))),
  });

  app.get('/roles', {
    schema: {
      tags: ['accounts'],
      summary: 'The built-in roles and every permission, with what each allows',
      response: { 200: rolesSchema },
    },
    handler: async () => rolesResponse(),
  });

  app.get('/projects/:project/members', {
    config: { addresses: 'project' },
    schema: {
      tags: ['accounts'],
      summary: "The project's members: each person's role, and the environments it is narrowed to",
      response: { 200: z.array(memberSchema), ...problemResponses(404) },
    },
    handler: async (request) => {
      const environmentKey = (id: number) => request.project.environments.find((e) => e.id === id)?.key;
      return (await accounts.members(request.project)).map(({ account, membership }) =>
        toMemberResponse(account, membership, environmentKey),
      );
    },
  });

  app.put('/projects/:project/members/:account_id', {
    schema: {
      tags: ['accounts'],
      summary: 'Grant a person a role in the project, maybe only in some environments (replaces their role there)',
      params: memberParamsSchema,
      body: setMemberBodySchema,
      response: { 200: memberSchema, ...problemResponses(400, 404) },
    },
    handler: async (request) => {
      const project = addresses.project(request.principal, request.params.project, 'member.manage');
      const membership = await accounts.setMember(request.principal, project, request.params.account_id, request.body);
      const environmentKey = (id: number) => project.environments.find((e) => e.id === id)?.key;
      return toMemberResponse(await accounts.get(membership.accountId), membership, environmentKey);
    },
  });

  app.delete('/projects/:project/members/:account_id', {
    schema: {
      tags: ['accounts'],
      summary: "Remove a person's role in the project",
      params: memberParamsSchema,
      response: { 204: z.null(), ...problemResponses(404) },
    },
    handler: async (request, reply) => {
      const project = addresses.project(request.principal, request.params.project, 'member.manage');
      await accounts.removeMember(request.principal, project, request.params.account_id);
      return reply.code(204).send(null);
    },
  });
};
