import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, startCommand, startServer } from './support/server-process.js';

it('the Dockerfile starts the service with the same command as npm start', () => {
  const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[1];
  expect(JSON.parse(cmd ?? '[]')).toEqual(startCommand);
});

describe('the real server process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flags-server-'));
  let server: Awaited<ReturnType<typeof startServer>>;

  beforeAll(async () => {
    server = await startServer({ DATABASE_URL: `file:${join(dir, 'nested', 'flags.db')}` });
  }, 120_000);
  afterAll(() => {
    server?.process.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates its SQLite database, serves HTTP and logs JSON with request ids', async () => {
    const created = await fetch(`${server.baseUrl}/flags`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ flag_name: 'beta_search', status: true, rollout_percentage: 25 }),
    });
    expect(created.status).toBe(201);
    const evaluation = await fetch(`${server.baseUrl}/users/alice123/flags/beta_search`);
    expect(await evaluation.json()).toMatchObject({ enabled: false, bucket: 75.21 });
    expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
    expect((await fetch(`${server.baseUrl}/docs/`)).status).toBe(200);

    const lines = server
      .logs()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const completed = lines.find((l) => l.msg === 'request completed' && l.res?.statusCode === 201);
    expect(completed).toMatchObject({ level: 30, reqId: expect.any(String) });
    expect(lines.some((l) => l.migration === '20261127000000_create_flags')).toBe(true);
    // No key and no ADMIN_API_KEY: the service is open, and says so loudly at start.
    expect(lines.find((l) => /AUTHENTICATION IS DISABLED/.test(l.msg))).toMatchObject({ level: 40 });
  });

  it("logs no credential: a stream token in a URL, a webhook URL's password", async () => {
    const bulk = await fetch(`${server.baseUrl}/ofrep/v1/evaluate/flags`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ context: { targetingKey: 'alice123' } }),
    });
    const { eventStreams } = (await bulk.json()) as { eventStreams: { endpoint: { requestUri: string } }[] };
    const streamUrl = `${server.baseUrl}${eventStreams[0].endpoint.requestUri}`;
    const token = new URL(streamUrl).searchParams.get('token')!;
    expect(token.length).toBeGreaterThan(20);
    for (const url of [streamUrl, `${server.baseUrl}/stream?token=${encodeURIComponent(token)}`]) {
      const controller = new AbortController();
      expect((await fetch(url, { signal: controller.signal })).status).toBe(200);
      controller.abort();
    }
    // Refused (private network), with its password in the body: neither the answer nor the log shows it.
    const hook = await fetch(`${server.baseUrl}/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://ops:hunter2-secret@127.0.0.1:9/hook', events: ['*'] }),
    });
    expect(hook.status).toBe(400);
    expect(await hook.text()).not.toContain('hunter2-secret');
    await new Promise((r) => setTimeout(r, 200));

    const logs = server.logs();
    expect(logs).toContain('"url":"/ofrep/v1/event-stream?token=[REDACTED]"');
    expect(logs).toContain('"url":"/stream?token=[REDACTED]"');
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(encodeURIComponent(token));
    expect(logs).not.toContain('hunter2-secret');
  });

  it('on SIGTERM finishes the request in flight, stops accepting and exits 0', async () => {
    const { port } = new URL(server.baseUrl);
    const socket = new Socket();
    socket.connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    const body = JSON.stringify({ flag_name: 'in_flight', status: true });
    let response = '';
    socket.on('data', (chunk) => (response += chunk));
    // Headers and half the body: the request has started but cannot finish yet. Started means the
    // server has read its headers and logged it, however long that takes on a loaded machine.
    const started = () =>
      server
        .logs()
        .split('\n')
        .filter((line) => line.includes('"incoming request"') && line.includes('"method":"POST","url":"/flags"'))
        .length;
    const before = started();
    socket.write(
      `POST /flags HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await expect.poll(started, { timeout: 30_000 }).toBe(before + 1);

    const exited = once(server.process, 'exit');
    server.process.kill('SIGTERM');
    // New connections are refused while the in-flight request is still open (once the signal is handled).
    const connecting = () =>
      new Promise<string>((resolve) => {
        const probe = new Socket();
        probe.once('connect', () => (probe.destroy(), resolve('connected')));
        probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
        probe.connect(Number(port), '127.0.0.1');
      });
    await expect.poll(connecting, { timeout: 5_000 }).toBe('ECONNREFUSED');

    // The rest of the body, the socket kept open for the answer as clients do (a client that half-closes
    // its side while the server is closing is dropped by Node's HTTP server before it can answer).
    socket.write(body.slice(10));
    await expect.poll(() => response, { timeout: 30_000 }).toMatch(/^HTTP\/1\.1 201/);
    socket.end();
    const [code] = await exited;
    expect(code, server.logs().slice(-3000)).toBe(0);
    expect(server.logs()).toContain('shutting down');
  });
});

