import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresAdminUrl } from './helpers.js';
import { root, startCommand } from './support/server-process.js';

/** The service's process, with its output as it comes. */
function launch(env: Record<string, string>) {
  const child = spawn(startCommand[0], startCommand.slice(1), {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const saw = async (text: string) => {
    while (!output.includes(text)) {
      if (child.exitCode !== null) throw new Error(`exited before "${text}":\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, output: () => output, saw };
}

describe('a database that cannot be reached at start', () => {
  it('is retried for DATABASE_START_TIMEOUT_MS, one line per attempt naming DATABASE_URL, then exit 1 without a stack trace', async () => {
    const service = launch({
      DATABASE_URL: 'postgresql://flags:secret@127.0.0.1:1/flags',
      DATABASE_START_TIMEOUT_MS: '1500',
    });
    const [code] = await once(service.child, 'exit');
    expect(code).toBe(1);
    const lines = service.output().trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines)
      expect(line).toMatch(
        /^Cannot open the database at DATABASE_URL=postgresql:\/\/flags:\*\*\*@127\.0\.0\.1:1\/flags: /,
      );
    expect(lines.at(-1)).toMatch(/Gave up after \d+ attempts \(DATABASE_START_TIMEOUT_MS\)\.$/);
    expect(service.output()).not.toContain('secret');
    expect(service.output()).not.toMatch(/^\s+at /m);
  }, 20_000);

  it.skipIf(!postgresAdminUrl)(
    'starts once the database appears, within the time allowed',
    async () => {
      const name = `flags_late_${randomUUID().replaceAll('-', '')}`;
      const url = new URL(postgresAdminUrl!);
      url.pathname = `/${name}`;
      const service = launch({ DATABASE_URL: url.toString(), DATABASE_START_TIMEOUT_MS: '20000' });
      const admin = new pg.Client({ connectionString: postgresAdminUrl });
      await admin.connect();
      try {
        await service.saw('Retrying in');
        await admin.query(`CREATE DATABASE "${name}"`);
        await service.saw('Server listening');
        expect(service.output()).toContain('applied migration');
      } finally {
        service.child.kill('SIGKILL');
        await once(service.child, 'exit');
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.end();
      }
    },
    30_000,
  );
});
