import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServer } from './support/server-process.js';

/**
 * A document as big as the probe's (2,000 flags, about 11 MB): each flag with a description and eight
 * rules of twelve listed values in each of two environments.
 */
function bigDocument(flags: number) {
  const rules = Array.from({ length: 8 }, (_, r) => ({
    conditions: [
      { attribute: 'country', operator: 'in', value: Array.from({ length: 12 }, (_, i) => `C${r}-${i}-xxxxxxxxxxxx`) },
    ],
    rollout_percentage: 50,
  }));
  const settings = { status: true, rollout_percentage: 50, rules };
  return {
    version: 1,
    flags: Array.from({ length: flags }, (_, i) => ({
      flag_name: `imported_${i}`,
      description: 'd'.repeat(200),
      environments: { development: settings, production: settings },
    })),
  };
}

const LOADED_MACHINE_P99_BOUND_MS = 250;

// Evaluation answers from memory; an import writes thousands of rows, and on SQLite every statement
// runs on the process's own thread. The import must leave evaluation its turns.
describe('evaluation while a 2,000-flag document is imported on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flags-import-'));
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({ DATABASE_URL: `file:${join(dir, 'flags.db')}` });
  }, 60_000);
  afterAll(() => {
    server?.process.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps single-flag evaluation answering from start to answer of the import', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${server.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    expect((await post('/flags', { flag_name: 'probe', status: true, rollout_percentage: 50 })).status).toBe(201);
    const body = JSON.stringify({ document: bigDocument(2000), mode: 'merge' });
    expect(body.length).toBeGreaterThan(10_000_000);

    let importing = true;
    const latencies: number[] = [];
    const evaluating = (async () => {
      for (let i = 0; importing; i++) {
        const started = performance.now();
        const res = await fetch(`${server.baseUrl}/users/user-${i}/flags/probe`);
        await res.arrayBuffer();
        if (importing) latencies.push(performance.now() - started);
      }
    })();
    const imported = await post('/projects/default/import', body);
    importing = false;
    await evaluating;
    expect(imported.status).toBe(200);
    const result = (await imported.json()) as { applied: boolean; changes: unknown[] };
    expect(result.applied).toBe(true);
    expect(result.changes).toHaveLength(2000);

    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.ceil(latencies.length * 0.99) - 1];
    console.log(
      `${latencies.length} evaluations during the import: p50 ${latencies[latencies.length >> 1].toFixed(1)} ms, ` +
        `p99 ${p99.toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
    );
    // Before: every evaluation waited for the whole import (p50 1,121 ms, max 8,937 ms in the probe; 2
    // evaluations in a 4.3 s import here). The target is p99 under 100 ms, printed above (40-43 ms on an
    // idle machine); the bound leaves room for a loaded one (104 ms was seen once in CI) and still fails
    // an import that holds the loop.
    expect(latencies.length).toBeGreaterThan(100);
    expect(p99, `${latencies.length} evaluations, p50 ${latencies[latencies.length >> 1].toFixed(1)} ms`).toBeLessThan(
      LOADED_MACHINE_P99_BOUND_MS,
    );
  }, 120_000);
});
