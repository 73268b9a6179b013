// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** The layers' direction (docs/architecture.md): each folder lists what it must not import. */
const layer = (files, patterns) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});
const forbid = (group, message) => ({ group, message });

// Percentages become basis points in one module, and configuration writes go through one pipeline
// (docs/architecture.md): each rule exempts only the module that owns what it guards.
const percentages = {
  selector: "ImportSpecifier[imported.name='percentageToBasisPoints']",
  message: 'Percentages become basis points only in src/schemas/core-form.ts: decode with its schemas.',
};
const writes = {
  selector: 'ImportDeclaration[source.value=/config-writer\\.js$/]',
  message: 'Configuration changes are commands: run them with the pipeline (services/commands.ts), never the writer.',
};
const PERCENTAGES_HOME = 'src/schemas/core-form.ts';
const WRITES_HOME = ['src/services/command-pipeline.ts', 'src/services/commands.ts', 'src/app.ts'];
const oneWayRules = () => [
  {
    files: ['src/**', 'packages/*/src/**'],
    ignores: [PERCENTAGES_HOME, ...WRITES_HOME],
    rules: { 'no-restricted-syntax': ['error', percentages, writes] },
  },
  { files: WRITES_HOME, rules: { 'no-restricted-syntax': ['error', percentages] } },
  { files: [PERCENTAGES_HOME], rules: { 'no-restricted-syntax': ['error', writes] } },
];

export default tseslint.config(
  { ignores: ['dist/', '**/dist/', 'coverage/', 'src/db/generated/', 'node_modules/', 'runtime/', 'test-output/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly', setTimeout: 'readonly' } },
    rules: {
      // Formatting is Prettier's; this only catches what it cannot wrap (comments, long strings).
      'max-len': ['error', { code: 120, ignoreUrls: true, ignoreRegExpLiterals: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // Test titles read as sentences, and SQL or wrk output in template literals as they run.
    files: ['test/**', 'bench/**', 'packages/*/test/**'],
    rules: {
      'max-len': [
        'error',
        {
          code: 120,
          ignoreUrls: true,
          ignoreTemplateLiterals: true,
          ignorePattern: '^\\s*(it|test|describe)(\\.\\w+)*\\(',
        },
      ],
    },
  },
  layer(
    ['src/core/**'],
    [
      {
        regex: '^(?!\\./|semver$|re2js$|@stdlib/stats-base-dists-)',
        message:
          'src/core is pure: it imports only itself (and semver, re2js, @stdlib distributions), never I/O, db, ' +
          'schemas, services or routes.',
      },
    ],
  ),
  layer(
    ['src/db/**'],
    [forbid(['../routes/*', '../services/*', '../schemas/*', '../plugins/*'], 'db sits below services.')],
  ),
  layer(
    ['src/schemas/**'],
    [forbid(['../db/*', '../services/*', '../routes/*', '../plugins/*'], 'schemas describe HTTP.')],
  ),
  layer(
    ['src/services/**'],
    [forbid(['../routes/*', '../plugins/*', '../schemas/*'], 'services know nothing of HTTP.')],
  ),
  layer(['src/routes/**'], [forbid(['../db/*'], 'routes go through services, never to db.')]),
  layer(
    ['web/src/**'],
    [
      {
        regex: '(^|/)src/(core|db|services|routes|schemas|plugins)/',
        message: 'The dashboard talks only to the public REST API: it imports nothing of the server.',
      },
    ],
  ),
  layer(
    ['packages/openfeature-provider/src/**'],
    [
      {
        regex: '(^|/)src/(db|services|routes|plugins)/',
        message:
          'The provider runs in applications: it builds on the pure core and the config schema, never on the ' +
          "service's I/O.",
      },
    ],
  ),
  ...oneWayRules(),
  layer(
    ['bench/**'],
    [forbid(['../test/*', '../dist/*'], 'bench builds on src/ itself, not on tests or build output.')],
  ),
);
