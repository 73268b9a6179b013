/**
 * npm run bench — evaluation throughput and latency against the floor (the bare route plus Fastify's
 * stock logger and the service's response headers), measured in the same run on this machine, with
 * the bare route as a reference row. See docs/performance.md for the method and the targets.
 *
 * BENCH_POSTGRES_URL=postgresql://…/postgres adds the PostgreSQL service and the cross-instance
 * propagation measurement (a database is created and dropped for the run).
 */
import { type ChildProcess, execFile, execFileSync } from 'node:child_process';
import { hash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { decide } from '../src/core/evaluation.js';
import {
  authorization,
  BENCH_KEY,
  CONNECTIONS,
  DURATION_S,
  has,
  HEAD_TO_HEAD_ROUNDS,
  type HeadToHead,
  headToHead,
  load,
  loadInTurn,
  type LoadResult,
  median,
  pin,
  root,
  RUNS,
  type Server,
  sleep,
  type Spread,
  start,
  stop,
  summarise,
  WARM_UP_S,
  wrk,
} from './load.js';
import { createBenchDatabase } from './postgres.js';
import { loadBackground, OPEN_ENV, seed, seedSqliteDirectly, SERVICE_ENV, startService, tsx } from './services.js';
import { plainFlag } from './reference-answer.js';
import { bucketBasisPoints } from '../src/core/rollout.js';

const postgresUrl = process.env.BENCH_POSTGRES_URL;

const execFileAsync = promisify(execFile);

if (!has('wrk')) {
  console.error(
    'wrk is not installed (apt-get install wrk). autocannon is no substitute here: it needs as much CPU as the ' +
      'server it loads.',
  );
  process.exit(1);
}

// For comparison: the same route in bare Fastify with the service's options, and nothing else.
const ROUTE_ALONE = 'route alone (bench/route-server.ts)';

/**
 * The library policy's rows: each library the service replaced by hand against the replacement,
 * head to head (bench/library-on-floor.ts). In-turn ratios of 5 s runs swing by far more than the
 * policy's 3% on these machines; head to head they agree within about 2% from round to round.
 */
const LIBRARY_PAIRS: [library: string, replacement: string | undefined][] = [
  ['@fastify/helmet', undefined],
  ['@fastify/cors', undefined],
  ['prom-client histogram', 'own request metrics'],
];

async function librariesHeadToHead(path: string) {
  const floorWith = (plus: string | undefined) =>
    start(tsx('bench/floor-server.ts'), { LOG_LEVEL: 'warn', ...(plus !== undefined && { FLOOR_PLUS: plus }) });
  const rows: { library: string; replacement: string; head_to_head: HeadToHead }[] = [];
  for (const [library, replacement] of LIBRARY_PAIRS) {
    const [own, theirs] = [await floorWith(replacement), await floorWith(library)];
    const ownName = replacement === undefined ? 'the floor' : `floor + ${replacement}`;
    try {
      rows.push({
        library,
        replacement: replacement ?? 'the floor as it is',
        head_to_head: await headToHead([ownName, own], [`floor + ${library}`, theirs], path),
      });
    } finally {
      await stop(own);
      await stop(theirs);
    }
  }
  return rows;
}

/**
 * One server against another head to head, then the other way round: the geometric mean of the two
 * medians cancels what favours whichever runs first.
 */
async function bothWays(reference: [string, Server], other: [string, Server], path: string): Promise<number> {
  const forward = await headToHead(reference, other, path);
  const backward = await headToHead(other, reference, path);
  return Math.sqrt(forward.ratio.median / backward.ratio.median);
}

/**
 * What sampling recent users for the impact preview costs single-flag evaluation: the service as it
 * runs against the same service with IMPACT_SAMPLE_USERS=0, head to head, wrk sending a new user with
 * every request. Measured both ways round (geometric mean): a pair of identical services measured
 * 0.97–1.03 × head to head one way round, as wide as what is measured here.
 */
async function impactSampleCost(dir: string, path: string): Promise<number> {
  const without = await startService(`file:${join(dir, 'impact-off.db')}`, { IMPACT_SAMPLE_USERS: '0' });
  const withSample = await startService(`file:${join(dir, 'impact-on.db')}`);
  try {
    await seed(without, 100);
    await seed(withSample, 100);
    return await bothWays(['without the sample', without], ['with the sample', withSample], path);
  } finally {
    await stop(without);
    await stop(withSample);
  }
}

/**
 * Single-flag evaluation with an API key on a service that also holds 1,000 people (accounts, their
 * sessions, roles and personal tokens) against one that holds none: people's credentials never reach
 * the evaluation path, so the ratio should be 1. Forward and backward, as the impact sample's.
 */
async function peopleCost(dir: string, path: string): Promise<number> {
  const without = await startService(`file:${join(dir, 'people-off.db')}`);
  const withPeople = await startService(`file:${join(dir, 'people-on.db')}`);
  try {
    const db = new Database(join(dir, 'people-on.db'));
    const now = new Date().toISOString();
    const later = new Date(Date.now() + 86_400_000).toISOString();
    db.transaction(() => {
      for (let i = 0; i < 1000; i++) {
        const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
        db.prepare(
          `INSERT INTO accounts (id, email, email_key, name, owner, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        ).run(id, `person${i}@example.com`, `person${i}@example.com`, `Person ${i}`, i === 0 ? 1 : 0, 'x', now);
        db.prepare(
          `INSERT INTO sessions (id, token_hash, account_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
        ).run(id, hash('sha256', `session ${i}`, 'hex'), id, now, now, later);
        db.prepare(
          `INSERT INTO project_members (account_id, project_id, role, created_at) VALUES (?, 1, 'editor', ?)`,
        ).run(id, now);
        db.prepare(
          `INSERT INTO personal_tokens (id, account_id, name, prefix, token_hash, created_at) VALUES (?, ?, 'ci', 'ffp_x', ?, ?)`,
        ).run(id, id, hash('sha256', `token ${i}`, 'hex'), now);
      }
    })();
    db.close();
    await seed(without, 100);
    await seed(withPeople, 100);
    return await bothWays(['without people', without], ['with 1,000 people', withPeople], path);
  } finally {
    await stop(without);
    await stop(withPeople);
  }
}

/**
 * A flag with a `matches` rule (RE2JS) against the same flag without one, on one service, the two
 * paths taken in turn round by round, both with the same attribute in the query.
 */
async function matchesRule(databaseUrl: string) {
  const server = await startService(databaseUrl);
  try {
    const create = async (body: object) => {
      const res = await fetch(`${server.baseUrl}/flags`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...authorization },
        body: JSON.stringify(body),
      });
      if (res.status !== 201) throw new Error(`creating a flag failed: ${res.status} ${await res.text()}`);
    };
    await create({ flag_name: 'flag_0', status: true });
    await create({ flag_name: 'plain', status: true, rollout_percentage: 50 });
    await create({
      flag_name: 'matching',
      status: true,
      rollout_percentage: 0,
      rules: [
        {
          conditions: [{ attribute: 'email', operator: 'matches', value: '.*@.*\\.example\\.com$' }],
          rollout_percentage: 50,
        },
      ],
    });
    const query = '?email=someone.with.a.longer.name%40mail.eu.example.com';
    const [plainPath, matchingPath] = [`/flags/plain${query}`, `/flags/matching${query}`];
    await wrk(server, plainPath, CONNECTIONS, 2);
    await wrk(server, matchingPath, CONNECTIONS, 2);
    const ratios: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const plain = await wrk(server, plainPath, CONNECTIONS, DURATION_S);
      const matching = await wrk(server, matchingPath, CONNECTIONS, DURATION_S);
      ratios.push(matching.rps / plain.rps);
    }
    return median(ratios);
  } finally {
    await stop(server);
  }
}

