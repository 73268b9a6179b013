import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../../../test/support/test-app.js';
import { adminCalls } from './admin.js';

const packageDir = new URL('..', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));

/** npm, quietly, from npm's cache where it can (the registry is asked only for what the cache lacks). */
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    encoding: 'utf8',
  });

const ADMIN = 'k'.repeat(40);

describe('the package as it would be published', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provider-package-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const { app, baseUrl } = useTestServer({ env: { ADMIN_API_KEY: ADMIN } });
  const admin = adminCalls(app, ADMIN);

  it("installs from its tarball into an application elsewhere, and runs and type-checks there without the service's sources", async () => {
    const [tarball] = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], packageDir)) as {
      filename: string;
    }[];
    const app = join(dir, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    npm(
      [
        'install',
        join(dir, tarball.filename),
        `@openfeature/server-sdk@${manifest.peerDependencies['@openfeature/server-sdk']}`,
        'typescript@5',
        '@types/node@20',
      ],
      app,
    );
    // The bundle imports only its dependencies: nothing from the repository it was built in.
    const bundle = readFileSync(join(app, 'node_modules', manifest.name, 'dist/index.js'), 'utf8');
    expect(bundle).not.toMatch(/from ["'](\.\.?\/)+src\//);

    writeFileSync(
      join(app, 'main.ts'),
      [
        "import { OpenFeature } from '@openfeature/server-sdk';",
        "import { FeatureFlagsProvider, type SyncStatus } from '@feature-flags-service/openfeature-provider';",
        "const provider = new FeatureFlagsProvider({ url: 'http://127.0.0.1:9', apiKey: 'key' });",
        'const status: SyncStatus = provider.syncStatus;',
        "OpenFeature.setProvider('typed', provider);",
        'console.log(status.connection, provider.metadata.name);',
        'await OpenFeature.close();',
      ].join('\n'),
    );
    execFileSync(
      process.execPath,
      [
        join(app, 'node_modules/typescript/bin/tsc'),
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--target',
        'es2022',
        '--skipLibCheck',
        join(app, 'main.ts'),
      ],
      { cwd: app, encoding: 'utf8' },
    );
    const run = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import('@feature-flags-service/openfeature-provider').then((m) => console.log(typeof m.FeatureFlagsProvider))",
      ],
      { cwd: app, encoding: 'utf8' },
    );
    expect(run.trim()).toBe('function');

    // The README's program, from the package as installed, against a service: it answers and exits.
    const example = join(app, 'node_modules', manifest.name, 'examples/quick-start.mjs');
    expect(readFileSync(join(packageDir, 'README.md'), 'utf8')).toContain(readFileSync(example, 'utf8'));
    await admin('POST', '/flags', { flag_name: 'new_checkout', status: true });
    const { secret } = await admin('POST', '/api-keys', { name: 'my-app', scope: 'server' });
    const printed = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [example],
        { cwd: app, env: { ...process.env, FLAGS_URL: baseUrl(), FLAGS_KEY: secret }, timeout: 30_000 },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
    expect(printed).toBe('new_checkout for user-42: true\n');
  }, 120_000);
});
