import { hash } from 'node:crypto';
import type { onSendHookHandler } from 'fastify';

/**
 * Strong ETag from the body itself, so every instance behind a load balancer gives the same tag
 * for the same answer, and If-None-Match → 304 lets polling clients skip the body.
 */
export const etagOnSend: onSendHookHandler<unknown> = async (request, reply, payload) => {
  if (reply.statusCode !== 200 || typeof payload !== 'string') return payload;
  const etag = `"${hash('sha1', payload, 'base64url')}"`;
  reply.header('etag', etag);
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
    reply.code(304);
    return '';
  }
  return payload;
};
