import { randomUUID } from 'node:crypto';
import type { HTTPMethods, InjectOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { PER_ENVIRONMENT, type Permission, ROLES, type RoleKey } from '../../src/core/permissions.js';
import { ROUTE_PERMISSIONS } from '../../src/http/route-permissions.js';
import { backends } from '../helpers.js';
import { useTestApp } from '../support/test-app.js';

const ADMIN_API_KEY = 'route-walk-admin-key-0123456789-0123456789';
const admin = { authorization: `Bearer ${ADMIN_API_KEY}` };
const PASSWORD = 'correct horse battery staple';
const ENVIRONMENT_PREFIX = '/projects/:project/environments/:environment';

/** Who walks the routes: each built-in role, and an editor narrowed to development. */
const CALLERS = ['owner', 'admin', 'editor', 'viewer', 'narrowed editor'] as const;
type Caller = (typeof CALLERS)[number];
const roleOf = (caller: Caller): RoleKey => (caller === 'narrowed editor' ? 'editor' : caller);

// Routes that answer with a stream that stays open: walked over real HTTP in the streams' own tests.
const STREAMS = new Set(['GET /stream', 'GET /ofrep/v1/event-stream']);
// Ends the caller's own session: its own test (test/api/accounts.test.ts).
const SIGNS_OUT = 'POST /auth/logout';

/** Parameters that name nothing: a request gets past the guard and is answered 400 or 404, and changes nothing. */
const params: Record<string, string> = {
  project: 'default',
  user_id: 'alice',
  flag_name: 'no_such_flag',
  segment_name: 'no_such_segment',
  key: 'no_such_key',
  schedule_id: randomUUID(),
  id: randomUUID(),
  account_id: randomUUID(),
  delivery: 'msg_none',
};

/** Root paths that work in an environment: the key's, else default/production (src/http/route-prefixes.ts). */
const ENVIRONMENT_ROOTS = ['/flags', '/users', '/evaluate', '/ofrep', '/events', '/experiments', '/config'];

/**
 * Whether the table says the caller may: its role holds the permission (a global one only an owner
 * holds), and a narrowed editor holds a per-environment one only in development (deleting a flag
 * removes it from every environment, so never).
 */
function allowed(caller: Caller, needs: Permission | 'signed_in', environment: string | undefined): boolean {
  if (needs === 'signed_in') return true;
  if (!(ROLES[roleOf(caller)].permissions as readonly string[]).includes(needs)) return false;
  if (caller !== 'narrowed editor' || !PER_ENVIRONMENT.has(needs) || environment === undefined) return true;
  return environment === 'development';
}

describe.each(backends)('every route against its permission, with every role, on $name', (backend) => {
  const app = useTestApp(backend, {
    env: { ADMIN_API_KEY, RATE_LIMIT_WRITES: '0', RATE_LIMIT_EVALUATIONS: '0', SNAPSHOT_POLL_MS: '86400000' },
    seed: async (app) => {
      const ok = async (method: HTTPMethods, url: string, payload?: object) => {
        const res = await app.inject({ method, url, payload, headers: admin });
        expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
        return res.json();
      };
      await ok('POST', '/flags', { flag_name: 'seeded' });
      for (const caller of CALLERS) {
        const email = `${caller.replace(' ', '.')}@example.com`;
        const invited = await ok('POST', '/accounts', { email, name: caller, owner: caller === 'owner' });
        const accepted = await app.inject({
          method: 'POST',
          url: '/auth/invitations/accept',
          payload: { token: invited.invitation.token, password: PASSWORD },
        });
        cookies[caller] = `ffs_session=${accepted.cookies.find((c) => c.name === 'ffs_session')!.value}`;
        if (caller === 'owner') continue;
        await ok('PUT', `/projects/default/members/${invited.account.id}`, {
          role: roleOf(caller),
          environments: caller === 'narrowed editor' ? ['development'] : null,
        });
      }
    },
  });
  const cookies = {} as Record<Caller, string>;

  /** Each route of the table as requests: at the root, and for each environment where it also answers there. */
  const requests = () =>
    Object.entries(ROUTE_PERMISSIONS).flatMap(([key, needs]) => {
      if (needs === 'public' || STREAMS.has(key) || key === SIGNS_OUT) return [];
      const [method, path] = key.split(' ') as [HTTPMethods, string];
      const concrete = (url: string, environment: string) =>
        url.replace(/:(\w+)/g, (_, name: string) => (name === 'environment' ? environment : params[name]));
      const underPrefix = app().hasRoute({ method, url: `${ENVIRONMENT_PREFIX}${path}` });
      const explicit = path.includes(':environment');
      const deletesFlag = method === 'DELETE' && path.endsWith(':flag_name');
      const at = (url: string, environment: string | undefined) => ({
        key,
        method,
        needs,
        url,
        environment: deletesFlag ? 'every' : environment,
      });
      if (explicit) return ['development', 'production'].map((e) => at(concrete(path, e), e));
      const root = ENVIRONMENT_ROOTS.some((prefix) => path.startsWith(prefix)) ? 'production' : undefined;
      if (!underPrefix) return [at(concrete(path, ''), root)];
      return [
        at(concrete(path, ''), 'production'),
        ...['development', 'production'].map((e) => at(concrete(`${ENVIRONMENT_PREFIX}${path}`, e), e)),
      ];
    });

  it.skipIf(!backend.available)('has a route for every entry of the table, and an entry for every route', () => {
    for (const key of Object.keys(ROUTE_PERMISSIONS)) {
      const [method, path] = key.split(' ') as [HTTPMethods, string];
      expect(app().hasRoute({ method, url: path }), key).toBe(true);
    }
    // The other way round, the service refuses to start with a route missing from the table (route-permissions.ts).
  });

  it.skipIf(!backend.available)(
    'answers each caller 403 exactly where the table says it lacks the permission',
    async () => {
      const mismatches: string[] = [];
      let checked = 0;
      for (const { key, method, needs, url, environment } of requests()) {
        for (const caller of CALLERS) {
          const request: InjectOptions = { method, url, headers: { cookie: cookies[caller] } };
          if (method !== 'GET' && method !== 'DELETE') request.payload = {};
          const res = await app().inject(request);
          const expected = allowed(caller, needs as Permission | 'signed_in', environment);
          const refused = res.statusCode === 403 || res.statusCode === 401;
          checked++;
          if (refused === expected || res.statusCode >= 500) {
            mismatches.push(
              `${caller}: ${method} ${url} (${key}, ${needs}) answered ${res.statusCode} ${res.body.slice(0, 160)}`,
            );
          }
        }
      }
      expect(mismatches).toEqual([]);
      expect(checked).toBeGreaterThan(500);
    },
  );
});
