import { buildServer } from './server-process.js';

import { execFileSync } from 'node:child_process';

// Real-process tests run the compiled service, the browser tests the built dashboard, and the
// provider's tests the package as it would be published: all are built from the current source once,
// before any file runs.
export function setup(): void {
  buildServer();
  const cwd = new URL('../..', import.meta.url);
  execFileSync('npm', ['run', 'build:ui', '--silent'], { cwd, stdio: 'inherit' });
  execFileSync('npm', ['run', 'build:provider', '--silent'], { cwd, stdio: 'inherit' });
}
