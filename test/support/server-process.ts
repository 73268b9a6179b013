import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const root = new URL('../..', import.meta.url).pathname;

/**
 * `npm start`'s command, run without npm in between, exactly as the Dockerfile runs it:
 * npm does not pass SIGTERM on to the server, so platforms must signal node itself.
 */
export const startCommand: string[] = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start.split(
  ' ',
);

/** `npm start` runs the compiled service, as the Dockerfile does; compile the current source first. */
export function buildServer(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
}

export interface ServerProcess {
  process: ChildProcess;
  baseUrl: string;
  logs: () => string;
}

/** A loopback port nothing listens on now (for a server to take, or to stand for one that is down). */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/**
 * Starts the service the way production does (or another Fastify server, such as the benchmark's,
 * with `command`), and waits for it to listen.
 */
export async function startServer(
  env: Record<string, string>,
  { command = startCommand, cwd = root }: { command?: string[]; cwd?: string } = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(command[0], command.slice(1), {
    cwd,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 30_000;
  while (!output.includes('Server listening')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { process: child, baseUrl: `http://127.0.0.1:${port}`, logs: () => output };
}
