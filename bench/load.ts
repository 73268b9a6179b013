/**
 * The benchmark's instruments: servers pinned to a core, wrk on the other, runs in turn and head to
 * head, and the event loop's delay read from inside each server (bench/event-loop-probe.mjs).
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const root = new URL('..', import.meta.url).pathname;
export const RUNS = Number(process.env.BENCH_RUNS ?? 3);
export const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
/** Head to head (issue 33): at least 9 rounds after at least 10 s of warm-up, or single rounds mislead. */
export const HEAD_TO_HEAD_ROUNDS = Number(process.env.BENCH_HEAD_TO_HEAD_ROUNDS ?? 9);
export const WARM_UP_S = 10;
export const CONNECTIONS = 50;
// The service runs as in production: keys required (every request is authenticated) and rate
// limits on (every request is counted), with limits no benchmark reaches.
export const BENCH_KEY = 'bench-admin-key-0123456789-0123456789abcdef';
export const authorization = { authorization: `Bearer ${BENCH_KEY}` };
const PROBE = join(root, 'bench/event-loop-probe.mjs');

export const has = (command: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
// One core for the server, the other for the load generator, so every server gets the same CPU.
export const pin = has('taskset')
  ? (core: number, argv: string[]) => ['taskset', '-c', String(core), ...argv]
  : (_: number, argv: string[]) => argv;

const execFileAsync = promisify(execFile);
export const median = (values: number[]) => quantile(values, 0.5);
/** Linear interpolation between the closest ranks (R's type 7, numpy's default). */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

export interface Server {
  baseUrl: string;
  child: ChildProcess;
}

/** Starts a Node server on `core` with the event-loop probe preloaded; resolves once flag_0 answers. */
export async function start(argv: string[], env: Record<string, string>, core = 0): Promise<Server> {
  const port = await freePort();
  const [node, ...args] = argv;
  const [command, ...rest] = pin(core, [node, '--import', PROBE, ...args]);
  const child = spawn(command, rest, {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    // taskset execs node, which finds the IPC channel the probe answers on.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(`${baseUrl}/users/probe/flags/flag_0`).then(
        () => true,
        () => false,
      )
    )
      return { baseUrl, child };
    await sleep(100);
  }
  throw new Error(`${argv.join(' ')} did not start`);
}

export async function stop(server: Server) {
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
}

/** The event loop under a run: how late a 10 ms timer fired, and garbage collection's pauses. */
export interface EventLoop {
  delay_p50_ms: number;
  delay_p99_ms: number;
  delay_max_ms: number;
  gc_count: number;
  gc_total_ms: number;
  gc_max_ms: number;
}

/** What the server's probe saw since it was last asked; asking starts the next count. */
function eventLoop(server: Server): Promise<EventLoop> {
  return new Promise((resolve) => {
    server.child.once('message', (message) => resolve(message as EventLoop));
    server.child.send('event-loop');
  });
}

export interface LoadResult {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  requests: number;
  errors: number;
  non2xx: number;
  event_loop: EventLoop;
}

export async function wrk(server: Server, path: string, connections: number, seconds: number): Promise<LoadResult> {
  // wrk gives up on a response after 2 s by default and counts it as an error; a slow machine's
  // all-flags tail can pass that, and its latency belongs in the percentiles.
  const argv = pin(1, [
    'wrk',
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--timeout',
    '10s',
    '-s',
    join(root, 'bench/unique-users.lua'),
    server.baseUrl,
  ]);
  await eventLoop(server);
  // Every server, the bare route included, gets the same requests, API key header and all.
  const { stdout } = await execFileAsync(argv[0], argv.slice(1), {
    env: { ...process.env, WRK_PATH: path, WRK_AUTHORIZATION: authorization.authorization },
    encoding: 'utf8',
  });
  const event_loop = await eventLoop(server);
  const line = stdout.split('\n').find((l) => l.startsWith('WRK_RESULT '));
  if (!line) throw new Error(`unexpected wrk output:\n${stdout}`);
  const result: LoadResult = { ...JSON.parse(line.slice('WRK_RESULT '.length)), event_loop };
  // wrk counts a connection cut at the end of its run as an error; more than a handful is a real failure.
  if (result.errors > result.requests / 1000 || result.non2xx) {
    throw new Error(`wrk saw ${result.errors} errors and ${result.non2xx} non-2xx answers on ${path}`);
  }
  return result;
}

const medianOf = <T>(items: T[], figure: (item: T) => number) => median(items.map(figure));

