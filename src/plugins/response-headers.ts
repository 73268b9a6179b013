import fastifyCors from '@fastify/cors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyHelmet from '@fastify/helmet';
import { BadRequestError } from '../errors.js';

/**
 * What OWASP's REST Security Cheat Sheet asks of JSON API responses: nothing in them may run or be
 * framed, and browsers must not guess their type. Every header costs time on the evaluation path
 * (helmet's full set of 13 costs far more than these: docs/performance.md), so API responses get these,
 * and Strict-Transport-Security when they travel over HTTPS.
 */
const apiSecurityHeaders = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

const strictTransportSecurity = 'max-age=31536000; includeSubDomains';

/**
 * Whether the client reached the service over HTTPS: the service speaks plain HTTP behind a proxy
 * that ends TLS (Railway, Render, Heroku, any load balancer), which says so in X-Forwarded-Proto,
 * the client-facing hop first. A client faking it only gets a header its browser ignores over HTTP.
 */
function reachedOverHttps(request: FastifyRequest): boolean {
  const proto = request.headers['x-forwarded-proto'];
  return typeof proto === 'string' && /^\s*https\s*(,|$)/i.test(proto);
}

// What a browser script on another origin may read besides the basics: conditional polling and budgets.
export const exposedHeaders = 'ETag, X-Request-Id, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset';

/** Sets the headers every response carries: its request id, the API security headers and CORS. */
export type ResponseHeaderSetter = (request: FastifyRequest, reply: FastifyReply) => void;

/** The headers every response carries whoever asks: the API security headers, and CORS' fixed part. */
export function fixedResponseHeaders(corsOrigins: '*' | string[]): Record<string, string> {
  // With a list of origins the answer depends on the Origin header, and caches must know that.
  return {
    ...apiSecurityHeaders,
    ...(corsOrigins === '*' ? { 'access-control-allow-origin': '*' } : { vary: 'Origin' }),
  };
}

export function responseHeaderSetter(corsOrigins: '*' | string[]): ResponseHeaderSetter {
  const allowed = corsOrigins === '*' ? undefined : new Set(corsOrigins);
  const fixed = fixedResponseHeaders(corsOrigins);
  return (request, reply) => {
    reply.headers(fixed);
    reply.header('x-request-id', request.id);
    // RFC 6797 §7.2: a server must not send HSTS over plain HTTP, where browsers ignore it anyway.
    if (reachedOverHttps(request)) reply.header('strict-transport-security', strictTransportSecurity);
    // Only browsers on another origin send Origin; server-side SDKs pay nothing for CORS.
    const origin = request.headers.origin;
    if (origin !== undefined && (allowed === undefined || allowed.has(origin))) {
      if (allowed !== undefined) reply.header('access-control-allow-origin', origin);
      reply.header('access-control-expose-headers', exposedHeaders);
    }
  };
}

/**
 * Every response's headers in one onRequest hook: its request id (so a report of a failure can be
 * matched to its logs), the API security headers and CORS. A hook is a turn of Fastify's hook
 * runner on every request, and @fastify/cors builds the route's options afresh for each one; as
 * three hooks these cost measurably more (docs/performance.md). @fastify/cors still
 * answers the preflights, in a scope of its own that holds only its OPTIONS route.
 */
export async function registerResponseHeaders(app: FastifyInstance, corsOrigins: '*' | string[]): Promise<void> {
  const setHeaders = responseHeaderSetter(corsOrigins);
  app.addHook('onRequest', (request, reply, done) => {
    setHeaders(request, reply);
    // RFC 9112 requires a 400 for HTTP/1.1 without Host. Node's own is empty, so Node lets these
    // through (serverOptions) and they are refused here, in the hook every request passes already.
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1')
      return done(new BadRequestError('An HTTP/1.1 request must carry a Host header'));
    done();
  });
  await app.register(async (preflights) => {
    await preflights.register(fastifyCors, {
      origin: corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      // Browsers may then skip the preflight for two hours (Chromium's cap).
      maxAge: 7200,
      // A plain OPTIONS (no Origin) gets the same 204 with the allowed methods, not a text/plain 400.
      strictPreflight: false,
    });
  });
}

/**
 * For a scope of HTML pages (the docs): helmet's full set of browser security headers in place of the
 * API's, with a CSP that allows only the service's own scripts. @fastify/helmet runs helmet for every
 * request, which the docs can afford; the API security headers are taken off first, since headers set
 * on the reply would otherwise win over those helmet sets on the raw response.
 */
export async function registerHtmlSecurityHeaders(pages: FastifyInstance): Promise<void> {
  pages.addHook('onRequest', (_request, reply, done) => {
    for (const name of Object.keys(apiSecurityHeaders)) reply.removeHeader(name);
    done();
  });
  await pages.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        // ReDoc runs its search index in a Web Worker it creates from a blob: URL.
        'worker-src': ["'self'", 'blob:'],
        // Many deployments serve plain HTTP on a private network; upgrading would break the docs there.
        'upgrade-insecure-requests': null,
      },
    },
    // Sent by the hook every response passes, and only over HTTPS (see responseHeaderSetter).
    strictTransportSecurity: false,
  });
}
