import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

// What a load balancer or tracing client sends (UUIDs, W3C trace ids, AWS' Root=…): printable ASCII,
// no spaces. Anything else would let a caller write arbitrary text into every log line and header.
const ACCEPTED_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * Fastify's `genReqId`: the caller's `X-Request-Id` when it is acceptable, otherwise an id unique
 * across instances (Fastify's own `req-1`, `req-2`, … repeat on every instance and every restart,
 * so logs from many instances could not be told apart): a random prefix per process and a counter.
 */
export function requestIdGenerator(): (request: IncomingMessage) => string {
  const instance = randomBytes(4).toString('hex');
  let next = 0;
  return (request) => {
    const given = request.headers['x-request-id'];
    if (typeof given === 'string' && ACCEPTED_REQUEST_ID.test(given)) return given;
    // Stays a small integer (V8 Smi), as Fastify's own counter does.
    next = (next + 1) & 0x7fffffff;
    return `${instance}-${next.toString(36)}`;
  };
}
