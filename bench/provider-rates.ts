/**
 * Run by bench/run.ts, pinned to one core beside a service holding 10,000 flags: the in-process
 * provider's heap for them, how long loading them takes, how long a change to one takes to arrive,
 * and how many single-flag evaluations it answers per second, called directly and through the
 * OpenFeature SDK, beside the core's decide() on the same flag in the same rounds (what the provider
 * adds to it). Prints one JSON line. Needs --expose-gc, and the package built (npm run build:provider).
 */
import { FeatureFlagsProvider } from '@feature-flags-service/openfeature-provider';
import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { decide } from '../src/core/evaluation.js';
import { plainFlag } from './reference-answer.js';

const url = process.env.BENCH_PROVIDER_URL!;
const apiKey = process.env.BENCH_PROVIDER_KEY!;
const flag = process.env.BENCH_PROVIDER_FLAG ?? 'flag_42';
const collect = globalThis.gc as () => void;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const heapMb = () => {
  collect();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

const heapBefore = heapMb();
const provider = new FeatureFlagsProvider({ url, apiKey, flushIntervalMs: 3_600_000 });
const loadStarted = performance.now();
await OpenFeature.setProviderAndWait(provider);
const loadMs = performance.now() - loadStarted;
const heapWithFlags = heapMb();
const { flags } = provider.syncStatus;

// A new user on every evaluation, as the HTTP rows ask: no answer is served from a cache.
const N = 1_000_000;
const contexts = Array.from({ length: N }, (_, i) => ({ targetingKey: `user-${i}` }));
let sink = 0;
const perSecond = (count: number, started: bigint) => count / (Number(process.hrtime.bigint() - started) / 1e9);
const direct = () => {
  const started = process.hrtime.bigint();
  for (const context of contexts) if (provider.evaluate(flag, false, context, 'boolean').value) sink++;
  return perSecond(N, started);
};
// flag_42 as the seeded benchmark flags are: on, 42.5%.
const coreFlag = plainFlag(flag, 4250);
const coreAlone = () => {
  const started = process.hrtime.bigint();
  for (const context of contexts) if (decide(coreFlag, context.targetingKey).enabled) sink++;
  return perSecond(N, started);
};
const client = OpenFeature.getClient();
const SDK_CALLS = 200_000;
const throughSdk = async () => {
  const started = process.hrtime.bigint();
  for (let i = 0; i < SDK_CALLS; i++) if (await client.getBooleanValue(flag, false, contexts[i])) sink++;
  return perSecond(SDK_CALLS, started);
};
direct();
coreAlone();
await throughSdk();
const directRates: number[] = [];
const coreRates: number[] = [];
const sdkRates: number[] = [];
for (let round = 0; round < 5; round++) {
  directRates.push(direct());
  coreRates.push(coreAlone());
  sdkRates.push(await throughSdk());
}

// A change to one of the 10,000: sent, then announced on the stream, then the whole configuration loaded again.
const changed = new Promise((resolve) => provider.events.addHandler(ProviderEvents.ConfigurationChanged, resolve));
const changeStarted = performance.now();
const patched = await fetch(`${url}/flags/flag_1`, {
  method: 'PATCH',
  headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
  body: JSON.stringify({ status: false }),
});
if (!patched.ok) throw new Error(`PATCH answered ${patched.status}`);
await changed;
const changeMs = performance.now() - changeStarted;
await OpenFeature.close();
if (sink === -1) console.log(sink);
console.log(
  JSON.stringify({
    flags,
    load_ms: loadMs,
    change_ms: changeMs,
    heap_for_flags_mb: heapWithFlags - heapBefore,
    evaluations_per_s: median(directRates),
    core_decide_per_s: median(coreRates),
    sdk_evaluations_per_s: median(sdkRates),
  }),
);
