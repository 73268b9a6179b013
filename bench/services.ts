/** The services the benchmark measures, and the data it loads into them before it does. */
import Database from 'better-sqlite3';
import pg from 'pg';
import { authorization, BENCH_KEY, type Server, sleep, start } from './load.js';

export const SERVICE_ENV = {
  LOG_LEVEL: 'warn',
  ADMIN_API_KEY: BENCH_KEY,
  RATE_LIMIT_EVALUATIONS: '1000000000',
  RATE_LIMIT_WRITES: '1000000',
};

export const startService = (databaseUrl: string, env: Record<string, string> = {}) =>
  // Request logging off (LOG_LEVEL=warn), as in the floor; errors are still logged.
  start(['node', 'dist/server.js'], { ...SERVICE_ENV, ...env, DATABASE_URL: databaseUrl });
// For comparison: what API keys and rate limits cost, measured as the quick start runs (open, unlimited).
export const OPEN_ENV = { ADMIN_API_KEY: '', RATE_LIMIT_EVALUATIONS: '0', RATE_LIMIT_WRITES: '0' };
// The reference servers run from src/ through tsx, the service from the build that main() makes first.
export const tsx = (file: string) => ['node', '--import', 'tsx', file];

export async function seed(server: Server, count: number) {
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${server.baseUrl}/flags`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authorization },
      body: JSON.stringify({ flag_name: `flag_${i}`, status: true, rollout_percentage: (i % 100) + 0.5 }),
    });
    if (res.status !== 201) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
  }
}

/** The environments every project has in the benchmark: 10 projects × these 3 × 1,000 flags stay loaded. */
export const BENCH_ENVIRONMENTS = ['development', 'staging', 'production'];
const BACKGROUND_PROJECTS = 9;

/**
 * SQL that adds what the measured rows evaluate beside: "staging" in project default, and 9 more
 * projects with 3 environments and `flags` flags each, on in every environment. Run before a service
 * starts, it loads them like any other writer's rows.
 */
function backgroundSql(provider: 'sqlite' | 'postgresql', flags: number): string[] {
  const now = provider === 'sqlite' ? "strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')" : 'now()';
  const series = (n: number, from = 0) =>
    provider === 'sqlite'
      ? `(WITH RECURSIVE s(g) AS (SELECT ${from} UNION ALL SELECT g + 1 FROM s WHERE g < ${n}) SELECT g FROM s)`
      : `(SELECT g FROM generate_series(${from}, ${n}) g)`;
  const environments = BENCH_ENVIRONMENTS.map((key, i) => `SELECT '${key}' AS key, ${i} AS position`).join(
    ' UNION ALL ',
  );
  return [
    `INSERT INTO environments (project_id, environment_key, name, position, created_at, updated_at) ` +
      `SELECT 1, 'staging', 'Staging', 2, ${now}, ${now}`,
    `INSERT INTO projects (project_key, name, created_at, updated_at) ` +
      `SELECT 'bench_' || g, 'Bench ' || g, ${now}, ${now} FROM ${series(BACKGROUND_PROJECTS, 1)} AS s`,
    `INSERT INTO environments (project_id, environment_key, name, position, created_at, updated_at) ` +
      `SELECT p.id, e.key, e.key, e.position, ${now}, ${now} FROM projects p CROSS JOIN (${environments}) e ` +
      `WHERE p.project_key LIKE 'bench_%'`,
    `INSERT INTO flags (project_id, flag_name, description, kind, created_at, updated_at) ` +
      `SELECT p.id, 'flag_' || s.g, 'Benchmark flag number ' || s.g, 'release', ${now}, ${now} ` +
      `FROM projects p CROSS JOIN ${series(flags - 1)} AS s WHERE p.project_key LIKE 'bench_%'`,
    `INSERT INTO flag_configs (flag_id, environment_id, status, rollout_bp, updated_at) ` +
      `SELECT f.id, e.id, true, 5000, ${now} FROM flags f JOIN environments e ON e.project_id = f.project_id ` +
      `JOIN projects p ON p.id = f.project_id WHERE p.project_key LIKE 'bench_%'`,
  ];
}

export async function loadBackground(databaseUrl: string, flags = 1000): Promise<void> {
  if (databaseUrl.startsWith('file:')) {
    // Migrated first, as the service would, so the tables exist.
    const { migrate } = await import('../src/db/migrate.js');
    await migrate('sqlite', databaseUrl);
    const db = new Database(databaseUrl.slice('file:'.length));
    db.transaction(() => {
      for (const sql of backgroundSql('sqlite', flags)) db.exec(sql);
    })();
    db.close();
    return;
  }
  const { migrate } = await import('../src/db/migrate.js');
  await migrate('postgresql', databaseUrl);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const sql of backgroundSql('postgresql', flags)) await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Many flags at once in project default, every environment's settings with them, straight into the
 * SQLite file; the running service picks them up like any other writer's.
 */
export async function seedSqliteDirectly(server: Server, file: string, count: number) {
  const db = new Database(file);
  const now = new Date().toISOString();
  const insertFlag = db.prepare(
    'INSERT INTO flags (project_id, flag_name, description, kind, created_at, updated_at) ' +
      "VALUES (1, ?, ?, 'release', ?, ?)",
  );
  const insertConfig = db.prepare(
    'INSERT INTO flag_configs (flag_id, environment_id, status, rollout_bp, updated_at) ' +
      'SELECT ?, id, 1, ?, ? FROM environments WHERE project_id = 1',
  );
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const { lastInsertRowid } = insertFlag.run(`flag_${i}`, `Benchmark flag number ${i}`, now, now);
      insertConfig.run(lastInsertRowid, ((i % 100) + 0.5) * 100, now);
    }
  })();
  db.close();
  // The snapshot swaps in whole, so the last flag there means all are; asking for one flag, rather
  // than all of them back, leaves no 10,000-flag answers in the heap the memory row measures.
  for (let i = 0; i < 100; i++) {
    if ((await fetch(`${server.baseUrl}/flags/flag_${count - 1}`, { headers: authorization })).status === 200) return;
    await sleep(100);
  }
  throw new Error('the service did not load the seeded flags');
}