/** POSTs JSON to the service as the benchmark's admin; throws unless it answers `expected`. */
async function send(server: Server, path: string, body: object | undefined, expected: number) {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: body === undefined ? authorization : { 'content-type': 'application/json', ...authorization },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status !== expected) throw new Error(`POST ${path} failed: ${res.status} ${await res.text()}`);
  return res;
}

const VARIANTS = [
  { key: 'control', weight: 50 },
  { key: 'treatment', weight: 50 },
];
const PURCHASE = [{ key: 'purchase', event: 'purchase', type: 'binomial' }];

/**
 * Single-flag evaluation of a flag with a running experiment against the same flag without one, on
 * one SQLite service, in turn. wrk sends a new user id with every request, so every request records
 * a first exposure (the buffer's worst case) and the buffer writes a batch of 1,000 rows every
 * 1,000 requests, on the service's own core.
 */
async function experimentExposures(databaseUrl: string) {
  const server = await startService(databaseUrl);
  try {
    await send(server, '/flags', { flag_name: 'flag_0', status: true }, 201);
    for (const flag_name of ['without_experiment', 'with_experiment']) {
      await send(server, '/flags', { flag_name, status: true, variants: VARIANTS }, 201);
    }
    const experiment = { key: 'bench', flag_name: 'with_experiment', control: 'control', metrics: PURCHASE };
    await send(server, '/experiments', experiment, 201);
    await send(server, '/experiments/bench/start', undefined, 200);
    const [plainPath, experimentPath] = ['/flags/without_experiment', '/flags/with_experiment'];
    await wrk(server, plainPath, CONNECTIONS, 2);
    await wrk(server, experimentPath, CONNECTIONS, 2);
    const ratios: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const plain = await wrk(server, plainPath, CONNECTIONS, DURATION_S);
      const withExperiment = await wrk(server, experimentPath, CONNECTIONS, DURATION_S);
      ratios.push(withExperiment.rps / plain.rps);
    }
    const metrics = await (await fetch(`${server.baseUrl}/metrics`, { headers: authorization })).text();
    return {
      ratio: median(ratios),
      exposures_written: metricValue(metrics, 'exposures_written_total'),
      exposures_dropped: metricValue(metrics, 'exposures_dropped_total'),
    };
  } finally {
    await stop(server);
  }
}

/**
 * On PostgreSQL: event ingestion through POST /events in batches of 1,000 (4 clients at once), then
 * results with 1,000,000 exposures and 2,000,000 events, written straight into the tables.
 */
