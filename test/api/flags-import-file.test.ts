import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { backends, buildTestApp, query, type TestDatabase } from '../helpers.js';
import { root, startCommand } from '../support/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'flags-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const document = {
  version: 1,
  project: { key: 'payments', name: 'Payments', description: 'Imported at start' },
  environments: [
    { key: 'test', name: 'Test' },
    { key: 'live', name: 'Live' },
  ],
  segments: [{ name: 'staff', user_ids: ['ada'] }],
  flags: [
    {
      flag_name: 'instant_payouts',
      kind: 'release',
      tags: ['team:payments'],
      environments: {
        test: { status: true, rollout_percentage: 100 },
        live: { status: true, rollout_percentage: 0, rules: [{ segment: 'staff', rollout_percentage: 100 }] },
      },
    },
  ],
};

describe.each(backends)('FLAGS_IMPORT_FILE on $name', (backend) => {
  let database: TestDatabase;
  afterAll(async () => database?.drop());

  it.skipIf(!backend.available)(
    'brings a fresh instance up with the document’s project and flags, and a restart changes nothing',
    async () => {
      database = await backend.create();
      const file = join(dir, `flags-${backend.name}.yaml`);
      writeFileSync(file, toYaml(document));
      const first = await buildTestApp(database, { FLAGS_IMPORT_FILE: file });
      const evaluate = async (app: typeof first, environment: string, user: string) =>
        (
          await app.inject({
            method: 'GET',
            url: `/projects/payments/environments/${environment}/users/${user}/flags/instant_payouts`,
          })
        ).json().enabled;
      expect((await first.inject({ method: 'GET', url: '/projects/payments' })).json()).toMatchObject({
        description: 'Imported at start',
        environments: [{ key: 'test' }, { key: 'live' }],
      });
      expect([await evaluate(first, 'test', 'bob'), await evaluate(first, 'live', 'bob')]).toEqual([true, false]);
      expect(await evaluate(first, 'live', 'ada')).toBe(true);
      await first.close();

      const audited = async () => Number((await query(database, 'SELECT COUNT(*) AS n FROM audit_log'))[0].n);
      const before = await audited();
      const again = await buildTestApp(database, { FLAGS_IMPORT_FILE: file });
      expect(await evaluate(again, 'live', 'ada')).toBe(true);
      expect(await audited()).toBe(before);
      await again.close();
    },
  );

  it.skipIf(!backend.available)('refuses to start on a file that is not a flags document, saying why', async () => {
    const broken = join(dir, `broken-${backend.name}.json`);
    writeFileSync(broken, JSON.stringify({ version: 1, flags: [{ flag_name: 'x', kind: 'forever' }] }));
    await expect(buildTestApp(database, { FLAGS_IMPORT_FILE: broken })).rejects.toThrow(ConfigError);
    await expect(buildTestApp(database, { FLAGS_IMPORT_FILE: broken })).rejects.toThrow(/flags\/0\/kind/);
    await expect(buildTestApp(database, { FLAGS_IMPORT_FILE: join(dir, 'missing.yaml') })).rejects.toThrow(
      /cannot read/,
    );
  });
});

describe('FLAGS_IMPORT_FILE in the real server process', () => {
  it('stops the start with one line naming the problem, no stack trace', async () => {
    const broken = join(dir, 'not-a-document.yaml');
    writeFileSync(broken, 'flags: [unclosed');
    const child = spawn(startCommand[0], startCommand.slice(1), {
      cwd: root,
      env: { ...process.env, PORT: '0', DATABASE_URL: `file:${join(dir, 'process.db')}`, FLAGS_IMPORT_FILE: broken },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr!.on('data', (chunk) => (output += chunk));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output).toMatch(/^FLAGS_IMPORT_FILE: .*not-a-document\.yaml is neither JSON nor YAML/);
    expect(output).not.toMatch(/^\s+at /m);
  }, 20_000);
});
