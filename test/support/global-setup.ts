import { buildServer } from './server-process.js';

// Real-process tests run the compiled service; compile the current source once, before any file runs.
export function setup(): void {
  buildServer();
}
