/**
 * What every route needs, in one table: the access-control plugin refuses to start when a route is
 * missing from it, the OpenAPI document shows each operation's entry (`x-permission`), and a test
 * walks every route with every role against it.
 *
 * Keys are the method and the path below the route's prefix: `GET /flags` is both the root's (the key's
 * or the default environment) and `/projects/{project}/environments/{environment}/flags`. A HEAD
 * route needs what its GET needs.
 */
import type { RoutePermission } from '../core/permissions.js';

export const ROUTE_PERMISSIONS = {
  'GET /health': 'public',
  'GET /health/ready': 'public',
  'GET /health/live': 'public',
  // Answers with METRICS_TOKEN, or checks the caller itself.
  'GET /metrics': 'metrics.read',

  // Evaluation: the root's paths address the key's environment (or default/production).
  'GET /users/:user_id/flags': 'flag.evaluate',
  'GET /users/:user_id/flags/:flag_name': 'flag.evaluate',
  'POST /evaluate': 'flag.evaluate',
  'POST /evaluate/:flag_name': 'flag.evaluate',
  'POST /ofrep/v1/evaluate/flags': 'flag.evaluate',
  'POST /ofrep/v1/evaluate/flags/:key': 'flag.evaluate',
  // Streams check the caller themselves: browsers' EventSource sends a stream token or the session cookie.
  'GET /ofrep/v1/event-stream': 'flag.evaluate',
  'GET /stream': 'flag.evaluate',
  'POST /events': 'flag.evaluate',
  'GET /config': 'config.read',

  // One environment's flags (the seed's paths), their schedules and history.
  'GET /flags': 'project.read',
  'POST /flags': 'flag.write',
  'GET /flags/:flag_name': 'project.read',
  'PUT /flags/:flag_name': 'flag.write',
  'PATCH /flags/:flag_name': 'flag.write',
  'DELETE /flags/:flag_name': 'flag.write',
  'GET /flags/:flag_name/history': 'project.read',
  'GET /flags/:flag_name/schedules': 'project.read',
  'POST /flags/:flag_name/schedules': 'schedule.manage',
  'DELETE /flags/:flag_name/schedules/:schedule_id': 'schedule.manage',

  'GET /experiments': 'project.read',
  'POST /experiments': 'experiment.manage',
  'GET /experiments/:key': 'project.read',
  'POST /experiments/:key/start': 'experiment.manage',
  'POST /experiments/:key/stop': 'experiment.manage',
  'GET /experiments/:key/results': 'project.read',
  'GET /experiments/:key/exposures/export': 'project.read',
  'GET /events/export': 'project.read',

  // A project's definitions, segments, environments, promotion and flags as code.
  // Lists only the projects the caller may read: none, for a person not yet given a role.
  'GET /projects': 'signed_in',
  'POST /projects': 'project.create',
  'GET /projects/:project': 'project.read',
  'PATCH /projects/:project': 'project.manage',
  'DELETE /projects/:project': 'project.manage',
  'GET /projects/:project/export': 'project.read',
  'POST /projects/:project/import': 'project.manage',
  'GET /projects/:project/environments': 'project.read',
  'POST /projects/:project/environments': 'environment.manage',
  'GET /projects/:project/environments/:environment': 'project.read',
  'PATCH /projects/:project/environments/:environment': 'environment.manage',
  'DELETE /projects/:project/environments/:environment': 'environment.manage',
  'POST /projects/:project/environments/:environment/promote': 'environment.promote',
  'GET /projects/:project/flags': 'project.read',
  'POST /projects/:project/flags': 'flag.write',
  'GET /projects/:project/flags/:flag_name': 'project.read',
  'PATCH /projects/:project/flags/:flag_name': 'flag.write',
  'DELETE /projects/:project/flags/:flag_name': 'flag.write',
  'GET /projects/:project/flags/:flag_name/diff': 'project.read',
  'GET /projects/:project/environments/:environment/flags': 'project.read',
  'GET /projects/:project/environments/:environment/flags/:flag_name': 'project.read',
  'PATCH /projects/:project/environments/:environment/flags/:flag_name': 'flag.write',
  'POST /projects/:project/environments/:environment/flags/:flag_name/impact': 'flag.write',
  'POST /projects/:project/flags/:flag_name/promote': 'environment.promote',
  'GET /segments': 'project.read',
  'POST /segments': 'segment.write',
  'GET /segments/:segment_name': 'project.read',
  'PUT /segments/:segment_name': 'segment.write',
  'PATCH /segments/:segment_name': 'segment.write',
  'DELETE /segments/:segment_name': 'segment.write',

  // Each command says what it needs (core/command-permissions.ts).
  'POST /commands': 'signed_in',

  'GET /api-keys': 'key.manage',
  'POST /api-keys': 'key.manage',
  'DELETE /api-keys/:id': 'key.manage',
  'GET /audit': 'project.read',
  'GET /webhooks': 'webhook.manage',
  'POST /webhooks': 'webhook.manage',
  'GET /webhooks/:id': 'webhook.manage',
  'PATCH /webhooks/:id': 'webhook.manage',
  'DELETE /webhooks/:id': 'webhook.manage',
  'GET /webhooks/:id/deliveries': 'webhook.manage',
  'POST /webhooks/:id/deliveries/:delivery/retry': 'webhook.manage',
  'POST /webhooks/:id/ping': 'webhook.manage',

  // People: signing in checks its own credentials; each person sees and ends their own sessions.
  'POST /auth/login': 'public',
  'POST /auth/setup': 'public',
  'POST /auth/invitations/accept': 'public',
  'POST /auth/logout': 'signed_in',
  'GET /auth/me': 'signed_in',
  'GET /auth/sessions': 'signed_in',
  'DELETE /auth/sessions/:id': 'signed_in',
  'GET /auth/tokens': 'signed_in',
  'POST /auth/tokens': 'signed_in',
  'DELETE /auth/tokens/:id': 'signed_in',
  'GET /accounts': 'member.manage',
  'POST /accounts': 'member.manage',
  'GET /accounts/:id': 'member.manage',
  // A person changes their own name; the service checks anything more (account.manage).
  'PATCH /accounts/:id': 'signed_in',
  'DELETE /accounts/:id': 'account.manage',
  'POST /accounts/:id/invitation': 'member.manage',
  'POST /accounts/:id/password-reset': 'account.manage',
  'GET /roles': 'signed_in',
  'GET /projects/:project/members': 'project.read',
  'PUT /projects/:project/members/:account_id': 'member.manage',
  'DELETE /projects/:project/members/:account_id': 'member.manage',
} as const satisfies Record<string, RoutePermission>;

export type RouteKey = keyof typeof ROUTE_PERMISSIONS;

/** The table's keys for a route: each method's (GET for HEAD), with its path below the prefix. */
export function routeKeys({ method, url, prefix }: { method: string | string[]; url: string; prefix?: string }) {
  const path = prefix && url.startsWith(prefix) ? url.slice(prefix.length) || '/' : url;
  return [...new Set([method].flat().map((m) => `${m === 'HEAD' ? 'GET' : m} ${path}`))];
}

/** What the route needs; a route missing from the table fails the start, so none is forgotten. */
export function routePermission(route: { method: string | string[]; url: string; prefix?: string }): RoutePermission {
  const needs = routeKeys(route).map((key) => {
    const permission = (ROUTE_PERMISSIONS as Record<string, RoutePermission>)[key];
    if (permission === undefined)
      throw new Error(`${key} is missing from ROUTE_PERMISSIONS (src/http/route-permissions.ts)`);
    return permission;
  });
  if (new Set(needs).size > 1) throw new Error(`${routeKeys(route).join(', ')} share a handler but not a permission`);
  return needs[0];
}
