import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const packageDir = new URL('..', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));

/** npm, quietly, from npm's cache where it can (the registry is asked only for what the cache lacks). */
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    encoding: 'utf8',
  });

describe('the package as it would be published', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provider-package-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("installs from its tarball into an application elsewhere, and runs and type-checks there without the service's sources", () => {
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
  }, 120_000);
});
