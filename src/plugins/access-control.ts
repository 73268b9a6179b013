import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler, RouteOptions } from 'fastify';
import type { Redis } from 'ioredis';
import { TooManyRequestsError } from '../errors.js';
import { problemSchema } from '../schemas/problem.js';
import type { Access, AuthService, Principal } from '../services/auth-service.js';

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

/**
 * API keys and rate limits, attached to each route when it is registered (not as a global hook),
 * so public routes pay nothing and each protected route runs exactly its own checks. Register it
 * after the docs and before the API routes.
 */
export async function registerAccessControl(app: FastifyInstance, authService: AuthService, limits: RateLimits): Promise<void> {
  await app.register(fastifyRateLimit, {
    global: false,
    enableDraftSpec: true,
    redis: limits.redis,
    nameSpace: 'feature-flags-rate-limit:',
    // A flag service must keep answering when Redis does not: then the limits are not enforced.
    skipOnError: true,
    errorResponseBuilder: (_request, context) =>
      new TooManyRequestsError(`Rate limit of ${context.max} requests exceeded; retry in ${context.after}`),
  });
  app.decorateRequest('principal');

  const limiter = (group: string, max: number, options: object = {}) =>
    max > 0
      ? app.rateLimit({ max, timeWindow: limits.windowMs, keyGenerator: (request) => `${group}:${request.principal.rateLimitKey}`, ...options })
      : undefined;
  // Evaluations say how much budget is left only when it has run out (429): three more headers on
  // every evaluation measured several percent of its cost. Writes always say it.
  const readLimiter = limiter('read', limits.evaluations, {
    addHeadersOnExceeding: { 'ratelimit-limit': false, 'ratelimit-remaining': false, 'ratelimit-reset': false },
  });
  const writeLimiter = limiter('write', limits.writes);

  app.addHook('onRoute', (route: RouteOptions) => {
    const access = route.config?.access ?? 'admin';
    if (access === 'public') return;
    const required = access;
    // Evaluations count as reads whatever their method (OFREP evaluates with POST).
    const isRead =
      access === 'evaluate' || route.method === 'GET' || route.method === 'HEAD' || (Array.isArray(route.method) && route.method.every((m) => m === 'GET' || m === 'HEAD'));
    const limit = isRead ? readLimiter : writeLimiter;
    const authenticate = (request: FastifyRequest) => {
      request.principal = authService.authenticate(credentialOf(request), required, request.ip);
    };
    // One hook per route: each extra hook costs a turn of Fastify's hook runner on every request.
    const guard: onRequestHookHandler = limit
      ? async function (request, reply) {
          authenticate(request);
          await limit.call(this, request, reply);
        }
      : (request, _reply, done) => {
          try {
            authenticate(request);
            done();
          } catch (error) {
            done(error as Error);
          }
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
