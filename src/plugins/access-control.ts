import fastifyRateLimit from '@fastify/rate-limit';
import { AuthService, lacks } from '../areas/api-keys/auth-service.js';
import type { SessionService } from '../areas/accounts/session-service.js';
import { PERSONAL_TOKEN_PREFIX, type TokenService } from '../areas/accounts/token-service.js';
import { holdsAnywhere, type Principal } from '../core/permissions.js';
import type { Config } from '../config.js';
import { ForbiddenError, ServiceUnavailableError, TooManyRequestsError, UnauthorizedError } from '../errors.js';
import { credentialOf } from '../http/credentials.js';
import { problemSchema } from '../http/problem-schemas.js';
import { routePermission } from '../http/route-permissions.js';
import { fromOwnPages, sessionTokenOf } from '../http/session-cookie.js';
import type { Clock } from '../support/clock.js';
import type { FastifyRequest, FastifyInstance, FastifyReply, RouteOptions, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import ipaddr from 'ipaddr.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route checks its caller itself (streams: a stream token; /metrics: METRICS_TOKEN). */
    checksCallerItself?: true;
    /** Never counted against a rate limit: a scraper's polling (/metrics). */
    unlimited?: true;
  }
  interface FastifyRequest {
    principal: Principal;
    /** The session a cookie signed the request in with; undefined for keys and tokens. */
    sessionId: string | undefined;
  }
}

export interface RateLimits {
  /** Requests per window for evaluations and other reads; 0 turns the limit off. */
  evaluations: number;
  /** Requests per window for writes; 0 turns the limit off. */
  writes: number;
  /** Failed authentications per window per client address before it is refused outright; 0 turns it off. */
  failedAuthentications: number;
  /** While Redis cannot count: "open" serves requests unlimited, "closed" refuses them with 503. */
  onRedisFailure: 'open' | 'closed';
  windowMs: number;
  /** Counters live here when set, so the limits hold across instances. */
  redis?: Redis;
}

export const securitySchemes = {
  bearerAuth: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' },
  apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
  sessionCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: 'ffs_session',
    description: "Set by POST /auth/login; writes must come from the service's own pages (Origin)",
  },
} as const;

const seconds = (ms: number) => String(Math.ceil(ms / 1000));

/** One caller's standing in the current window, as @fastify/rate-limit counted it (no allow list here). */
type Limit = Extract<Awaited<ReturnType<ReturnType<FastifyInstance['createRateLimit']>>>, { isAllowed: false }>;

/** The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers), and Retry-After once refused. */
function sendBudget(reply: FastifyReply, { max, remaining, ttl, isExceeded }: Limit): void {
  reply.header('ratelimit-limit', String(max));
  reply.header('ratelimit-remaining', String(remaining));
  reply.header('ratelimit-reset', seconds(ttl));
  if (isExceeded) reply.header('retry-after', seconds(ttl));
}

/** Redis could not count the request and RATE_LIMIT_ON_REDIS_FAILURE is "closed". */
function uncounted(reply: FastifyReply): ServiceUnavailableError {
  reply.header('retry-after', '5');
  return new ServiceUnavailableError(
    'Rate limits cannot be counted (Redis is unreachable) and RATE_LIMIT_ON_REDIS_FAILURE is "closed"',
  );
}

/** Too many failed authentications from one address: 429 with Retry-After, whatever the key. */
function refuseGuessing(reply: FastifyReply, limit: Limit): TooManyRequestsError {
  reply.header('retry-after', seconds(limit.ttl));
  return new TooManyRequestsError(
    `Too many failed authentications from this address; retry in ${seconds(limit.ttl)} s`,
  );
}

/**
 * API keys and rate limits, attached to each route when it is registered (not as a global hook),
 * so public routes pay nothing and each protected route runs exactly its own checks in one hook.
 * The counting is @fastify/rate-limit's (in memory, or in Redis when there is one), through two
 * limiters of its own: one budget per caller for evaluations and other reads, another for writes,
 * whichever routes they go to. Register it after the docs and before the API routes.
 */
