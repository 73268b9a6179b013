import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { cruise, type IConfiguration } from 'dependency-cruiser';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';

// CI runs both rule sets over the whole tree (npm run lint); these check that they bite.
const eslint = new ESLint();
const rulesFile = new URL('../.dependency-cruiser.mjs', import.meta.url).href;
const rules = ((await import(rulesFile)) as { default: Required<IConfiguration> }).default;

describe('percentages become basis points in one module', () => {
  const conversions = async (file: string) => {
    const source =
      "import { percentageToBasisPoints } from '../core/rollout.js';\nexport const bp = percentageToBasisPoints(1);\n";
    const [result] = await eslint.lintText(source, { filePath: file });
    return result.messages.filter((m) => m.ruleId === 'no-restricted-syntax').length;
  };

  it('refuses the conversion anywhere but src/http/core-form.ts', async () => {
    expect(await conversions('src/areas/flags/flag-commands.ts')).toBe(1);
    expect(await conversions('src/areas/flags/flag-schemas.ts')).toBe(1);
    expect(await conversions('src/http/core-form.ts')).toBe(0);
  });
});

describe('configuration writes go through the command pipeline', () => {
  const writerImports = async (file: string) => {
    const source = "import type { ConfigWriter } from './config-writer.js';\nexport type W = ConfigWriter;\n";
    const [result] = await eslint.lintText(source, { filePath: file });
    return result.messages.filter((m) => m.ruleId === 'no-restricted-syntax').length;
  };

  it('refuses the writer anywhere but the pipeline and where it is built', async () => {
    expect(await writerImports('src/areas/flags/flag-service.ts')).toBe(1);
    expect(await writerImports('src/areas/webhooks/webhook-commands.ts')).toBe(1);
    expect(await writerImports('src/http/core-form.ts')).toBe(1);
    expect(await writerImports('src/areas/commands/command-pipeline.ts')).toBe(0);
  });
});

/**
 * dependency-cruiser over a small tree written for each case: `importer` imports `imported` (type-only
 * when asked, which the rules must see too). Returns the names of the rules it breaks.
 */
const scratch = mkdtempSync(join(tmpdir(), 'layers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let trees = 0;
async function brokenRules(importer: string, imported: string, typeOnly = false): Promise<string[]> {
  const base = join(scratch, String(trees++));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(base, path)), { recursive: true });
    writeFileSync(join(base, path), text);
  };
  let specifier = relative(dirname(importer), imported).replace(/\.tsx?$/, '.js');
  if (!specifier.startsWith('.')) specifier = `./${specifier}`;
  write(imported, 'export const value = 1;\n');
  write(
    importer,
    typeOnly
      ? `import type { value } from '${specifier}';\nexport type Value = typeof value;\n`
      : `import { value } from '${specifier}';\nexport const copy = value;\n`,
  );
  // The repository's tsconfig names its own files; the scratch tree needs none.
  const { tsConfig: _tsConfig, ...options } = rules.options;
  const result = await cruise([importer.split('/')[0]], {
    ...options,
    baseDir: base,
    validate: true,
    ruleSet: { forbidden: rules.forbidden, allowed: rules.allowed, allowedSeverity: rules.allowedSeverity },
  });
  const output = result.output as { summary: { violations: { rule: { name: string } }[] } };
  return output.summary.violations.map((v) => v.rule.name);
}

