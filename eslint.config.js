// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// Percentages become basis points in one module, and configuration writes go through one pipeline
// (docs/architecture.md): each rule exempts only the module that owns what it guards. The layers'
// direction and the absence of import cycles are dependency-cruiser's (.dependency-cruiser.mjs).
const percentages = {
  selector: "ImportSpecifier[imported.name='percentageToBasisPoints']",
  message: 'Percentages become basis points only in src/http/core-form.ts: decode with its schemas.',
};
const writes = {
  selector: 'ImportDeclaration[source.value=/config-writer\\.js$/]',
  message:
    'Configuration changes are commands: run them with the pipeline (areas/commands/command-handlers.ts), ' +
    'never the writer.',
};
const PERCENTAGES_HOME = 'src/http/core-form.ts';
const WRITES_HOME = ['src/areas/commands/command-pipeline.ts', 'src/areas/commands/command-handlers.ts', 'src/app.ts'];
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
  {
    ignores: [
      'dist/',
      '**/dist/',
      'coverage/',
      'src/db/generated/',
      'web/src/generated/',
      'node_modules/',
      'runtime/',
      'test-output/',
    ],
  },
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
  ...oneWayRules(),
);