async function experimentsAtScale(adminUrl: string) {
  const database = await createBenchDatabase(adminUrl);
  const server = await startService(database.url);
  try {
    await send(server, '/flags', { flag_name: 'checkout', status: true, variants: VARIANTS }, 201);
    const experiment = { key: 'scale', flag_name: 'checkout', control: 'control', metrics: PURCHASE };
    await send(server, '/experiments', experiment, 201);
    await send(server, '/experiments/scale/start', undefined, 200);

    const BATCHES = 200;
    const CLIENTS = 4;
    const batch = (n: number) => ({
      events: Array.from({ length: 1000 }, (_, i) => ({
        type: 'track',
        event: 'ingested',
        user_id: `user-${(n * 1000 + i) % 100_000}`,
        value: i % 50,
        event_id: `batch-${n}-${i}`,
      })),
    });
    const ingestStarted = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < BATCHES) await send(server, '/events', batch(next++), 202);
      }),
    );
    const ingestSeconds = (performance.now() - ingestStarted) / 1000;

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT id FROM experiments WHERE experiment_key = 'scale'");
      const t0 = Date.now() - 10 * 86_400_000;
      await client.query(
        `INSERT INTO exposures (experiment_id, user_id, variant, at_ms) SELECT $1, 'user-' || g, ` +
          `CASE WHEN g % 2 = 0 THEN 'control' ELSE 'treatment' END, $2::bigint + g FROM generate_series(1, 1000000) g`,
        [rows[0].id, t0],
      );
      // Half purchases, half other events, spread over 1,500,000 users (a third never exposed).
      await client.query(
        'INSERT INTO events (environment_id, event, user_id, value, at_ms) SELECT 2, ' +
          "CASE WHEN g % 2 = 0 THEN 'purchase' ELSE 'view' END, " +
          `'user-' || (g % 1500000), g % 100, $1::bigint + 2000000 + g FROM generate_series(1, 2000000) g`,
        [t0],
      );
      await client.query('ANALYZE exposures; ANALYZE events');
    } finally {
      await client.end();
    }
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const res = await fetch(`${server.baseUrl}/experiments/scale/results`, { headers: authorization });
      if (res.status !== 200) throw new Error(`results failed: ${res.status} ${await res.text()}`);
      await res.json();
      times.push(performance.now() - started);
    }
    return {
      events_per_s: (BATCHES * 1000) / ingestSeconds,
      ingested_events: BATCHES * 1000,
      results_ms_median: median(times),
      results_ms_max: Math.max(...times),
    };
  } finally {
    await stop(server);
    await database.drop();
  }
}