export async function registerAccessControl(
  app: FastifyInstance,
  authService: AuthService,
  limits: RateLimits,
  people?: { sessions: SessionService; tokens: TokenService },
): Promise<void> {
  app.decorateRequest('principal');
  app.decorateRequest('sessionId');
  await app.register(fastifyRateLimit, {
    global: false,
    timeWindow: limits.windowMs,
    redis: limits.redis,
    nameSpace: 'feature-flags-rate-limit:',
    // By default a flag service keeps answering when Redis does not: the request goes through unlimited.
    skipOnError: limits.onRedisFailure === 'open',
  });
  const limiter = (budget: 'read' | 'write', max: number) =>
    max === 0
      ? undefined
      : app.createRateLimit({ max, keyGenerator: (request) => `${budget}:${request.principal.rateLimitKey}` });
  const readLimit = limiter('read', limits.evaluations);
  const writeLimit = limiter('write', limits.writes);
  // Counted by address, since a guesser has no key; a guesser's requests are refused before any key is checked.
  const failedAuthLimit =
    limits.failedAuthentications === 0
      ? undefined
      : app.createRateLimit({ max: limits.failedAuthentications, keyGenerator: (request) => `auth:${request.ip}` });

  app.decorate('failedAuthentications', {
    async refusal(request: FastifyRequest, reply: FastifyReply) {
      if (failedAuthLimit === undefined) return undefined;
      const standing = await failedAuthLimit(request, { increment: false });
      return !standing.isAllowed && standing.isExceeded ? refuseGuessing(reply, standing) : undefined;
    },
    async count(request: FastifyRequest, reply: FastifyReply) {
      if (failedAuthLimit === undefined) return undefined;
      const counted = await failedAuthLimit(request);
      return !counted.isAllowed && counted.isExceeded ? refuseGuessing(reply, counted) : undefined;
    },
  });

  app.addHook('onRoute', (route: RouteOptions) => {
    const required = routePermission(route);
    const needs =
      required === 'public'
        ? 'Needs no credential.'
        : required === 'signed_in'
          ? 'Needs any valid credential.'
          : `Needs the permission \`${required}\`.`;
    const description = [route.schema?.description, needs].filter(Boolean).join('\n\n');
    route.schema = { ...route.schema, description, 'x-permission': required } as typeof route.schema;
    if (required === 'public' || route.config?.checksCallerItself) return;
    // Evaluations count as reads whatever their method (OFREP evaluates with POST).
    const isRead =
      required === 'flag.evaluate' ||
      route.method === 'GET' ||
      route.method === 'HEAD' ||
      (Array.isArray(route.method) && route.method.every((m) => m === 'GET' || m === 'HEAD'));
    const checkLimit = route.config?.unlimited ? undefined : isRead ? readLimit : writeLimit;
    // Evaluations say how much budget is left only when it has run out (429): three more headers on
    // every evaluation cost several percent of it. Writes always say it.
    const alwaysSendBudget = !isRead;
    const enforce = (reply: FastifyReply, limit: Limit): TooManyRequestsError | undefined => {
      // No count was taken (Redis down or stalled): the request goes through, with no budget to show.
      if (limit.ttl === 0) return undefined;
      if (alwaysSendBudget || limit.isExceeded) sendBudget(reply, limit);
      return limit.isExceeded
        ? new TooManyRequestsError(`Rate limit of ${limit.max} requests exceeded; retry in ${seconds(limit.ttl)} s`)
        : undefined;
    };
    const authenticated = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
      if (checkLimit === undefined) return done();
      checkLimit(request).then(
        (limit) => done(limit.isAllowed ? undefined : enforce(reply, limit)),
        () => done(uncounted(reply)),
      );
    };
    /** Sets the caller on the request, or returns why the key is refused (401, 403). */
    const signIn = (request: FastifyRequest, secret: string | undefined): Error | undefined => {
      try {
        request.principal = authService.authenticate(secret, required, request.ip);
        return undefined;
      } catch (error) {
        return error as Error;
      }
    };
    const guard: onRequestHookHandler = (request, reply, done) => {
      const secret = credentialOf(request);
      // People: a browser's session cookie, a script's personal token. Never the evaluation path's keys.
      if (people !== undefined) {
        const signIn =
          secret === undefined
            ? withSession(people.sessions, request)
            : secret.startsWith(PERSONAL_TOKEN_PREFIX)
              ? withToken(people.tokens, request, reply, secret)
              : undefined;
        if (signIn !== undefined) {
          return void signIn
            .then((refused) => refused ?? permitted(request.principal))
            .then(
              (refused) => (refused ? done(refused) : authenticated(request, reply, done)),
              (error: Error) => done(error),
            );
        }
      }
      // A key verified before (and anyone, while the service is open) skips the failed-attempt budget:
      // the evaluation path pays nothing for it.
      if (failedAuthLimit === undefined || authService.recognizes(secret)) {
        const refused = signIn(request, secret);
        return refused ? done(refused) : authenticated(request, reply, done);
      }
      void (async () => {
        // Over the budget: refused before the key is even looked at, so guessing learns nothing more.
        const standing = await failedAuthLimit(request, { increment: false });
        if (!standing.isAllowed && standing.isExceeded) return done(refuseGuessing(reply, standing));
        const refused = signIn(request, secret);
        if (!refused) return authenticated(request, reply, done);
        if (refused instanceof UnauthorizedError) {
          const counted = await failedAuthLimit(request);
          if (!counted.isAllowed && counted.isExceeded) return done(refuseGuessing(reply, counted));
        }
        done(refused);
        // Only the counting can fail here: Redis, with RATE_LIMIT_ON_REDIS_FAILURE=closed.
      })().catch(() => done(uncounted(reply)));
    };
    const permitted = (principal: Principal): Error | undefined =>
      required === 'signed_in' || holdsAnywhere(principal.grants, required) ? undefined : lacks(principal, required);
    /** Sets the person a session cookie signs in, or says why not; undefined without a cookie. */
    const withSession = (sessions: SessionService, request: FastifyRequest) => {
      const token = sessionTokenOf(request);
      if (token === undefined) return undefined;
      return (async (): Promise<Error | undefined> => {
        const found = await sessions.principalOf(token);
        if (!found) {
          // An ended session on an open service is anyone's request, as if no cookie came.
          if (!authService.enabled) return signIn(request, undefined);
          return new UnauthorizedError('The session has ended (signed out, timed out or revoked): sign in again');
        }
        if (!fromOwnPages(request)) {
          return new ForbiddenError(
            "A change signed in by a session cookie must come from the service's own pages, not another site's",
          );
        }
        request.principal = found.principal;
        request.sessionId = found.session.id;
        return undefined;
      })();
    };
    /** Sets the person a personal token signs in, or says why not; an unknown token counts as a failure. */
    const withToken = async (
      tokens: TokenService,
      request: FastifyRequest,
      reply: FastifyReply,
      secret: string,
    ): Promise<Error | undefined> => {
      const guessing = failedAuthLimit && (await failedAuthLimit(request, { increment: false }));
      if (guessing && !guessing.isAllowed && guessing.isExceeded) return refuseGuessing(reply, guessing);
      const principal = await tokens.principalOf(secret);
      if (principal) {
        request.principal = principal;
        return undefined;
      }
      const counted = failedAuthLimit && (await failedAuthLimit(request));
      if (counted && !counted.isAllowed && counted.isExceeded) return refuseGuessing(reply, counted);
      return new UnauthorizedError('The personal token is unknown, revoked or expired, or its account deactivated');
    };
    const existing = route.onRequest === undefined ? [] : [route.onRequest].flat();
    route.onRequest = [guard, ...existing];
    route.schema = {
      ...route.schema,
      security: [{ bearerAuth: [] }, { apiKeyHeader: [] }, { sessionCookie: [] }],
      response: { ...(route.schema?.response as object), 401: problemSchema, 403: problemSchema, 429: problemSchema },
    };
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    auth: AuthService;
    /**
     * The per-address budget of failed authentications (RATE_LIMIT_FAILED_AUTH), for routes that
     * check credentials themselves (signing in): why the address is refused now, and counting one
     * more failure (with why the address is refused from now on).
     */
    failedAuthentications: {
      refusal(request: FastifyRequest, reply: FastifyReply): Promise<Error | undefined>;
      count(request: FastifyRequest, reply: FastifyReply): Promise<Error | undefined>;
    };
  }
}

