import { hash } from 'node:crypto';
import type { FastifyRequest, onSendHookHandler } from 'fastify';

/**
 * Strong ETag from the body itself (and `variesWith` the request, when the answer is for a context the
 * body does not show), so every instance behind a load balancer gives the same tag for the same
 * answer, and If-None-Match → 304 lets polling clients skip the body.
 */
export function etagOnSendVarying(variesWith: (request: FastifyRequest) => string): onSendHookHandler<unknown> {
  return async (request, reply, payload) => {
    if (reply.statusCode !== 200 || typeof payload !== 'string') return payload;
    const variant = variesWith(request);
    const etag = `"${hash('sha1', variant ? `${variant}\n${payload}` : payload, 'base64url')}"`;
    reply.header('etag', etag);
    const ifNoneMatch = request.headers['if-none-match'];
    // `*` matches any current representation (RFC 9110 §13.1.2), and a 200 is one.
    if (
      ifNoneMatch &&
      (ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag))
    ) {
      reply.code(304);
      return '';
    }
    return payload;
  };
}

/** For answers that show everything they depend on. */
export const etagOnSend = etagOnSendVarying(() => '');
