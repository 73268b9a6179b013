import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, RouteOptions } from 'fastify';
import type { Redis } from 'ioredis';
import { TooManyRequestsError } from '../errors.js';
import { problemSchema } from '../schemas/problem.js';
import type { Access, AuthService, Principal } from '../services/auth-service.js';
import type { Clock } from '../services/clock.js';
import { LocalRateLimiter, type RateLimiter, type RateLimitState, RedisRateLimiter } from '../services/rate-limiter.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; routes that do not say are admin-only, so a forgotten one is never open. */
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal;
  }
}

export interface RateLimits {
  /** Requests per window for evaluations and other reads; 0 turns the limit off. */
  evaluations: number;
  /** Requests per window for writes; 0 turns the limit off. */
  writes: number;
  windowMs: number;
  /** Counters live here when set, so the limits hold across instances. */
  redis?: Redis;
  /** Where the windows start and end. */
  clock: Clock;
}

export const securitySchemes = {
  bearerAuth: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' },
  apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
} as const;

function credentialOf(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match ? match[1] : undefined;
  }
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey : undefined;
}

const seconds = (ms: number) => String(Math.ceil(ms / 1000));

/** The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers), and Retry-After once refused. */
function sendBudget(reply: FastifyReply, state: RateLimitState): void {
  reply.header('ratelimit-limit', String(state.limit));
  reply.header('ratelimit-remaining', String(state.remaining));
  reply.header('ratelimit-reset', seconds(state.resetInMs));
  if (state.exceeded) reply.header('retry-after', seconds(state.resetInMs));
}

const refusal = (state: RateLimitState) =>
  new TooManyRequestsError(`Rate limit of ${state.limit} requests exceeded; retry in ${seconds(state.resetInMs)} s`);

/**
 * API keys and rate limits, attached to each route when it is registered (not as a global hook),
 * so public routes pay nothing and each protected route runs exactly its own checks in one hook.
 * Register it after the docs and before the API routes.
 */
export function registerAccessControl(app: FastifyInstance, authService: AuthService, limits: RateLimits): void {
  app.decorateRequest('principal');

  const makeLimiter = (name: string, max: number): RateLimiter | undefined => {
    if (max === 0) return undefined;
    const limiter = limits.redis
      ? new RedisRateLimiter(limits.redis, name, max, limits.windowMs, limits.clock, (error) =>
          app.log.warn(
            { err: error },
            `Redis did not count a request; the ${name} limit is not enforced until it does`,
          ),
        )
      : new LocalRateLimiter(max, limits.windowMs, limits.clock);
    app.addHook('onClose', async () => limiter.close());
    return limiter;
  };
  const readLimiter = makeLimiter('read', limits.evaluations);
  const writeLimiter = makeLimiter('write', limits.writes);

  app.addHook('onRoute', (route: RouteOptions) => {
    const access = route.config?.access ?? 'admin';
    if (access === 'public') return;
    const required = access;
    // Evaluations count as reads whatever their method (OFREP evaluates with POST).
    const isRead =
      access === 'evaluate' ||
      route.method === 'GET' ||
      route.method === 'HEAD' ||
      (Array.isArray(route.method) && route.method.every((m) => m === 'GET' || m === 'HEAD'));
    const limiter = isRead ? readLimiter : writeLimiter;
    // Evaluations say how much budget is left only when it has run out (429): three more headers on
    // every evaluation measured several percent of its cost. Writes always say it.
    const alwaysSendBudget = !isRead;
    const enforce = (reply: FastifyReply, state: RateLimitState | undefined): TooManyRequestsError | undefined => {
      if (state === undefined) return undefined;
      if (alwaysSendBudget || state.exceeded) sendBudget(reply, state);
      return state.exceeded ? refusal(state) : undefined;
    };
    // Synchronous unless the counts live in Redis: the evaluation path creates no promise here.
    const guard: onRequestHookHandler = (request, reply, done) => {
      let counted: ReturnType<RateLimiter['hit']>;
      try {
        const principal = authService.authenticate(credentialOf(request), required, request.ip);
        request.principal = principal;
        if (limiter === undefined) return done();
        counted = limiter.hit(principal.rateLimitKey);
      } catch (error) {
        return done(error as Error);
      }
      if (counted instanceof Promise) counted.then((state) => done(enforce(reply, state)), done);
      else done(enforce(reply, counted));
    };
    const existing = route.onRequest === undefined ? [] : [route.onRequest].flat();
    route.onRequest = [guard, ...existing];
    route.schema = {
      ...route.schema,
      security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
      response: { ...(route.schema?.response as object), 401: problemSchema, 403: problemSchema, 429: problemSchema },
    };
  });
}
