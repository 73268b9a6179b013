import { buildServer } from './server-process.js';

import { execFileSync } from 'node:child_process';

// Real-process tests run the compiled service, and the browser tests the built dashboard: both are
// built from the current source once, before any file runs.
export function setup(): void {
  buildServer();
  execFileSync('npm', ['run', 'build:ui', '--silent'], { cwd: new URL('../..', import.meta.url), stdio: 'inherit' });
}
