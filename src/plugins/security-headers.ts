import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Helmet's headers on every response. The CSP is helmet's default, loosened only where the docs
 * need it: ReDoc runs its search index in a Web Worker it creates from a blob: URL.
 */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        'worker-src': ["'self'", 'blob:'],
        // Many deployments serve plain HTTP on a private network; upgrading would break the docs there.
        'upgrade-insecure-requests': null,
      },
    },
    // Browser apps on other origins call this API (see CORS_ORIGINS).
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
}