export function summarise(runs: LoadResult[]): LoadResult {
  return {
    rps: medianOf(runs, (r) => r.rps),
    p50_ms: medianOf(runs, (r) => r.p50_ms),
    p99_ms: medianOf(runs, (r) => r.p99_ms),
    requests: runs.reduce((sum, r) => sum + r.requests, 0),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    non2xx: 0,
    event_loop: {
      delay_p50_ms: medianOf(runs, (r) => r.event_loop.delay_p50_ms),
      delay_p99_ms: medianOf(runs, (r) => r.event_loop.delay_p99_ms),
      // The worst stall of all the runs, not a median of them.
      delay_max_ms: Math.max(...runs.map((r) => r.event_loop.delay_max_ms)),
      gc_count: medianOf(runs, (r) => r.event_loop.gc_count),
      gc_total_ms: medianOf(runs, (r) => r.event_loop.gc_total_ms),
      gc_max_ms: Math.max(...runs.map((r) => r.event_loop.gc_max_ms)),
    },
  };
}

/** A warm-up, then RUNS measured runs; medians of each figure. */
export async function load(server: Server, path: string, connections = CONNECTIONS): Promise<LoadResult> {
  await wrk(server, path, connections, 2);
  const runs: LoadResult[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await wrk(server, path, connections, DURATION_S));
  return summarise(runs);
}

/**
 * The same load on several servers, their runs taken in turn (A B C, A B C, …) so a slow spell of
 * the machine hits all of them alike and their ratios stay comparable. Idle servers cost nothing.
 */
export async function loadInTurn(servers: Record<string, Server>, path: string): Promise<Record<string, LoadResult[]>> {
  for (const server of Object.values(servers)) await wrk(server, path, CONNECTIONS, 2);
  const runs: Record<string, LoadResult[]> = Object.fromEntries(Object.keys(servers).map((name) => [name, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const [name, server] of Object.entries(servers))
      runs[name].push(await wrk(server, path, CONNECTIONS, DURATION_S));
  }
  return runs;
}

/** A median with its interquartile range. */
export interface Spread {
  median: number;
  q1: number;
  q3: number;
}
const spread = (values: number[]): Spread => ({
  median: median(values),
  q1: quantile(values, 0.25),
  q3: quantile(values, 0.75),
});

export interface HeadToHead {
  reference: string;
  other: string;
  rounds: { reference: LoadResult; other: LoadResult; ratio: number; p99_ratio: number }[];
  /** The other's req/s as a share of the reference's: the inverse ratio of their CPU per request. */
  ratio: Spread;
  p99_ratio: Spread;
}

const f = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * Two servers on the same core at the same time, each under its own wrk; the other's req/s as a
 * share of the reference's. The scheduler shares the core between them, so the ratio is that of
 * their CPU cost per request, and a slow spell of the machine hits both alike (docs/performance.md).
 * JIT compilation and the heap settle over the first seconds, so single early rounds rise round
 * after round: a 10 s warm-up, then HEAD_TO_HEAD_ROUNDS rounds, each printed as it ends.
 */
export async function headToHead(
  [referenceName, reference]: [string, Server],
  [otherName, other]: [string, Server],
  path: string,
): Promise<HeadToHead> {
  console.log(
    `  ${otherName} against ${referenceName}, both on one core: ${WARM_UP_S} s warm-up, ` +
      `${HEAD_TO_HEAD_ROUNDS} rounds of ${DURATION_S} s`,
  );
  await Promise.all([wrk(reference, path, CONNECTIONS, WARM_UP_S), wrk(other, path, CONNECTIONS, WARM_UP_S)]);
  const rounds: HeadToHead['rounds'] = [];
  for (let i = 1; i <= HEAD_TO_HEAD_ROUNDS; i++) {
    const [r, o] = await Promise.all([
      wrk(reference, path, CONNECTIONS, DURATION_S),
      wrk(other, path, CONNECTIONS, DURATION_S),
    ]);
    const round = { reference: r, other: o, ratio: o.rps / r.rps, p99_ratio: o.p99_ms / r.p99_ms };
    rounds.push(round);
    console.log(
      `    round ${i}: ${f(r.rps)} req/s, p99 ${f(r.p99_ms, 1)} ms | ${f(o.rps)} req/s, p99 ${f(o.p99_ms, 1)} ms` +
        ` → ${f(round.ratio, 3)} × (p99 ${f(round.p99_ratio, 2)} ×)`,
    );
  }
  return {
    reference: referenceName,
    other: otherName,
    rounds,
    ratio: spread(rounds.map((r) => r.ratio)),
    p99_ratio: spread(rounds.map((r) => r.p99_ratio)),
  };
}