/** An open GET /stream held by the benchmark: it counts the `change` events it has read. */
function openStream(server: Server, agent: http.Agent): Promise<{ changes: () => number; close: () => void }> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${server.baseUrl}/stream`, { agent, headers: authorization }, (response) => {
      let changes = 0;
      let tail = '';
      let opened = false;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        const text = tail + chunk;
        changes += text.split('event: change\n').length - 1;
        tail = text.slice(-20);
        if (!opened && text.includes('event: revision')) {
          opened = true;
          resolve({ changes: () => changes, close: () => request.destroy() });
        }
      });
      response.on('error', () => undefined);
    });
    request.on('error', reject);
  });
}

/**
 * Event streams on one instance (SQLite): resident memory per open stream with 5,000 open, and the
 * time from sending a write to its change event read by the last of 1,000 subscribers (100 writes).
 */
async function streamsAtScale(databaseUrl: string) {
  const server = await startService(databaseUrl, { STREAM_LIMIT_PER_KEY: '10000' });
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const streams: Awaited<ReturnType<typeof openStream>>[] = [];
  try {
    await seed(server, 1);
    // Warm the route and the heap with streams opened and closed, before the baseline.
    for (let i = 0; i < 200; i++) streams.push(await openStream(server, agent));
    for (const stream of streams.splice(0)) stream.close();
    await sleep(1000);
    const rssBefore = rssMb(server.child);
    for (let i = 0; i < 5000; i += 100) {
      streams.push(...(await Promise.all(Array.from({ length: 100 }, () => openStream(server, agent)))));
    }
    await sleep(1000);
    const rssOpen = rssMb(server.child);
    for (const stream of streams.splice(1000)) stream.close();

    const delays: number[] = [];
    // 10 writes to warm up, then 100 measured.
    for (let i = 1; i <= 110; i++) {
      const sent = performance.now();
      const res = await fetch(`${server.baseUrl}/flags/flag_0`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', ...authorization },
        body: JSON.stringify({ rollout_percentage: i % 2 ? 25 : 75 }),
      });
      if (res.status !== 200) throw new Error(`write failed: ${res.status}`);
      while (streams.some((stream) => stream.changes() < i)) {
        if (performance.now() - sent > 10_000) throw new Error('a change never reached every stream');
        await new Promise((r) => setImmediate(r));
      }
      if (i > 10) delays.push(performance.now() - sent);
    }
    delays.sort((a, b) => a - b);
    return {
      rss_before_mb: rssBefore,
      rss_with_5000_streams_mb: rssOpen,
      kb_per_stream: ((rssOpen - rssBefore) * 1024) / 5000,
      write_to_last_of_1000_p50_ms: delays[49],
      write_to_last_of_1000_p99_ms: delays[98],
      write_to_last_of_1000_max_ms: delays[99],
    };
  } finally {
    for (const stream of streams) stream.close();
    agent.destroy();
    await stop(server);
  }
}

function rssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/**
 * The in-process provider beside a service holding 10,000 flags (the memory row's), each on its own
 * core: what the provider holds for them, and its single-flag evaluations per second.
 */
async function providerRates(file: string) {
  const server = await startService(`file:${file}`);
  try {
    await seedSqliteDirectly(server, file, 10_000);
    const command = pin(1, ['node', '--expose-gc', '--import', 'tsx', 'bench/provider-rates.ts']);
    const { stdout } = await execFileAsync(command[0], command.slice(1), {
      cwd: root,
      env: {
        ...process.env,
        BENCH_PROVIDER_URL: `${server.baseUrl}/projects/default/environments/production`,
        BENCH_PROVIDER_KEY: BENCH_KEY,
      },
    });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      flags: number;
      load_ms: number;
      change_ms: number;
      heap_for_flags_mb: number;
      evaluations_per_s: number;
      core_decide_per_s: number;
      sdk_evaluations_per_s: number;
    };
  } finally {
    await stop(server);
  }
}

function inProcessRates() {
  const N = 1_000_000;
  const flag = plainFlag('flag_42', 5000);
  const users = Array.from({ length: N }, (_, i) => `user-${i}`);
  const time = (fn: () => void) => {
    const t = process.hrtime.bigint();
    fn();
    return N / (Number(process.hrtime.bigint() - t) / 1e9);
  };
  let sink = 0;
  const evaluate = () => {
    for (const user of users) sink += decide(flag, user).bucketBasisPoints;
  };
  const bareHash = () => {
    for (const user of users) sink += hash('sha256', `${user}:flag_42`, 'buffer')[31];
  };
  evaluate();
  bareHash();
  const evaluateRates: number[] = [];
  const hashRates: number[] = [];
  for (let i = 0; i < 5; i++) {
    evaluateRates.push(time(evaluate));
    hashRates.push(time(bareHash));
  }
  if (sink === -1) console.log(sink);
  return { evaluate_per_s: median(evaluateRates), bare_hash_per_s: median(hashRates) };
}

/** ns per rollout bucket: the core's SHA-256 by hand, and the same bucket from node:crypto. */
function sha256Cost() {
  const N = 1_000_000;
  const keys = Array.from({ length: N }, (_, i) => [`user-${i}`, `flag_${i % 1000}`] as const);
  // The core's bucket formula (src/core/rollout.ts) on node:crypto's digest.
  const viaNodeCrypto = (user: string, flag: string) => {
    const digest = hash('sha256', `${user}:${flag}`, 'buffer');
    let low = 0;
    for (let i = 0; i < 32; i += 4) low = (low * 0x1_0000_0000 + digest.readUInt32BE(i)) % 10_000;
    return (low % 100) * 100 + Math.floor(low / 100);
  };
  for (const [user, flag] of keys.slice(0, 1000)) {
    if (viaNodeCrypto(user, flag) !== bucketBasisPoints(user, flag)) throw new Error('the two buckets differ');
  }
  const nsPer = (bucket: (user: string, flag: string) => number) => {
    let sink = 0;
    const t = process.hrtime.bigint();
    for (const [user, flag] of keys) sink += bucket(user, flag);
    if (sink === -1) console.log(sink);
    return Number(process.hrtime.bigint() - t) / N;
  };
  nsPer(bucketBasisPoints);
  nsPer(viaNodeCrypto);
  const byHand: number[] = [];
  const nodeCrypto: number[] = [];
  for (let i = 0; i < 5; i++) {
    byHand.push(nsPer(bucketBasisPoints));
    nodeCrypto.push(nsPer(viaNodeCrypto));
  }
  return { by_hand_ns: median(byHand), node_crypto_ns: median(nodeCrypto) };
}

async function propagation(adminUrl: string) {
  const database = await createBenchDatabase(adminUrl);
  // Polling slower than the target: what arrives within a second came through LISTEN/NOTIFY.
  const env = { ...SERVICE_ENV, DATABASE_URL: database.url, SNAPSHOT_POLL_MS: '5000' };
  const writer = await start(['node', 'dist/server.js'], env);
  const reader = await start(['node', 'dist/server.js'], env);
  try {
    await seed(writer, 1);
    const delays: number[] = [];
    for (let i = 1; i <= 100; i++) {
      const percentage = i % 2 ? 25 : 75;
      const sent = performance.now();
      await fetch(`${writer.baseUrl}/flags/flag_0`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...authorization },
        body: JSON.stringify({ rollout_percentage: percentage }),
      });
      for (;;) {
        const flag = (await (await fetch(`${reader.baseUrl}/flags/flag_0`, { headers: authorization })).json()) as {
          rollout_percentage: number;
        };
        if (flag.rollout_percentage === percentage) break;
        if (performance.now() - sent > 10_000) throw new Error('change never arrived');
      }
      delays.push(performance.now() - sent);
    }
    delays.sort((a, b) => a - b);
    return { p50_ms: delays[49], p99_ms: delays[98], max_ms: delays[99] };
  } finally {
    await stop(writer);
    await stop(reader);
    await database.drop();
  }
}

/** 1,000 PUTs to one flag sent at once over HTTP to one instance on PostgreSQL: how many succeed, how long it takes. */
async function writeBurst(adminUrl: string) {
  const database = await createBenchDatabase(adminUrl);
  const server = await start(['node', 'dist/server.js'], { ...SERVICE_ENV, DATABASE_URL: database.url });
  try {
    await seed(server, 1);
    const started = performance.now();
    const statuses = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        fetch(`${server.baseUrl}/flags/flag_0`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', ...authorization },
          body: JSON.stringify({ rollout_percentage: i % 100 }),
        }).then(async (res) => ({ status: res.status, retryAfter: res.headers.get('retry-after') })),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const counts: Record<string, number> = {};
    for (const { status } of statuses) counts[status] = (counts[status] ?? 0) + 1;
    const refusedWithoutRetryAfter = statuses.filter((r) => r.status !== 200 && r.retryAfter === null).length;
    return { counts, seconds, refused_without_retry_after: refusedWithoutRetryAfter };
  } finally {
    await stop(server);
    await database.drop();
  }
}

const metricValue = (metrics: string, name: string) =>
  Number(new RegExp(`^feature_flags_${name} (\\d+)$`, 'm').exec(metrics)?.[1]);

/**
 * Evaluation on one instance while another takes a write every 250 ms, with 10,000 flags: what other
 * instances' changes cost an instance that serves. The writer shares wrk's core, so its own CPU is
 * not the evaluating instance's; PostgreSQL's is not pinned.
 */
async function underAnotherInstancesWrites(adminUrl: string) {
  const database = await createBenchDatabase(adminUrl);
  const env = { ...SERVICE_ENV, DATABASE_URL: database.url };
  const writer = await start(['node', 'dist/server.js'], env, 1);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query(
    "INSERT INTO flags (project_id, flag_name, updated_at) SELECT 1, 'flag_' || g, now() " +
      'FROM generate_series(0, 9999) g',
  );
  await client.query(
    'INSERT INTO flag_configs (flag_id, environment_id, status, rollout_bp, updated_at) ' +
      'SELECT f.id, e.id, true, 5000, now() FROM flags f JOIN environments e ON e.project_id = f.project_id',
  );
  await client.end();
  const reader = await start(['node', 'dist/server.js'], env);
  const reloads = async () => {
    const metrics = await (await fetch(`${reader.baseUrl}/metrics`, { headers: authorization })).text();
    return {
      full: metricValue(metrics, 'snapshot_reloads_total'),
      partial: metricValue(metrics, 'snapshot_partial_reloads_total'),
    };
  };
  try {
    const path = '/flags/flag_42';
    await wrk(reader, path, 10, 2);
    const quiet: LoadResult[] = [];
    const busy: LoadResult[] = [];
    let writes = 0;
    const before = await reloads();
    for (let i = 0; i < RUNS; i++) {
      quiet.push(await wrk(reader, path, 10, DURATION_S));
      let writing = true;
      const writerLoop = (async () => {
        for (; writing; writes++) {
          const body = JSON.stringify({ rollout_percentage: writes % 100 });
          const res = await fetch(`${writer.baseUrl}/flags/flag_1`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json', ...authorization },
            body,
          });
          if (res.status !== 200) throw new Error(`write failed: ${res.status}`);
          await sleep(250);
        }
      })();
      busy.push(await wrk(reader, path, 10, DURATION_S));
      writing = false;
      await writerLoop;
    }
    const after = await reloads();
    return {
      without_writes: summarise(quiet),
      with_writes: summarise(busy),
      writes,
      full_reloads: after.full - before.full,
      partial_reloads: after.partial - before.partial,
    };
  } finally {
    await stop(writer);
    await stop(reader);
    await database.drop();
  }
}

/** Against the floor's run of the same round: the median of those ratios is what the in-turn rows read. */
function againstFloor(runs: LoadResult[], floorRuns: LoadResult[]) {
  return {
    ...summarise(runs),
    floor_ratio: median(runs.map((r, i) => r.rps / floorRuns[i].rps)),
    floor_p99_ratio: median(runs.map((r, i) => r.p99_ms / floorRuns[i].p99_ms)),
  };
}

/** The guard of issue 33, head to head: at least this share of the reference's req/s, p99 at most twice. */
const GUARDS: Record<string, { ratio: number; p99_ratio?: number }> = {
  'sqlite against floor': { ratio: 0.8, p99_ratio: 2 },
  'postgresql against floor': { ratio: 0.8, p99_ratio: 2 },
  'postgresql against sqlite': { ratio: 0.95 },
};

/**
 * Single-flag evaluation, the service's hot path: the reference servers, the floor and the service
 * on each database (10 projects × 3 environments × 1,000 flags loaded beside), first in turn round by
 * round (each alone on its core: req/s, latency and the event loop's delay), then head to head: the
 * service against the floor on each database, and PostgreSQL against SQLite.
 */
async function singleFlag(dir: string, path: string) {
  const targets: [string, string, Record<string, string>][] = [
    ['sqlite', `file:${join(dir, 'bench.db')}`, {}],
    ['sqlite, no keys or rate limits', `file:${join(dir, 'open.db')}`, OPEN_ENV],
  ];
  let pgDatabase: Awaited<ReturnType<typeof createBenchDatabase>> | undefined;
  if (postgresUrl) {
    pgDatabase = await createBenchDatabase(postgresUrl);
    targets.push(['postgresql', pgDatabase.url, {}]);
  }
  console.log(
    `single flag: the bare route, the floor and the service on ${targets.map(([name]) => name).join('; ')}, ` +
      `100 flags, ${RUNS} rounds in turn …`,
  );
  const servers: Record<string, Server> = {
    bare: await start(tsx('bench/bare-server.ts'), {}),
    floor: await start(tsx('bench/floor-server.ts'), { LOG_LEVEL: 'warn' }),
    [ROUTE_ALONE]: await start(tsx('bench/route-server.ts'), { LOG_LEVEL: 'warn' }),
  };
  try {
    for (const [name, url, env] of targets) {
      await loadBackground(url);
      servers[name] = await startService(url, env);
      await seed(servers[name], 100);
    }
    const { floor: floorRuns, ...measuredRuns } = await loadInTurn(servers, path);
    const in_turn = Object.fromEntries(
      Object.entries(measuredRuns).map(([name, runs]) => [name, againstFloor(runs, floorRuns)]),
    );
    console.log('single flag, head to head …');
    const pairs = [['floor', 'sqlite']];
    if (servers.postgresql) pairs.push(['floor', 'postgresql'], ['sqlite', 'postgresql']);
    const head_to_head: HeadToHead[] = [];
    for (const [reference, other] of pairs) {
      head_to_head.push(await headToHead([reference, servers[reference]], [other, servers[other]], path));
    }
    return { floor: summarise(floorRuns), in_turn, head_to_head };
  } finally {
    for (const server of Object.values(servers)) await stop(server);
    await pgDatabase?.drop();
  }
}

const f = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const x = (ratio: number) => `${f(ratio, 2)} ×`;
const spread = ({ median, q1, q3 }: Spread) => `${f(median, 3)} × (IQR ${f(q1, 3)}–${f(q3, 3)})`;

function printTable(rows: string[][]) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log(`\n${rows.map((r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`).join('\n')}\n`);
}

function printSingleFlag({ floor, in_turn, head_to_head }: Awaited<ReturnType<typeof singleFlag>>) {
  const loop = ({ event_loop: e }: LoadResult) => [
    `${f(e.delay_p99_ms, 1)} / ${f(e.delay_max_ms, 1)}`,
    `${f(e.gc_max_ms, 1)} / ${f(e.gc_total_ms / (DURATION_S * 10), 1)}%`,
  ];
  printTable([
    [
      'single flag, in turn',
      'req/s',
      'p50 ms',
      'p99 ms',
      'vs floor (p99)',
      'loop delay p99 / max ms',
      'GC max ms / time',
    ],
    [
      'floor: bare route + stock logger + 5 headers',
      f(floor.rps),
      f(floor.p50_ms, 2),
      f(floor.p99_ms, 2),
      '',
      ...loop(floor),
    ],
    ...Object.entries(in_turn).map(([name, r]) => [
      name === 'bare' ? 'bare route (reference)' : `GET /users/{id}/flags/{flag}, ${name}`,
      f(r.rps),
      f(r.p50_ms, 2),
      f(r.p99_ms, 2),
      `${x(r.floor_ratio)} (${x(r.floor_p99_ratio)})`,
      ...loop(r),
    ]),
  ]);
  printTable([
    ['single flag, head to head on one core', 'req/s ratio, median (IQR)', 'p99 ratio, median (IQR)', 'guard', 'met'],
    ...head_to_head.map(({ reference, other, rounds, ratio, p99_ratio }) => {
      const guard = GUARDS[`${other} against ${reference}`];
      const met = ratio.median >= guard.ratio && (guard.p99_ratio === undefined || p99_ratio.median <= guard.p99_ratio);
      return [
        `${other} against ${reference} (${rounds.length} rounds)`,
        spread(ratio),
        spread(p99_ratio),
        `≥ ${f(guard.ratio, 2)} ×${guard.p99_ratio ? `, p99 ≤ ${guard.p99_ratio} ×` : ''}`,
        met ? 'yes' : 'NO',
      ];
    }),
  ]);
  console.log(
    `In turn: ${RUNS} rounds of ${DURATION_S} s after a 2 s warm-up, each server alone on core 0, medians of the ` +
      `per-round ratios; the loop delay is how late a 10 ms timer fired (p99: median of the rounds; max: the worst ` +
      `of them), GC the longest pause and the share of the run spent in pauses. Head to head: two servers on core 0 ` +
      `at once, each under its own wrk on core 1, ${WARM_UP_S} s warm-up, then ${HEAD_TO_HEAD_ROUNDS} rounds of ` +
      `${DURATION_S} s (each printed above).`,
  );
}

function writeResults(results: Record<string, unknown>) {
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);
}

