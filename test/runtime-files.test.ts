import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './helpers.js';
import { root, type ServerProcess, startCommand, startServer } from './support/server-process.js';

// The Docker image's runtime stage holds only what `npm run build:runtime` copies (see the
// Dockerfile): the service must start and answer from that folder alone, on either database.
const dir = mkdtempSync(join(tmpdir(), 'flags-runtime-'));
const runtime = join(dir, 'app');

beforeAll(() => {
  execFileSync('npm', ['run', 'build:runtime', '--silent', '--', runtime], { cwd: root, stdio: 'ignore' });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(backends)('the runtime folder alone, on $name', (backend) => {
  let server: ServerProcess | undefined;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (!backend.available) return;
    const database = await backend.create();
    drop = database.drop;
    server = await startServer({ DATABASE_URL: database.url }, { command: startCommand, cwd: runtime });
  }, 60_000);
  afterAll(async () => {
    server?.process.kill('SIGKILL');
    await drop?.();
  });

  it.skipIf(!backend.available)(
    'migrates, serves the API, the docs, the dashboard and their assets, and reports healthy',
    async () => {
      const url = (path: string) => `${server!.baseUrl}${path}`;
      expect((await fetch(url('/health'))).status).toBe(200);
      const created = await fetch(url('/flags'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ flag_name: 'from_runtime', status: true }),
      });
      expect(created.status).toBe(201);
      expect(await (await fetch(url('/users/u1/flags/from_runtime'))).json()).toMatchObject({ enabled: true });
      for (const path of ['/docs/', '/docs/static/swagger-ui-bundle.js', '/docs/json', '/redoc/redoc.standalone.js']) {
        expect((await fetch(url(path))).status, path).toBe(200);
      }
      const dashboard = await (await fetch(url('/ui/'))).text();
      const script = dashboard.match(/src="(\/ui\/assets\/[^"]+\.js)"/)?.[1];
      expect(script).toBeDefined();
      expect((await fetch(url(script!))).status).toBe(200);
      expect(server!.logs()).toContain('applied migration');
    },
  );
});

it('holds far less than the installed node_modules: no compiler, no Prisma CLI, no dev dependencies', () => {
  const megabytes = (path: string) => Number(execFileSync('du', ['-sm', path], { encoding: 'utf8' }).split('\t')[0]);
  for (const tool of ['typescript', 'prisma', 'vitest', '@prisma/studio-core', 'tsx']) {
    expect(existsSync(join(runtime, 'node_modules', tool)), tool).toBe(false);
  }
  expect(megabytes(runtime)).toBeLessThan(60);
});