describe('where the server listens', () => {
  it('warns at start when it listens beyond loopback with authentication off, and not on loopback', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flags-open-'));
    const lines = async (env: Record<string, string>) => {
      const server = await startServer({ DATABASE_URL: `file:${join(dir, 'flags.db')}`, ...env });
      server.process.kill('SIGKILL');
      return server
        .logs()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { level: number; msg: string });
    };
    try {
      const open = await lines({ HOST: '0.0.0.0' });
      expect(open.find((l) => l.msg.startsWith('OPEN TO THE NETWORK: HOST=0.0.0.0'))).toMatchObject({ level: 40 });
      const local = await lines({ HOST: '127.0.0.1' });
      expect(local.some((l) => l.msg.startsWith('OPEN TO THE NETWORK'))).toBe(false);
      expect(local.some((l) => l.msg.startsWith('AUTHENTICATION IS DISABLED'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('deployment files', () => {
  const read = (file: string) => readFileSync(join(root, file), 'utf8');

  it('point every platform at /health/ready and at the start command the tests run, listening on 0.0.0.0', () => {
    // The service listens on loopback unless told otherwise; platforms reach it from outside.
    const onEveryInterface = `env HOST=0.0.0.0 ${startCommand.join(' ')}`;
    const railway = JSON.parse(read('railway.json'));
    expect(railway.deploy.healthcheckPath).toBe('/health/ready');
    expect(railway.deploy.startCommand).toBe(onEveryInterface);
    expect(read('render.yaml')).toMatch(/healthCheckPath: \/health\/ready\n/);
    expect(read('render.yaml')).toContain(`startCommand: ${startCommand.join(' ')}\n`);
    expect(read('render.yaml')).toMatch(/- key: HOST\n\s+value: 0\.0\.0\.0\n/);
    // Render generates the admin key, so a deploy from the Blueprint is never open to anyone.
    expect(read('render.yaml')).toMatch(/- key: ADMIN_API_KEY\n\s+generateValue: true\n/);
    // node itself, not npm start: npm does not pass SIGTERM on, and a killed npm leaves node serving.
    expect(read('Procfile').trim()).toBe(`web: ${onEveryInterface}`);
    expect(read('Dockerfile')).toMatch(/^ {4}HOST=0\.0\.0\.0 \\$/m);
    expect(read('Dockerfile')).toMatch(/HEALTHCHECK[\s\S]*\/health\/ready/);
  });

  // npm 12 skips the install scripts of dependencies that package.json's allowScripts does not
  // name, and without better-sqlite3's the service cannot open SQLite. The root's own always runs.
  it('every dependency with an install script is allowed or denied in allowScripts', () => {
    const { allowScripts } = JSON.parse(read('package.json'));
    const lock = JSON.parse(read('package-lock.json'));
    const withScripts = Object.entries(lock.packages as Record<string, { hasInstallScript?: boolean }>)
      .filter(([path, entry]) => path !== '' && entry.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts).toContain('better-sqlite3');
    expect(allowScripts['better-sqlite3']).toBe(true);
    for (const name of withScripts) expect(Object.keys(allowScripts), name).toContain(name);
  });

  // npm 10, in the image, runs every install script; @prisma/engines' would download an engine.
  it('the Docker build names an existing schema-engine file, so its npm ci downloads no engine', () => {
    const dockerfile = read('Dockerfile');
    const named = /^ENV PRISMA_SCHEMA_ENGINE_BINARY=\/app\/(\S+)$/m.exec(dockerfile)?.[1];
    expect(named).toBeDefined();
    expect(dockerfile.indexOf(`COPY prisma ./prisma`)).toBeLessThan(dockerfile.indexOf('RUN npm ci'));
    expect(dockerfile.indexOf('ENV PRISMA_SCHEMA_ENGINE_BINARY')).toBeLessThan(dockerfile.indexOf('RUN npm ci'));
    const install = spawnSync('node', ['scripts/postinstall.js'], {
      cwd: join(root, 'node_modules/@prisma/engines'),
      env: { ...process.env, DEBUG: 'prisma:fetch-engine:*', PRISMA_SCHEMA_ENGINE_BINARY: join(root, named!) },
      encoding: 'utf8',
    });
    expect(install.stderr).toContain('Using env var PRISMA_SCHEMA_ENGINE_BINARY');
    expect(install.stderr).not.toContain('downloaded');
  });

  // npm ci fails on a workspace whose folder is missing, and postinstall builds the provider from it.
  it('the Docker build copies every npm workspace before its npm ci', () => {
    const dockerfile = read('Dockerfile');
    const { workspaces } = JSON.parse(read('package.json')) as { workspaces: string[] };
    expect(workspaces.length).toBeGreaterThan(0);
    for (const workspace of workspaces) {
      const top = workspace.split('/')[0];
      const copied = dockerfile.indexOf(`COPY ${top} ./${top}`);
      expect(copied, workspace).toBeGreaterThan(0);
      expect(copied).toBeLessThan(dockerfile.indexOf('RUN npm ci'));
    }
  });

  it('.env.example documents every variable the config reads', () => {
    const documented = [...read('.env.example').matchAll(/^#? ?([A-Z_]+)=/gm)].map((m) => m[1]);
    const configured = [...read('src/config.ts').matchAll(/^ {2}([A-Z_]+): z\./gm)].map((m) => m[1]);
    expect(configured.length).toBeGreaterThan(5);
    for (const name of configured) expect(documented, name).toContain(name);
  });
});
