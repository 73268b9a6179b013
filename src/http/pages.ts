import type { FastifyReply, FastifyRequest } from 'fastify';

/** The Link header (RFC 8288) to the next page: the same request with `cursor` set. */
export function linkToNextPage(request: FastifyRequest, reply: FastifyReply, nextCursor: string | null): void {
  if (nextCursor === null) return;
  const url = new URL(request.url, 'http://localhost');
  url.searchParams.set('cursor', nextCursor);
  reply.header('link', `<${url.pathname}${url.search}>; rel="next"`);
}
