import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from './helpers.js';
import { CHROMIUM, hasChromium } from './support/dashboard-browser.js';
import { type ServerProcess, startServer } from './support/server-process.js';

const SETUP_LINK = /SETUP: create the first owner account at (\S+\/ui\/setup#token=([\w-]+))/;
const OWNER = { email: 'owner@example.com', name: 'Olive Owner', password: 'correct horse battery staple' };

const post = (server: ServerProcess, path: string, body: object, headers: Record<string, string> = {}) =>
  fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

/** Asks until the answer is the expected one: another instance learns of the owner at its next poll. */
async function statusBecomes(read: () => Promise<number>, expected: number): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await read();
    if (status === expected || Date.now() > deadline) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts two instances at once on one database without ADMIN_API_KEY: one setup link between them,
 * printed by the instance that stored it; the first owner made with it ends open access on both.
 */
async function raceForSetup(env: Record<string, string>) {
  const servers = await Promise.all([startServer(env), startServer(env)]);
  const links = servers.map((server) => SETUP_LINK.exec(server.logs()));
  const printed = links.filter((link) => link !== null);
  expect(printed, servers.map((s) => s.logs()).join('\n---\n')).toHaveLength(1);
  const [creator, other] = links[0] ? servers : [servers[1], servers[0]];
  expect(other.logs()).toMatch(/another instance printed the link/);
  return { creator, other, link: printed[0]![1], token: printed[0]![2], servers };
}

describe.each([
  ['sqlite', true],
  ['postgresql', postgresAdminUrl !== undefined],
] as const)('the first owner, on %s', (provider, available) => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it.skipIf(!available)(
    'is set up once with the link one of two instances printed, which ends open access on both',
    async () => {
      let databaseUrl: string;
      if (provider === 'sqlite') {
        const dir = mkdtempSync(join(tmpdir(), 'flags-setup-'));
        cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
        databaseUrl = `file:${join(dir, 'flags.db')}`;
      } else {
        const database: TestDatabase = await createPostgresDatabase();
        cleanup.push(() => database.drop());
        databaseUrl = database.url;
      }
      const { creator, other, link, token, servers } = await raceForSetup({
        DATABASE_URL: databaseUrl,
        SNAPSHOT_POLL_MS: '200',
      });
      cleanup.push(() => servers.forEach((server) => server.process.kill('SIGKILL')));
      expect(link.startsWith(`${creator.baseUrl}/ui/setup#token=`)).toBe(true);

      // Open until then, as the quick start is.
      expect((await fetch(`${other.baseUrl}/flags`)).status).toBe(200);

      // The link's page, in Chromium where it is installed, creates the owner and signs them in.
      let cookie: string;
      if (hasChromium) {
        const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
        cleanup.push(() => browser.close());
        const page = await browser.newPage();
        await page.goto(link.replace(creator.baseUrl, other.baseUrl));
        await page.getByRole('heading', { name: 'Set up the first owner' }).waitFor();
        await page.getByLabel('Email').fill(OWNER.email);
        await page.getByLabel('Name').fill(OWNER.name);
        await page.getByLabel('Password').fill(OWNER.password);
        await page.getByRole('button', { name: 'Create the owner account' }).click();
        await page.getByRole('heading', { name: 'Flags', level: 1 }).waitFor();
        await page.getByText(OWNER.name, { exact: true }).waitFor();
        const [session] = (await page.context().cookies()).filter((c) => c.name === 'ffs_session');
        expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
        cookie = `ffs_session=${session.value}`;
      } else {
        const setUp = await post(other, '/auth/setup', { token, ...OWNER });
        expect(setUp.status, await setUp.clone().text()).toBe(201);
        cookie = setUp.headers.get('set-cookie')!.split(';')[0];
        expect(((await setUp.json()) as { account: { owner: boolean } }).account.owner).toBe(true);
      }
      expect(cookie).toMatch(/^ffs_session=/);

      // Used up, on either instance.
      expect((await post(creator, '/auth/setup', { token, ...OWNER, email: 'second@example.com' })).status).toBe(401);

      // Open access has ended on both: the one that set up at once, the other at its next look.
      expect((await fetch(`${other.baseUrl}/flags`)).status).toBe(401);
      expect(await statusBecomes(async () => (await fetch(`${creator.baseUrl}/flags`)).status, 401)).toBe(401);

      // The session works on both, and signing out ends it on both.
      const me = await fetch(`${creator.baseUrl}/auth/me`, { headers: { cookie } });
      expect(me.status).toBe(200);
      expect(((await me.json()) as { global_permissions: string[] }).global_permissions).toContain('account.manage');
      expect((await post(creator, '/auth/logout', {}, { cookie })).status).toBe(204);
      expect((await fetch(`${other.baseUrl}/auth/me`, { headers: { cookie } })).status).toBe(401);
    },
    90_000,
  );
});