/** Whether listening on `host` serves this machine only. */
function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  return ipaddr.isValid(host) && ipaddr.process(host).range() === 'loopback';
}

export interface AccessControlOptions {
  config: Pick<Config, 'adminApiKey' | 'host' | 'port' | 'rateLimits' | 'accounts' | 'snapshotPollMs'>;
  clock: Clock;
}

/** Where the dashboard's pages are reached, for links printed in the log. */
const baseUrlOf = ({ accounts, host, port }: AccessControlOptions['config']) =>
  accounts.publicUrl ?? `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${port}`;

/**
 * Who may call what, and how often: the API keys (the read model's key ring, and ADMIN_API_KEY) and
 * the rate limits. Warns when nobody needs a key, louder when the service is reachable from other machines.
 */
export const accessControlPlugin = fp<AccessControlOptions>(
  async (app, { config, clock }) => {
    const { keyRing, hub } = app.readModel;
    const auth = new AuthService(keyRing, config.adminApiKey, clock);
    app.decorate('auth', auth);
    const { sessions } = app;
    if (await sessions.ownerSignedUp()) auth.markOwnerSignedUp();
    else if (!auth.enabled || config.adminApiKey === undefined) {
      // Another instance's setup ends this one's open access too, at its next look (a key would at once).
      const stop = clock.every(config.snapshotPollMs, async () => {
        if (auth.enabled || (await sessions.ownerSignedUp().catch(() => false))) {
          auth.markOwnerSignedUp();
          stop();
        }
      });
      app.addHook('onClose', async () => stop());
      if (config.adminApiKey === undefined) {
        const token = await sessions.offerSetupToken();
        const where = `${baseUrlOf(config)}/ui/setup#token=${token}`;
        if (token !== undefined) {
          app.log.warn(`SETUP: create the first owner account at ${where} (works once, for 24 hours)`);
        } else {
          app.log.warn('SETUP: another instance printed the link that creates the first owner account (see its log)');
        }
      }
    }
    if (!auth.enabled && !isLoopback(config.host)) {
      app.log.warn(
        `OPEN TO THE NETWORK: HOST=${config.host} accepts connections from other machines while authentication is ` +
          'disabled. Set ADMIN_API_KEY, or HOST=127.0.0.1 to serve this machine only.',
      );
    }
    // A revoked key's open streams end at once, on every instance (the key ring follows every change).
    keyRing.onChange(() => hub.closeHeldBy((holder) => !auth.mayKeepStreams(holder)));
    if (!auth.enabled) {
      app.log.warn(
        'AUTHENTICATION IS DISABLED: no API key exists and ADMIN_API_KEY is not set, so anyone who can reach this ' +
          'service can change flags. Create a key (POST /api-keys) or set ADMIN_API_KEY.',
      );
    }
    await registerAccessControl(
      app,
      auth,
      { ...config.rateLimits, redis: app.rateLimitStore.redis },
      { sessions, tokens: app.personalTokens },
    );
  },
  { name: 'access-control', dependencies: ['read-model', 'rate-limit-store', 'sessions'] },
);
