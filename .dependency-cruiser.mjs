// The house's rules (docs/architecture.md): no import cycles, type-only imports included, and each
// layer imports only the layers below it. Every file under src/ belongs to exactly one layer; an
// import that no `allowed` rule covers is refused, so a new folder must be given a place here.
const of = (...layers) => `(${layers.join('|')})`;
const CORE = '^src/core/';
const SUPPORT = '^src/(support/|errors\\.ts$)';
const SETTINGS = '^src/config\\.ts$';
const HTTP = '^src/http/';
const SCHEMAS = '^src/areas/[^/]+/[^/]+-schemas\\.ts$';
const ROUTES = '^src/areas/[^/]+/[^/]+-routes\\.ts$';
/** The database's infrastructure, and each area's own store built on its client. */
const DB = '^src/db/';
const AREA_STORES = '^src/areas/[^/]+/[^/]+-store\\.ts$';
const STORES = of(DB, AREA_STORES);
const SERVICES = '^src/areas/[^/]+/(?![^/]+-(routes|schemas|store|plugin)\\.ts$)[^/]+\\.ts$';
/** Each area's plugin: builds its services from what the app is decorated with, and registers its routes. */
const AREA_PLUGINS = '^src/areas/[^/]+/[^/]+-plugin\\.ts$';
const READ_MODEL = '^src/read-model/';
const WORKERS = '^src/workers/';
const PLUGINS = '^src/plugins/';
const ROOT = '^src/(app|server)\\.ts$';
// Libraries: installed packages and Node's own modules.
const LIBRARIES = '^(?!(src|test|bench|web|packages|dist)/)';

/** What each layer may import besides libraries. */
const LAYERS = [
  ['core', CORE, [CORE]],
  ['support', SUPPORT, [CORE, SUPPORT]],
  ['settings', SETTINGS, [CORE, SUPPORT]],
  ['db', DB, [CORE, SUPPORT, SETTINGS, DB]],
  ['area stores', AREA_STORES, [CORE, SUPPORT, SETTINGS, DB, AREA_STORES]],
  ['read model', READ_MODEL, [CORE, SUPPORT, SETTINGS, STORES, READ_MODEL]],
  ['services', SERVICES, [CORE, SUPPORT, SETTINGS, STORES, READ_MODEL, SERVICES]],
  ['workers', WORKERS, [CORE, SUPPORT, SETTINGS, STORES, READ_MODEL, WORKERS, SERVICES]],
  ['http', HTTP, [CORE, SUPPORT, HTTP]],
  ['schemas', SCHEMAS, [CORE, SUPPORT, HTTP, SCHEMAS]],
  ['routes', ROUTES, [CORE, SUPPORT, SETTINGS, HTTP, SCHEMAS, SERVICES, READ_MODEL, ROUTES]],
  ['plugins', PLUGINS, [CORE, SUPPORT, SETTINGS, HTTP, SCHEMAS, SERVICES, READ_MODEL, WORKERS, PLUGINS]],
  [
    'area plugins',
    AREA_PLUGINS,
    [CORE, SUPPORT, SETTINGS, HTTP, SCHEMAS, ROUTES, SERVICES, STORES, READ_MODEL, AREA_PLUGINS],
  ],
  ['app', ROOT, ['^src/']],
];

export default {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'Files that import each other, types included: one of them holds what both need.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'dashboard-is-a-client',
      severity: 'error',
      comment: 'The dashboard talks only to the public REST API: it imports nothing of the server.',
      from: { path: '^web/src/' },
      to: { path: '^(src|packages)/' },
    },
    {
      name: 'provider-runs-in-applications',
      severity: 'error',
      comment: "The provider builds on the pure core and the schemas, never on the service's I/O.",
      from: { path: '^packages/[^/]+/src/' },
      to: { path: '^src/', pathNot: of(CORE, HTTP, SCHEMAS) },
    },
    {
      name: 'bench-builds-on-src',
      severity: 'error',
      comment: 'bench builds on src/ itself, not on tests or build output.',
      from: { path: '^bench/' },
      to: { path: '^(test|dist)/' },
    },
  ],
  allowed: [
    ...LAYERS.map(([name, layer, below]) => ({
      comment: `${name} imports ${below.length} layer(s)`,
      from: { path: layer },
      to: { path: `${of(...below)}|${LIBRARIES}` },
    })),
    { comment: 'outside src/, the forbidden rules above apply', from: { pathNot: '^src/' }, to: {} },
  ],
  allowedSeverity: 'error',
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: '(^|/)(node_modules|dist)/' },
    exclude: { path: '(^|/)node_modules/|^src/db/generated/' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] },
  },
};
