import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layers' direction is an ESLint rule (eslint.config.js) that CI runs; these check that it bites.
const eslint = new ESLint();
const problems = async (file: string, source: string) => {
  const [result] = await eslint.lintText(source, { filePath: file });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').length;
};

describe('percentages become basis points in one module', () => {
  const conversions = async (file: string) => {
    const source =
      "import { percentageToBasisPoints } from '../core/rollout.js';\nexport const bp = percentageToBasisPoints(1);\n";
    const [result] = await eslint.lintText(source, { filePath: file });
    return result.messages.filter((m) => m.ruleId === 'no-restricted-syntax').length;
  };

  it('refuses the conversion anywhere but src/schemas/core-form.ts', async () => {
    expect(await conversions('src/services/flag-commands.ts')).toBe(1);
    expect(await conversions('src/schemas/flags.ts')).toBe(1);
    expect(await conversions('src/schemas/core-form.ts')).toBe(0);
  });
});

describe('configuration writes go through the command pipeline', () => {
  const writerImports = async (file: string) => {
    const source = "import type { ConfigWriter } from './config-writer.js';\nexport type W = ConfigWriter;\n";
    const [result] = await eslint.lintText(source, { filePath: file });
    return result.messages.filter((m) => m.ruleId === 'no-restricted-syntax').length;
  };

  it('refuses the writer anywhere but the pipeline and where it is built', async () => {
    expect(await writerImports('src/services/flag-service.ts')).toBe(1);
    expect(await writerImports('src/services/webhook-commands.ts')).toBe(1);
    expect(await writerImports('src/schemas/core-form.ts')).toBe(1);
    expect(await writerImports('src/services/command-pipeline.ts')).toBe(0);
  });
});

describe('the dependency rule', () => {
  it.each([
    ['src/core/evaluation.ts', "import { openDatabase } from '../db/database.js';"],
    ['src/core/evaluation.ts', "import type { FlagResponse } from '../schemas/flags.js';"],
    ['src/core/rollout.ts', "import { readFileSync } from 'node:fs';"],
    ['src/core/rollout.ts', "import Fastify from 'fastify';"],
    ['src/routes/flags.ts', "import { openDatabase } from '../db/database.js';"],
    ['src/db/prisma-repositories.ts', "import { toFlagResponse } from '../schemas/flags.js';"],
    ['src/services/flag-service.ts', "import { flagRoutes } from '../routes/flags.js';"],
    ['bench/run.ts', "import { backends } from '../test/helpers.js';"],
    ['bench/floor-server.ts', "import { buildApp } from '../dist/app.js';"],
    [
      'packages/openfeature-provider/src/provider.ts',
      "import { FlagService } from '../../../src/services/flag-service.js';",
    ],
    ['packages/openfeature-provider/src/sync.ts', "import { openDatabase } from '../../../src/db/database.js';"],
  ])('refuses %s importing: %s', async (file, source) => {
    expect(await problems(file, `${source}\nexport {};\n`)).toBe(1);
  });

  it.each([
    ['src/core/evaluation.ts', "import { bucketBasisPoints } from './rollout.js';"],
    ['src/services/flag-service.ts', "import type { FlagRepository } from '../db/repositories.js';"],
    ['src/routes/flags.ts', "import { FlagService } from '../services/flag-service.js';"],
    ['bench/floor-server.ts', "import { bucketBasisPoints } from '../src/core/rollout.js';"],
    ['packages/openfeature-provider/src/provider.ts', "import { decide } from '../../../src/core/evaluation.js';"],
    [
      'packages/openfeature-provider/src/sync.ts',
      "import { environmentConfigSchema } from '../../../src/schemas/config.js';",
    ],
  ])('allows %s importing: %s', async (file, source) => {
    expect(await problems(file, `${source}\nexport {};\n`)).toBe(0);
  });
});
