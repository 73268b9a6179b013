/**
 * Preloaded (`node --import`) by bench/run.ts into the floor and the service alike: how late the
 * event loop ran a 10 ms timer (the instrument behind prom-client's nodejs_eventloop_lag metrics,
 * less the timer's own 10 ms, which the histogram includes), and how long garbage collection paused
 * it, between two asks over the IPC channel. Plain JavaScript, so the service runs from its build
 * with nothing else loaded.
 */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

const RESOLUTION_MS = 10;
const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
const lateMs = (nanoseconds) => Math.max(0, nanoseconds / 1e6 - RESOLUTION_MS);
delay.enable();
let gc = { count: 0, total_ms: 0, max_ms: 0 };
new PerformanceObserver((list) => {
  for (const { duration } of list.getEntries()) {
    gc.count += 1;
    gc.total_ms += duration;
    gc.max_ms = Math.max(gc.max_ms, duration);
  }
}).observe({ entryTypes: ['gc'] });

process.on('message', (message) => {
  if (message !== 'event-loop') return;
  process.send({
    delay_p50_ms: lateMs(delay.percentile(50)),
    delay_p99_ms: lateMs(delay.percentile(99)),
    delay_max_ms: lateMs(delay.max),
    gc_count: gc.count,
    gc_total_ms: gc.total_ms,
    gc_max_ms: gc.max_ms,
  });
  delay.reset();
  gc = { count: 0, total_ms: 0, max_ms: 0 };
});
// The channel must not keep a server alive that is asked to stop.
process.channel?.unref();