async function main() {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  execFileSync('npm', ['run', 'build:provider', '--silent'], { cwd: root, stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'flags-bench-'));
  const results: Record<string, unknown> = {
    machine: { cpus: cpus().length, node: process.version, pinned: has('taskset') },
    runs: RUNS,
    seconds: DURATION_S,
    connections: CONNECTIONS,
  };
  const single = '/flags/flag_42';
  try {
    const evaluation = await singleFlag(dir, single);
    if (process.env.BENCH_ONLY === 'single-flag') {
      writeResults({ ...results, ...evaluation });
      printSingleFlag(evaluation);
      return;
    }

    console.log(`libraries against their replacements on the floor, head to head (library policy) …`);
    const libraries = await librariesHeadToHead(single);

    console.log('the impact sample: the service with it against the same service without it, head to head …');
    const impactSampleRatio = await impactSampleCost(dir, single);

    console.log('keyed evaluation on a service holding 1,000 people against one holding none, head to head …');
    const peopleRatio = await peopleCost(dir, single);

    console.log('a flag with a matches rule against one without …');
    const matchesRatio = await matchesRule(`file:${join(dir, 'matches.db')}`);

    console.log('a flag with a running experiment against the same flag without one …');
    const exposureResult = await experimentExposures(`file:${join(dir, 'experiment.db')}`);

    console.log('all flags, 1,000 flags, 10 projects × 3 environments × 1,000 flags loaded …');
    await loadBackground(`file:${join(dir, 'many.db')}`);
    const many = await startService(`file:${join(dir, 'many.db')}`);
    await seedSqliteDirectly(many, join(dir, 'many.db'), 1000);
    const allOne = await load(many, '/flags', 1);
    const allFifty = await load(many, '/flags');
    await stop(many);

    console.log('resident memory with 10,000 flags, and with 10 projects × 3 environments × 1,000 flags …');
    const memoryServer = await startService(`file:${join(dir, 'memory.db')}`);
    await wrk(memoryServer, '/flags', 10, 2); // warm the heap and JIT before the baseline
    const rssEmpty = rssMb(memoryServer.child);
    await seedSqliteDirectly(memoryServer, join(dir, 'memory.db'), 10_000);
    const rssFull = rssMb(memoryServer.child);
    await stop(memoryServer);
    await loadBackground(`file:${join(dir, 'projects.db')}`);
    const projectsServer = await startService(`file:${join(dir, 'projects.db')}`);
    await seedSqliteDirectly(projectsServer, join(dir, 'projects.db'), 1000);
    await wrk(projectsServer, '/flags', 10, 2);
    const rssProjects = rssMb(projectsServer.child);
    await stop(projectsServer);

    // What the snapshot itself holds, after a full collection, in a process of its own.
    const snapshotHeap = (shape: string) =>
      JSON.parse(
        execFileSync('node', ['--expose-gc', '--import', 'tsx', 'bench/snapshot-memory.ts', shape], {
          cwd: root,
          encoding: 'utf8',
        }),
      ) as { flags: number; configurations: number; heap_mb: number };
    const heapTenThousand = snapshotHeap('1,2,10000');
    const heapProjects = snapshotHeap('10,3,1000');

    console.log('event streams: 5,000 open, then a change to 1,000 of them …');
    const streamsResult = await streamsAtScale(`file:${join(dir, 'streams.db')}`);

    console.log('in-process decide() against a bare crypto.hash loop, and SHA-256 by hand against node:crypto …');
    const inProcess = inProcessRates();
    const sha256 = sha256Cost();
    // What node:crypto would add to one all-flags evaluation of 1,000 flags (one hash per flag).
    const cryptoAddsMs = (1000 * (sha256.node_crypto_ns - sha256.by_hand_ns)) / 1e6;

    console.log('the in-process provider: 10,000 flags loaded, single-flag evaluations on one core …');
    const provider = await providerRates(join(dir, 'provider.db'));

    const propagationResult = postgresUrl
      ? (console.log('propagation between two instances …'), await propagation(postgresUrl))
      : undefined;
    const burst = postgresUrl
      ? (console.log('1,000 concurrent writes to one flag (PostgreSQL) …'), await writeBurst(postgresUrl))
      : undefined;
    const atScale = postgresUrl
      ? (console.log('experiments on PostgreSQL: event ingestion, results over 1,000,000 exposures …'),
        await experimentsAtScale(postgresUrl))
      : undefined;
    const othersWrites = postgresUrl
      ? (console.log("evaluation under another instance's writes, 10,000 flags …"),
        await underAnotherInstancesWrites(postgresUrl))
      : undefined;

    Object.assign(results, {
      ...evaluation,
      libraries_head_to_head: libraries,
      impact_sample_ratio: impactSampleRatio,
      people_ratio: peopleRatio,
      matches_rule_ratio: matchesRatio,
      experiment_exposures: exposureResult,
      experiments_at_scale: atScale ?? 'not measured: set BENCH_POSTGRES_URL',
      write_burst: burst ?? 'not measured: set BENCH_POSTGRES_URL',
      sha256: { ...sha256, node_crypto_adds_to_1000_flags_ms: cryptoAddsMs },
      all_flags_1000: {
        one_connection: allOne,
        fifty_connections: { ...allFifty, evaluations_per_s: allFifty.rps * 1000 },
      },
      memory: {
        rss_before_mb: rssEmpty,
        // 10,000 flags in default, each with its settings in its 2 environments.
        rss_with_10000_flags_mb: rssFull,
        added_mb: rssFull - rssEmpty,
        // 10 projects × 3 environments × 1,000 flags: 30,000 flags' settings.
        rss_with_10_projects_mb: rssProjects,
        added_by_10_projects_mb: rssProjects - rssEmpty,
        snapshot_heap_10000_flags_2_environments_mb: heapTenThousand.heap_mb,
        snapshot_heap_10_projects_mb: heapProjects.heap_mb,
      },
      streams: streamsResult,
      in_process: { ...inProcess, ratio: inProcess.evaluate_per_s / inProcess.bare_hash_per_s },
      provider: { ...provider, http_single_flag_sqlite_rps: evaluation.in_turn.sqlite.rps },
      propagation: propagationResult ?? 'not measured: set BENCH_POSTGRES_URL',
      under_another_instances_writes: othersWrites ?? 'not measured: set BENCH_POSTGRES_URL',
    });
    writeResults(results);

    printSingleFlag(evaluation);
    printTable([
      ['what', 'req/s', 'p50 ms', 'p99 ms', 'target'],
      [
        'GET /users/{id}/flags, 1,000 flags, 1 conn',
        f(allOne.rps),
        f(allOne.p50_ms, 2),
        f(allOne.p99_ms, 2),
        'p50 ≤ 2 ms',
      ],
      [
        'GET /users/{id}/flags, 1,000 flags, 50 conn',
        f(allFifty.rps),
        f(allFifty.p50_ms, 2),
        f(allFifty.p99_ms, 2),
        `${f(allFifty.rps * 1000)} evaluations/s`,
      ],
    ]);
    for (const { library, replacement, head_to_head } of libraries) {
      console.log(
        `library policy: floor + ${library} against ${replacement === 'the floor as it is' ? replacement : `floor + ${replacement}`}, ` +
          `head to head: ${spread(head_to_head.ratio)}, the library costing ${f((1 - head_to_head.ratio.median) * 100, 1)}% ` +
          `of the path (hand-written stays only at ≥ 3%)`,
      );
    }
    console.log(
      `impact preview's sample of recent users (IMPACT_SAMPLE_USERS=10000) against none, head to head, a new ` +
        `user per request: ${x(impactSampleRatio)}, costing ${f((1 - impactSampleRatio) * 100, 1)}% of single-flag ` +
        `evaluation (target ≤ 3%)`,
    );
    console.log(
      `keyed single-flag evaluation on a service holding 1,000 people (accounts, sessions, roles, personal tokens) ` +
        `against one holding none, head to head both ways: ${x(peopleRatio)} (target: nothing measurable, ≥ 0.97 ×)`,
    );
    console.log(
      `a flag with a matches rule (RE2JS) against one without, same attribute sent: ${x(matchesRatio)} req/s ` +
        `(median of ${RUNS} rounds in turn; target ≥ 0.80 ×)`,
    );
    console.log(
      `a flag with a running experiment against the same flag without one, a new user (an exposure) per request: ` +
        `${x(exposureResult.ratio)} req/s (median of ${RUNS} rounds in turn; target ≥ 0.85 ×); ` +
        `${f(exposureResult.exposures_written)} exposures written, ${f(exposureResult.exposures_dropped)} dropped`,
    );
    if (atScale) {
      console.log(
        `POST /events on PostgreSQL, batches of 1,000 from 4 clients: ${f(atScale.events_per_s)} events/s ` +
          `(target ≥ 20,000); results over 1,000,000 exposures and 2,000,000 events: median ` +
          `${f(atScale.results_ms_median)} ms, slowest ${f(atScale.results_ms_max)} ms of 5 (target ≤ 2,000 ms)`,
      );
    }
    console.log(
      `SHA-256 per bucket: by hand ${f(sha256.by_hand_ns)} ns, node:crypto ${f(sha256.node_crypto_ns)} ns; node:crypto ` +
        `would add ${f(cryptoAddsMs, 2)} ms to one 1,000-flag evaluation (${f((cryptoAddsMs / allOne.p50_ms) * 100, 0)}% ` +
        `of its p50) and ${f(sha256.node_crypto_ns - sha256.by_hand_ns)} ns to a single-flag one (library policy: ≥ 3%)`,
    );
    console.log(
      `in-process decide(): ${f(inProcess.evaluate_per_s)}/s vs bare crypto.hash ${f(inProcess.bare_hash_per_s)}/s = ${f((inProcess.evaluate_per_s / inProcess.bare_hash_per_s) * 100, 1)}% (target ≥ 80%)`,
    );
    console.log(
      `memory: ${f(rssEmpty, 1)} MB → ${f(rssFull, 1)} MB with 10,000 flags: ${rssFull >= rssEmpty ? '+' : '−'}${f(Math.abs(rssFull - rssEmpty), 1)} MB (target ≤ 50 MB); ` +
        `${f(rssProjects, 1)} MB with 10 projects × 3 environments × 1,000 flags (+${f(rssProjects - rssEmpty, 1)} MB); ` +
        `resident memory also keeps what loading left in the heap. The snapshot itself, after a full collection: ` +
        `${f(heapTenThousand.heap_mb, 1)} MB for 10,000 flags in 2 environments, ${f(heapProjects.heap_mb, 1)} MB ` +
        `for 10 projects × 3 environments × 1,000 flags`,
    );
    console.log(
      `event streams: ${f(streamsResult.kb_per_stream, 1)} KB of resident memory per open stream ` +
        `(${f(streamsResult.rss_before_mb, 1)} → ${f(streamsResult.rss_with_5000_streams_mb, 1)} MB with 5,000 open); ` +
        `a write's answer to its change read by the last of 1,000 streams: p50 ${f(streamsResult.write_to_last_of_1000_p50_ms, 1)} ms, ` +
        `p99 ${f(streamsResult.write_to_last_of_1000_p99_ms, 1)} ms over 100 writes (the clients in one process)`,
    );
    console.log(
      `in-process provider (packages/openfeature-provider), one core: ${f(provider.evaluations_per_s)} single-flag ` +
        `evaluations/s called directly (target ≥ 1,000,000; the core's decide() alone, same rounds: ` +
        `${f(provider.core_decide_per_s)}/s), ${f(provider.sdk_evaluations_per_s)}/s through the ` +
        `OpenFeature SDK's client, against ${f(evaluation.in_turn.sqlite.rps)} req/s over HTTP (the service on SQLite, ` +
        `above); ${f(provider.flags)} flags loaded in ${f(provider.load_ms)} ms, holding ` +
        `${f(provider.heap_for_flags_mb, 1)} MB of heap; a change to one of them in the provider ` +
        `${f(provider.change_ms)} ms after the PATCH was sent (the whole configuration loaded again)`,
    );
    console.log(
      propagationResult
        ? `change visible on another instance: p50 ${f(propagationResult.p50_ms, 1)} ms, p99 ${f(propagationResult.p99_ms, 1)} ms over 100 changes (target ≤ 1,000 ms)`
        : 'propagation between instances: not measured (set BENCH_POSTGRES_URL)',
    );
    if (burst) {
      console.log(
        `1,000 concurrent PUTs to one flag on PostgreSQL: ${Object.entries(burst.counts)
          .map(([status, n]) => `${n} × ${status}`)
          .join(
            ', ',
          )} in ${f(burst.seconds, 2)} s; refused without Retry-After: ${burst.refused_without_retry_after} ` +
          '(target: all succeed, or the refused carry Retry-After)',
      );
    }
    if (othersWrites) {
      const { without_writes: quiet, with_writes: busy } = othersWrites;
      console.log(
        `10,000 flags, another instance writing every 250 ms, 10 connections: ${f(quiet.rps)} → ${f(busy.rps)} req/s (${f((busy.rps / quiet.rps) * 100, 1)}%), p99 ${f(quiet.p99_ms, 2)} → ${f(busy.p99_ms, 2)} ms; ${othersWrites.writes} writes read with ${othersWrites.partial_reloads} partial and ${othersWrites.full_reloads} full reloads`,
      );
    }
    console.log(
      `Single-flag and 1,000-flag rows with 10 projects × 3 environments × 1,000 flags loaded beside.\n` +
        `\n${RUNS} runs of ${DURATION_S} s after a 2 s warm-up, medians (single-flag servers measured in turn, round by round); wrk, ${CONNECTIONS} connections unless stated; ${has('taskset') ? 'server on core 0, wrk on core 1' : 'not pinned (no taskset)'}. Written to bench/results/latest.json`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
