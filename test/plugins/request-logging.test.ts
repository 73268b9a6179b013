import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { lazyChildLoggerFactory, RequestLogController } from '../../src/plugins/request-logging.js';

async function linesLogged(level: 'info' | 'warn', routeLogLevel?: 'error'): Promise<Record<string, unknown>[]> {
  let output = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      output += chunk;
      done();
    },
  });
  const app = Fastify({ logger: { level, stream }, childLoggerFactory: lazyChildLoggerFactory });
  app.get('/', { logLevel: routeLogLevel }, async (request) => {
    request.log.debug('debug line');
    request.log.info('info line');
    request.log.error({ detail: 42 }, 'error line');
    request.log.child({ part: 'sub' }).warn('child line');
    return 'ok';
  });
  await app.inject({ method: 'GET', url: '/', headers: { 'x-request-id': 'r1' } });
  await app.close();
  return output
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('lazyChildLoggerFactory', () => {
  it('writes only enabled levels, each with the request id and its bindings', async () => {
    const lines = await linesLogged('warn');
    expect(lines.map((l) => l.msg)).toEqual(['error line', 'child line']);
    expect(lines[0]).toMatchObject({ level: 50, reqId: expect.any(String), detail: 42 });
    expect(lines[1]).toMatchObject({ level: 40, reqId: lines[0].reqId, part: 'sub' });
  });

  it('logs requests like the default factory when info is enabled', async () => {
    const messages = (await linesLogged('info')).map((l) => l.msg);
    expect(messages).toEqual(['incoming request', 'info line', 'error line', 'child line', 'request completed']);
  });

  it('honours a route-level log level', async () => {
    expect((await linesLogged('info', 'error')).map((l) => l.msg)).toEqual(['error line']);
  });
});

/** The messages a request's logger was asked to write at info, whether its level then dropped them. */
async function infoCallsFor(level: 'info' | 'warn', routeLogLevel?: 'info'): Promise<string[]> {
  const calls: string[] = [];
  const app = Fastify({
    logger: { level, stream: new Writable({ write: (_chunk, _encoding, done) => done() }) },
    logController: new RequestLogController(),
    childLoggerFactory: (logger, bindings, options) => {
      const child = logger.child(bindings, options);
      return new Proxy(child, {
        get: (target, key) =>
          key === 'info' ? (...args: unknown[]) => calls.push(String(args.at(-1))) : Reflect.get(target, key, target),
      }) as FastifyBaseLogger;
    },
  });
  app.get('/', { logLevel: routeLogLevel }, async () => 'ok');
  await app.inject({ method: 'GET', url: '/' });
  await app.close();
  return calls;
}

describe('RequestLogController', () => {
  it('does not even attempt the request lines where info is not written', async () => {
    expect(await infoCallsFor('warn')).toEqual([]);
  });

  it("writes Fastify's request lines where info is written, a route's own level included", async () => {
    expect(await infoCallsFor('info')).toEqual(['incoming request', 'request completed']);
    expect(await infoCallsFor('warn', 'info')).toEqual(['incoming request', 'request completed']);
  });
});
