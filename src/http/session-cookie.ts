/** The session cookie, and the cross-site check for the requests it signs in. */
import { parseCookie } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import ipaddr from 'ipaddr.js';

export const SESSION_COOKIE = 'ffs_session';

const isLoopback = (address: string): boolean =>
  ipaddr.isValid(address) && ipaddr.process(address).range() === 'loopback';

/**
 * HttpOnly (scripts never read it), SameSite=Lax (other sites' forms and scripts do not send it),
 * and Secure except over plain HTTP on this machine, where a browser would not send a Secure cookie
 * back. Behind a TLS-terminating proxy, TRUST_PROXY lets the request's protocol say https.
 */
const cookieOptions = (request: FastifyRequest) =>
  ({
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https' || !isLoopback(request.ip),
  }) as const;

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, maxAgeMs: number): void {
  reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions(request), maxAge: Math.floor(maxAgeMs / 1000) });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
}

/**
 * The session cookie's value, when the request sends one. Parsed here, where a route asks, with the
 * `cookie` package: @fastify/cookie's global onSend hook cost every evaluation 5% head to head, so it
 * is registered only where cookies are set (the sign-in routes).
 */
export function sessionTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined || !header.includes(SESSION_COOKIE)) return undefined;
  const value = parseCookie(header)[SESSION_COOKIE];
  return value === undefined || value === '' ? undefined : value;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a request signed in by cookie may change something: safe methods always; others only
 * from the service's own pages. Browsers send Origin with every cross-origin request and with
 * same-origin POST, PUT, PATCH and DELETE, so it is compared with the address the request came to;
 * without Origin, Sec-Fetch-Site decides, and a client that sends neither is no browser (curl, an
 * SDK), which no other site can make send the cookie. A strict Origin check rather than a CSRF
 * token: nothing for the dashboard or scripts to carry, and SameSite=Lax already keeps the cookie
 * off other sites' requests in every current browser; the check covers the rest (sibling
 * subdomains, which count as same-site, and older browsers).
 */
export function fromOwnPages(request: FastifyRequest): boolean {
  if (SAFE_METHODS.has(request.method)) return true;
  const origin = request.headers.origin;
  if (origin !== undefined) return origin === `${request.protocol}://${request.host}`;
  const site = request.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}