describe('the dependency rule (dependency-cruiser)', () => {
  it.each([
    ['src/core/evaluation.ts', 'src/db/database.ts'],
    ['src/core/evaluation.ts', 'src/areas/flags/flag-schemas.ts'],
    ['src/core/evaluation.ts', 'src/support/clock.ts'],
    ['src/areas/flags/flag-routes.ts', 'src/db/database.ts'],
    ['src/areas/flags/flag-routes.ts', 'src/areas/flags/evaluation-time-store.ts'],
    ['src/db/config-write.ts', 'src/areas/flags/flag-schemas.ts'],
    ['src/db/config-write.ts', 'src/areas/flags/flag-service.ts'],
    ['src/areas/flags/flag-service.ts', 'src/areas/flags/flag-routes.ts'],
    ['src/areas/flags/flag-service.ts', 'src/areas/segments/segment-schemas.ts'],
    ['src/areas/flags/flag-service.ts', 'src/plugins/access-control.ts'],
    ['src/areas/flags/flag-service.ts', 'src/workers/flag-usage.ts'],
    ['src/areas/flags/flag-routes.ts', 'src/plugins/metrics.ts'],
    ['src/db/database.ts', 'src/areas/webhooks/webhook-store.ts'],
    ['src/areas/flags/flag-schemas.ts', 'src/areas/flags/flag-checks.ts'],
    ['src/http/core-form.ts', 'src/areas/flags/flag-schemas.ts'],
    ['src/read-model/config-snapshot.ts', 'src/areas/flags/flag-service.ts'],
    ['src/read-model/config-snapshot.ts', 'src/workers/flag-usage.ts'],
    ['src/workers/webhook-delivery.ts', 'src/plugins/metrics.ts'],
    ['src/plugins/metrics.ts', 'src/db/database.ts'],
    ['src/plugins/metrics.ts', 'src/areas/flags/flag-routes.ts'],
    ['src/support/clock.ts', 'src/read-model/config-snapshot.ts'],
    ['bench/run.ts', 'test/helpers.ts'],
    ['bench/floor-server.ts', 'dist/app.js'],
    ['web/src/api.ts', 'src/core/flags.ts'],
    ['packages/openfeature-provider/src/provider.ts', 'src/areas/flags/flag-service.ts'],
    ['packages/openfeature-provider/src/sync.ts', 'src/db/database.ts'],
  ])('refuses %s importing %s', async (importer, imported) => {
    expect(await brokenRules(importer, imported)).toHaveLength(1);
  });

  it('sees type-only imports too', async () => {
    expect(await brokenRules('src/core/evaluation.ts', 'src/db/database.ts', true)).toEqual(['not-in-allowed']);
  });

  it.each([
    ['src/core/evaluation.ts', 'src/core/rollout.ts'],
    ['src/areas/flags/flag-service.ts', 'src/areas/flags/evaluation-time-store.ts'],
    ['src/areas/flags/flag-service.ts', 'src/read-model/config-snapshot.ts'],
    ['src/areas/flags/flag-routes.ts', 'src/areas/flags/flag-service.ts'],
    ['src/areas/flags/flag-routes.ts', 'src/http/pages.ts'],
    ['src/areas/flags/flag-routes.ts', 'src/http/etag.ts'],
    ['src/areas/flags/flags-plugin.ts', 'src/areas/flags/flag-routes.ts'],
    ['src/workers/flag-usage.ts', 'src/areas/flags/evaluation-time-store.ts'],
    ['src/areas/flags/flag-schemas.ts', 'src/http/core-form.ts'],
    ['src/areas/webhooks/webhook-store.ts', 'src/db/prisma-tables.ts'],
    ['src/workers/webhook-delivery.ts', 'src/areas/webhooks/webhook-store.ts'],
    ['src/plugins/access-control.ts', 'src/areas/api-keys/auth-service.ts'],
    ['src/app.ts', 'src/plugins/metrics.ts'],
    ['bench/floor-server.ts', 'src/core/rollout.ts'],
    ['packages/openfeature-provider/src/provider.ts', 'src/core/evaluation.ts'],
    ['packages/openfeature-provider/src/sync.ts', 'src/areas/evaluation/sync-schemas.ts'],
  ])('allows %s importing %s', async (importer, imported) => {
    expect(await brokenRules(importer, imported)).toEqual([]);
  });

  it('refuses a cycle, type-only imports included', async () => {
    const base = join(scratch, 'cycle');
    mkdirSync(join(base, 'src/core'), { recursive: true });
    writeFileSync(join(base, 'src/core/a.ts'), "import type { B } from './b.js';\nexport type A = B[];\n");
    writeFileSync(join(base, 'src/core/b.ts'), "import type { A } from './a.js';\nexport type B = A | 1;\n");
    const { tsConfig: _tsConfig, ...options } = rules.options;
    const result = await cruise(['src'], { ...options, baseDir: base, validate: true, ruleSet: rules });
    const output = result.output as { summary: { violations: { rule: { name: string } }[] } };
    expect(output.summary.violations.map((v) => v.rule.name)).toContain('no-cycle');
  });

  it('gives every file under src/ a layer, so a new folder cannot slip past the rules', () => {
    const layers = (rules.allowed ?? [])
      .map((rule) => rule.from.path)
      .filter((path): path is string => typeof path === 'string')
      .map((path) => new RegExp(path));
    const files = (readdirSync('src', { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts') && !file.startsWith('db/generated'))
      .map((file) => `src/${file}`);
    expect(files.length).toBeGreaterThan(100);
    const homeless = files.filter((file) => layers.filter((layer) => layer.test(file)).length !== 1);
    expect(homeless).toEqual([]);
  });
});
