import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { registerHtmlSecurityHeaders } from './response-headers.js';

/** Where `npm run build:ui` (run by npm ci) writes the dashboard: dist/ui (found from src/ and from dist/). */
export const dashboardRoot = fileURLToPath(new URL('../../dist/ui/', import.meta.url));

/**
 * The dashboard at /ui: static files built at install time, with the HTML pages' security headers.
 * Its assets carry a content hash in their names and are cached for a year; index.html is answered
 * for every other path under /ui (the dashboard routes in the browser) and is never cached, so a new
 * release is picked up on the next load. It only calls the public API, with the key the person pastes.
 */
export async function registerDashboard(app: FastifyInstance, root = dashboardRoot): Promise<void> {
  const built = existsSync(`${root}/index.html`);
  await app.register(async (pages) => {
    await registerHtmlSecurityHeaders(pages);
    if (!built) {
      pages.get('/ui/*', { schema: { hide: true } }, (_request, reply) =>
        reply.code(503).type('application/problem+json').send({
          type: 'about:blank',
          title: 'Service Unavailable',
          status: 503,
          detail: 'The dashboard is not built: run "npm run build:ui" (npm ci runs it)',
        }),
      );
    } else {
      await pages.register(fastifyStatic, {
        root,
        prefix: '/ui/',
        wildcard: false,
        index: false,
        setHeaders: (reply, path) =>
          reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'),
      });
      pages.get('/ui/*', { schema: { hide: true } }, (request, reply) =>
        // A missing asset is a 404, not the page (a browser would run HTML as a script and fail oddly).
        request.url.startsWith('/ui/assets/') ? reply.callNotFound() : reply.sendFile('index.html'),
      );
    }
    pages.get('/ui', { schema: { hide: true } }, (_request, reply) => reply.redirect('/ui/', 301));
  });
}
