import type { InjectOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { backends, buildTestApp, query } from '../helpers.js';
import { ManualClock } from '../support/manual-clock.js';
import { useTestAppAndDatabase } from '../support/test-app.js';

const ADMIN_API_KEY = 'accounts-admin-key-0123456789-0123456789';
const admin = { authorization: `Bearer ${ADMIN_API_KEY}` };
const PASSWORD = 'correct horse battery staple';

type Method = NonNullable<InjectOptions['method']>;

describe.each(backends)('accounts, sessions and roles on $name', (backend) => {
  const clock = new ManualClock();
  const { app, database } = useTestAppAndDatabase(backend, {
    clock,
    env: { ADMIN_API_KEY, RATE_LIMIT_WRITES: '0', SNAPSHOT_POLL_MS: '86400000' },
  });

  const call = (method: Method, url: string, payload?: object, headers: Record<string, string> = admin) =>
    app().inject({ method, url, payload, headers });
  const ok = async (method: Method, url: string, payload?: object, headers: Record<string, string> = admin) => {
    const res = await call(method, url, payload, headers);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.statusCode === 204 ? undefined : res.json();
  };
  /** Invites a person, has them accept, and returns their account id and session cookie. */
  const person = async (email: string, name: string, inviter: Record<string, string> = admin) => {
    const invited = await ok('POST', '/accounts', { email, name }, inviter);
    const accepted = await call('POST', '/auth/invitations/accept', {
      token: invited.invitation.token,
      password: PASSWORD,
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
    return { id: invited.account.id as string, cookie: sessionCookieOf(accepted) };
  };
  const sessionCookieOf = (res: Awaited<ReturnType<typeof call>>) => {
    const cookie = res.cookies.find((c) => c.name === 'ffs_session');
    expect(cookie, res.headers['set-cookie'] as string).toBeDefined();
    return { cookie: `ffs_session=${cookie!.value}` };
  };
  const login = (email: string, password: string, headers: Record<string, string> = {}) =>
    call('POST', '/auth/login', { email, password }, headers);

  if (!backend.available) {
    it.skip('needs this backend', () => undefined);
    return;
  }

  it('invites a person with a one-time link that sets their password and signs them in', async () => {
    const invited = await ok('POST', '/accounts', { email: 'Ada@Example.com', name: 'Ada Lovelace' });
    expect(invited.account).toMatchObject({ email: 'Ada@Example.com', invitation_pending: true, owner: false });
    expect(invited.invitation.url).toMatch(/\/ui\/accept#token=/);
    const accepted = await call('POST', '/auth/invitations/accept', {
      token: invited.invitation.token,
      name: 'Ada',
      password: PASSWORD,
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json().account).toMatchObject({ name: 'Ada', invitation_pending: false });
    const me = await ok('GET', '/auth/me', undefined, sessionCookieOf(accepted));
    expect(me).toMatchObject({ signed_in_by: 'session', name: 'Ada', global_permissions: [], projects: [] });
    // Used up: a second use fails and changes nothing.
    const again = await call('POST', '/auth/invitations/accept', {
      token: invited.invitation.token,
      password: 'x'.repeat(20),
    });
    expect(again.statusCode).toBe(401);
    // The same email in another case is the same account.
    expect((await call('POST', '/accounts', { email: 'ada@example.COM', name: 'Twin' })).statusCode).toBe(409);
  });

  it('signs in with the session cookie: HttpOnly, SameSite=Lax, Secure except over plain HTTP on loopback', async () => {
    const res = await login('ada@example.com', PASSWORD);
    expect(res.statusCode, res.body).toBe(200);
    const cookie = res.cookies.find((c) => c.name === 'ffs_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie.secure).toBeUndefined();
    const remote = await app().inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'ada@example.com', password: PASSWORD },
      remoteAddress: '203.0.113.9',
    });
    expect(remote.cookies.find((c) => c.name === 'ffs_session')!.secure).toBe(true);
  });

  it('stores passwords as argon2id hashes and sessions and links only as SHA-256 hashes', async () => {
    const res = await login('ada@example.com', PASSWORD);
    const token = res.cookies.find((c) => c.name === 'ffs_session')!.value;
    const [account] = await query(database(), "SELECT password_hash FROM accounts WHERE email_key = 'ada@example.com'");
    expect(account.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const sessions = await query(database(), 'SELECT * FROM sessions');
    expect(JSON.stringify(sessions)).not.toContain(token);
    const tokens = await query(database(), 'SELECT token_hash FROM one_time_tokens');
    expect(tokens.every((t) => /^[0-9a-f]{64}$/.test(String(t.token_hash)))).toBe(true);
  });

  it('answers an unknown email and a wrong password alike, and makes the next try wait longer, never locking', async () => {
    const unknown = await login('nobody@example.com', 'wrong password here');
    const wrong = await login('grace.throttle@example.com', 'wrong password here');
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.json().detail).toBe(wrong.json().detail);

    await person('grace.throttle@example.com', 'Grace');
    for (let i = 0; i < 2; i++)
      expect((await login('grace.throttle@example.com', 'wrong password here')).statusCode).toBe(401);
    // Three failures (one before the account existed): the fourth try waits a second, even with the right password.
    const waiting = await login('grace.throttle@example.com', PASSWORD);
    expect(waiting.statusCode).toBe(429);
    expect(waiting.headers['retry-after']).toBe('1');
    await clock.advance(1000);
    expect((await login('grace.throttle@example.com', 'still wrong password')).statusCode).toBe(401);
    const longer = await login('grace.throttle@example.com', PASSWORD);
    expect(longer.headers['retry-after']).toBe('2');
    await clock.advance(2000);
    expect((await login('grace.throttle@example.com', PASSWORD)).statusCode).toBe(200);
    // A success starts the count over.
    expect((await login('grace.throttle@example.com', 'wrong password here')).statusCode).toBe(401);
    expect((await login('grace.throttle@example.com', PASSWORD)).statusCode).toBe(200);
  });

  it('refuses cookie-signed changes from another site, and signing in from one', async () => {
    const { cookie } = sessionCookieOf(await login('ada@example.com', PASSWORD));
    const evil = { cookie, origin: 'https://evil.example' };
    const refused = await call('PATCH', '/accounts/00000000-0000-4000-8000-000000000000', { name: 'x' }, evil);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().detail).toMatch(/own pages/);
    expect((await login('ada@example.com', PASSWORD, { origin: 'https://evil.example' })).statusCode).toBe(403);
    expect((await call('GET', '/auth/me', undefined, evil)).statusCode).toBe(200);
    const sameOrigin = await call('POST', '/auth/logout', undefined, { cookie, origin: 'http://localhost:80' });
    expect(sameOrigin.statusCode).toBe(204);
  });

  it('lists and ends sessions, on every instance at once', async () => {
    const first = sessionCookieOf(await login('ada@example.com', PASSWORD));
    const second = sessionCookieOf(await login('ada@example.com', PASSWORD));
    const other = await buildTestApp(database(), { ADMIN_API_KEY, SNAPSHOT_POLL_MS: '86400000' }, clock);
    try {
      const listed = await ok('GET', '/auth/sessions', undefined, first);
      expect(listed.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
      const secondId = (await ok('GET', '/auth/sessions', undefined, second)).find(
        (s: { current: boolean }) => s.current,
      ).id;
      expect((await other.inject({ method: 'GET', url: '/auth/me', headers: second })).statusCode).toBe(200);
      await ok('DELETE', `/auth/sessions/${secondId}`, undefined, first);
      expect((await other.inject({ method: 'GET', url: '/auth/me', headers: second })).statusCode).toBe(401);
      await ok('POST', '/auth/logout', undefined, first);
      const after = await other.inject({ method: 'GET', url: '/auth/me', headers: first });
      expect(after.statusCode).toBe(401);
      expect(after.json().detail).toMatch(/session has ended/);
    } finally {
      await other.close();
    }
  });

  it("ends the dashboard's event stream when its session ends", async () => {
    const reader = await person('streamer@example.com', 'Stella Streamer');
    await ok('PUT', `/projects/default/members/${reader.id}`, { role: 'viewer' });
    const base = await app().listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${base}/stream`, { headers: reader.cookie });
    expect(res.status).toBe(200);
    const body = res.body!.getReader();
    expect(new TextDecoder().decode((await body.read()).value)).toMatch(/event: revision/);
    await ok('POST', '/auth/logout', undefined, reader.cookie);
    // Every instance looks at its sessions' streams each SNAPSHOT_POLL_MS.
    await clock.advance(86_400_000);
    let ended = false;
    while (!ended) ended = (await body.read()).done;
    expect(ended).toBe(true);
  });

  it('ends idle sessions and sessions past their absolute age', async () => {
    const session = sessionCookieOf(await login('ada@example.com', PASSWORD));
    await clock.advance(11 * 3_600_000);
    expect((await call('GET', '/auth/me', undefined, session)).statusCode).toBe(200);
    await clock.advance(11 * 3_600_000);
    expect((await call('GET', '/auth/me', undefined, session)).statusCode).toBe(200);
    await clock.advance(12 * 3_600_000 + 1);
    expect((await call('GET', '/auth/me', undefined, session)).statusCode).toBe(401);
  });

  it('gives each role its permissions in the project, and an environment-narrowed editor only its environments', async () => {
    await ok('POST', '/flags', { flag_name: 'checkout' });
    const viewer = await person('viewer@example.com', 'Vera Viewer');
    const editor = await person('editor@example.com', 'Ed Editor');
    const outsider = await person('outsider@example.com', 'Otto Outsider');
    await ok('PUT', `/projects/default/members/${viewer.id}`, { role: 'viewer' });
    const granted = await ok('PUT', `/projects/default/members/${editor.id}`, {
      role: 'editor',
      environments: ['development'],
    });
    expect(granted).toMatchObject({ role: 'editor', environments: ['development'] });

    expect((await call('GET', '/flags', undefined, viewer.cookie)).statusCode).toBe(200);
    const refused = await call('POST', '/flags', { flag_name: 'nope' }, viewer.cookie);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().detail).toMatch(/Account "viewer@example.com" lacks the permission "flag.write"/);

    const settings = (environment: string) =>
      call('PATCH', `/projects/default/environments/${environment}/flags/checkout`, { status: true }, editor.cookie);
    expect((await settings('development')).statusCode).toBe(200);
    const production = await settings('production');
    expect(production.statusCode).toBe(403);
    expect(production.json().detail).toMatch(/"flag.write" in "production"/);
    // A flag's definition belongs to no environment: a narrowed editor may change it.
    expect(
      (await call('PATCH', '/projects/default/flags/checkout', { description: 'Checkout' }, editor.cookie)).statusCode,
    ).toBe(200);
    // Deleting removes it from every environment.
    expect((await call('DELETE', '/projects/default/flags/checkout', undefined, editor.cookie)).statusCode).toBe(403);

    // Someone with no role at all is told what they lack; with a role elsewhere, the project is as missing.
    const hidden = await call('GET', '/projects/default', undefined, outsider.cookie);
    expect(hidden.statusCode).toBe(403);
    expect(hidden.json().detail).toMatch(/lacks the permission "project.read"/);
    await ok('POST', '/projects', { key: 'elsewhere', name: 'Elsewhere' });
    await ok('PUT', `/projects/elsewhere/members/${outsider.id}`, { role: 'viewer' });
    expect((await call('GET', '/projects/default', undefined, outsider.cookie)).statusCode).toBe(404);
    expect((await ok('GET', '/projects', undefined, outsider.cookie)).map((p: { key: string }) => p.key)).toEqual([
      'elsewhere',
    ]);

    const me = await ok('GET', '/auth/me', undefined, editor.cookie);
    expect(me.projects).toEqual([
      expect.objectContaining({ project: 'default', role: 'editor', environments: ['development'] }),
    ]);
    const members = await ok('GET', '/projects/default/members', undefined, viewer.cookie);
    expect(members.map((m: { account: { email: string } }) => m.account.email).sort()).toEqual([
      'editor@example.com',
      'streamer@example.com',
      'viewer@example.com',
    ]);
    // Viewers may not grant roles.
    expect(
      (await call('PUT', `/projects/default/members/${outsider.id}`, { role: 'admin' }, viewer.cookie)).statusCode,
    ).toBe(403);
  });

  it("makes personal tokens that carry their person's permissions, until revoked, expired or deactivated", async () => {
    const scripter = await person('scripter@example.com', 'Sam Scripter');
    await ok('PUT', `/projects/default/members/${scripter.id}`, { role: 'viewer' });
    const expiresAt = new Date(clock.now() + 3_600_000).toISOString();
    const created = await ok(
      'POST',
      '/auth/tokens',
      { name: 'release pipeline', expires_at: expiresAt },
      scripter.cookie,
    );
    expect(created.secret).toMatch(/^ffp_[\w-]{43}$/);
    expect(created).toMatchObject({ name: 'release pipeline', prefix: created.secret.slice(0, 12), revoked_at: null });
    const bearer = { authorization: `Bearer ${created.secret}` };
    expect(await ok('GET', '/auth/me', undefined, bearer)).toMatchObject({
      signed_in_by: 'token',
      name: 'Sam Scripter',
    });
    expect((await call('GET', '/flags', undefined, bearer)).statusCode).toBe(200);
    expect((await call('POST', '/flags', { flag_name: 'by_token' }, bearer)).statusCode).toBe(403);
    // A token does not make tokens; only a signed-in session does.
    expect((await call('POST', '/auth/tokens', { name: 'another' }, bearer)).statusCode).toBe(403);
    const [stored] = await query(database(), `SELECT token_hash FROM personal_tokens WHERE id = '${created.id}'`);
    expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await query(database(), 'SELECT * FROM personal_tokens'))).not.toContain(created.secret);

    await clock.advance(3_600_000);
    expect((await call('GET', '/auth/me', undefined, bearer)).statusCode).toBe(401);

    const second = await ok('POST', '/auth/tokens', { name: 'laptop' }, scripter.cookie);
    const secondBearer = { authorization: `Bearer ${second.secret}` };
    expect((await call('GET', '/flags', undefined, secondBearer)).statusCode).toBe(200);
    const listed = await ok('GET', '/auth/tokens', undefined, scripter.cookie);
    expect(listed.map((t: { name: string }) => t.name)).toEqual(['laptop', 'release pipeline']);
    expect(JSON.stringify(listed)).not.toContain(second.secret);
    expect((await ok('DELETE', `/auth/tokens/${second.id}`, undefined, scripter.cookie)).revoked_at).not.toBeNull();
    expect((await call('GET', '/flags', undefined, secondBearer)).statusCode).toBe(401);

    const third = await ok('POST', '/auth/tokens', { name: 'until deactivated' }, scripter.cookie);
    await ok('DELETE', `/accounts/${scripter.id}`);
    expect((await call('GET', '/flags', undefined, { authorization: `Bearer ${third.secret}` })).statusCode).toBe(401);
  });

  it('names the account and how it signed in on the audit entries it causes', async () => {
    const projectAdmin = await person('padmin@example.com', 'Pat Admin');
    await ok('PUT', `/projects/default/members/${projectAdmin.id}`, { role: 'admin' });
    await ok('POST', '/flags', { flag_name: 'audited_by_person' }, projectAdmin.cookie);
    const page = await ok('GET', '/audit?flag_name=audited_by_person', undefined, projectAdmin.cookie);
    expect(page.entries[0].actor).toEqual({
      key_id: null,
      name: 'Pat Admin',
      account_id: projectAdmin.id,
      signed_in_by: 'session',
    });
    const byAccount = await ok('GET', `/audit?actor_account=${projectAdmin.id}`);
    // Newest first: the flag, then accepting the invitation (signed in by its one-time link).
    expect(
      byAccount.entries.map((e: { action: string; actor: { signed_in_by: string } }) => [
        e.action,
        e.actor.signed_in_by,
      ]),
    ).toEqual([
      ['flag.created', 'session'],
      ['account.updated', 'one_time_link'],
    ]);
    const byKey = await ok('GET', `/audit?actor=ADMIN_API_KEY&limit=1`);
    expect(byKey.entries[0].actor.signed_in_by).toBe('admin_api_key');
  });

  it('deactivates an account: its sessions end at once and it signs in no more; the last owner stays', async () => {
    const leaver = await person('leaver@example.com', 'Lee Leaver');
    expect((await call('GET', '/auth/me', undefined, leaver.cookie)).statusCode).toBe(200);
    const deactivated = await ok('DELETE', `/accounts/${leaver.id}`);
    expect(deactivated.status).toBe('deactivated');
    expect((await call('GET', '/auth/me', undefined, leaver.cookie)).statusCode).toBe(401);
    expect((await login('leaver@example.com', PASSWORD)).statusCode).toBe(401);
    // Still listed, so the audit log's names stay explained.
    expect((await ok('GET', '/accounts')).map((a: { email: string }) => a.email)).toContain('leaver@example.com');

    const owner = await ok('POST', '/accounts', { email: 'owner@example.com', name: 'Olive Owner', owner: true });
    const refused = await call('DELETE', `/accounts/${owner.account.id}`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().detail).toMatch(/last active owner/);
  });

  it('resets a password with a one-time link that ends the old sessions', async () => {
    const forgetful = await person('forgetful@example.com', 'Fran');
    const link = await ok('POST', `/accounts/${forgetful.id}/password-reset`);
    expect(link.url).toMatch(/\/ui\/reset-password#token=/);
    const reset = await call('POST', '/auth/invitations/accept', {
      token: link.token,
      password: 'a brand new passphrase',
    });
    expect(reset.statusCode, reset.body).toBe(200);
    expect((await call('GET', '/auth/me', undefined, forgetful.cookie)).statusCode).toBe(401);
    expect((await login('forgetful@example.com', PASSWORD)).statusCode).toBe(401);
    expect((await login('forgetful@example.com', 'a brand new passphrase')).statusCode).toBe(200);
  });

  it('refuses bad input with problem details and changes nothing', async () => {
    const before = await query(database(), 'SELECT COUNT(*) AS n FROM accounts');
    for (const [url, body] of [
      ['/accounts', { email: 'not-an-email', name: 'X' }],
      ['/accounts', { email: 'x@example.com' }],
      ['/accounts', { email: 'x@example.com', name: 'X', role: 'god' }],
      ['/auth/invitations/accept', { token: 'short', password: PASSWORD }],
      ['/auth/invitations/accept', { token: 'x'.repeat(43), password: 'too short' }],
    ] as const) {
      const res = await call('POST', url, body);
      expect(res.statusCode, `${url} ${JSON.stringify(body)}`).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect(
      (await call('PUT', '/projects/default/members/00000000-0000-4000-8000-000000000000', { role: 'admin' }))
        .statusCode,
    ).toBe(404);
    expect(
      (await call('PUT', '/projects/default/members/00000000-0000-4000-8000-000000000000', { role: 'boss' }))
        .statusCode,
    ).toBe(400);
    expect(await query(database(), 'SELECT COUNT(*) AS n FROM accounts')).toEqual(before);
  });
});
