import type { FastifyRequest } from 'fastify';

/**
 * Query parameters whose values are credentials: the event streams' `token` (OFREP's stream URL carries
 * it, since a browser's EventSource cannot send headers), and the names clients use to put a key in a URL.
 */
const CREDENTIAL_PARAMETER = /^(token|key|api[-_]?key|secret|password|access[-_]?token)$/i;

const decodedName = (name: string) => {
  try {
    return decodeURIComponent(name.replaceAll('+', ' '));
  } catch {
    return name;
  }
};

/** A request URL as the logs show it: the value of every credential parameter replaced by [REDACTED]. */
export function redactUrl(url: string): string {
  const start = url.indexOf('?');
  if (start < 0) return url;
  const pairs = url
    .slice(start + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals < 0 || !CREDENTIAL_PARAMETER.test(decodedName(pair.slice(0, equals)))) return pair;
      return `${pair.slice(0, equals)}=[REDACTED]`;
    });
  return `${url.slice(0, start + 1)}${pairs.join('&')}`;
}

/** Fastify's own request serializer (lib/logger-pino.js), with the URL redacted. */
export function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    version: request.headers?.['accept-version'] as string | undefined,
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
