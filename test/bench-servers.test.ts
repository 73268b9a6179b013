import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { libraryOnFloor } from '../bench/library-on-floor.js';
import { type EventLoop, median, quantile } from '../bench/load.js';
import { type ServerProcess, startServer } from './support/server-process.js';

// The benchmark's reference servers are comparisons only while they answer as the service does.
const dir = mkdtempSync(join(tmpdir(), 'flags-bench-servers-'));
const servers: Record<string, ServerProcess> = {};

beforeAll(async () => {
  const started = await Promise.all([
    startServer({ DATABASE_URL: `file:${join(dir, 'flags.db')}` }),
    startServer({}, { command: ['node', '--import', 'tsx', 'bench/bare-server.ts'] }),
    startServer({}, { command: ['node', '--import', 'tsx', 'bench/floor-server.ts'] }),
    startServer({}, { command: ['node', '--import', 'tsx', 'bench/route-server.ts'] }),
  ]);
  [servers.service, servers.bare, servers.floor, servers.route] = started;
  // The rollout bench/run.ts seeds flag_42 with, and bench/route-server.ts holds.
  const created = await fetch(`${servers.service.baseUrl}/flags`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ flag_name: 'flag_42', status: true, rollout_percentage: 42.5 }),
  });
  expect(created.status).toBe(201);
}, 60_000);
afterAll(() => {
  for (const server of Object.values(servers)) server.process.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const evaluate = (server: ServerProcess) => fetch(`${server.baseUrl}/users/u1-7/flags/flag_42`);
const evaluation = async (server: ServerProcess) => (await (await evaluate(server)).json()) as Record<string, unknown>;
const headerNames = (response: Response) => [...response.headers.keys()].sort();

it('every reference server answers a single-flag evaluation with the JSON shape the service does', async () => {
  const service = await evaluation(servers.service);
  for (const name of ['bare', 'floor', 'route']) {
    expect(Object.keys(await evaluation(servers[name])), name).toEqual(Object.keys(service));
  }
  // The route alone decides from the same rollout as the service.
  expect(await evaluation(servers.route)).toEqual(service);
});

it('the floor server sends every header the service sends, and the bare route none of the extra ones', async () => {
  const service = headerNames(await evaluate(servers.service));
  expect(headerNames(await evaluate(servers.floor))).toEqual(service);
  const bare = headerNames(await evaluate(servers.bare));
  expect(bare).not.toContain('x-request-id');
  expect(bare).not.toContain('content-security-policy');
});

it('the floor with each library of the library rows on top answers as the floor does, with the library at work', async () => {
  const names = Object.keys(libraryOnFloor);
  const floors = await Promise.all(
    names.map((name) =>
      startServer({ FLOOR_PLUS: name }, { command: ['node', '--import', 'tsx', 'bench/floor-server.ts'] }),
    ),
  );
  try {
    const floor = await evaluation(servers.floor);
    for (const [i, name] of names.entries()) {
      const response = await evaluate(floors[i]);
      expect(response.status, name).toBe(200);
      expect(Object.keys((await response.json()) as object), name).toEqual(Object.keys(floor));
      // Helmet's defaults add headers the floor does not send.
      if (name === '@fastify/helmet') expect(response.headers.get('origin-agent-cluster')).toBe('?1');
    }
  } finally {
    for (const server of floors) server.process.kill('SIGKILL');
  }
}, 60_000);

it('reads medians and quartiles between the closest ranks, as the head-to-head rows print them', () => {
  const rounds = [0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6];
  expect([quantile(rounds, 0.25), median(rounds), quantile(rounds, 0.75)]).toEqual([0.3, 0.5, 0.7]);
  expect(quantile([1, 2, 3, 4], 0.75)).toBe(3.25);
  expect(median([1, 2, 3, 4])).toBe(2.5);
});

it('the event-loop probe reports, over IPC, how long the loop was held, and starts the next count when asked', async () => {
  const probe = new URL('../bench/event-loop-probe.mjs', import.meta.url).pathname;
  // Holds the loop for 250 ms once, 30 ms after start; the interval keeps the process alive.
  const hold =
    'setTimeout(() => { const end = Date.now() + 250; while (Date.now() < end); }, 30); setInterval(() => {}, 1000);';
  const child = spawn(process.execPath, ['--import', probe, '-e', hold], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ask = async () => {
    child.send('event-loop');
    const [answer] = await once(child, 'message');
    return answer as EventLoop;
  };
  try {
    await new Promise((resolve) => setTimeout(resolve, 600));
    const held = await ask();
    expect(held.delay_max_ms).toBeGreaterThanOrEqual(200);
    expect(held.gc_count).toBeGreaterThanOrEqual(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const next = await ask();
    expect(next.delay_max_ms).toBeLessThan(200);
  } finally {
    child.kill('SIGKILL');
  }
});
