import { STATUS_CODES } from 'node:http';
import { createServer, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers.js';
import { ManualClock } from '../support/manual-clock.js';
import { useTestApp } from '../support/test-app.js';

// Rate limits, metrics and headers do not depend on the database; SQLite keeps these suites quick.
// The clock stands still unless a test moves it, so a rate-limit window never ends mid-test.
const useApp = (env: Record<string, string>, clock = new ManualClock()) => useTestApp(backends[0], { env, clock });

describe('rate limits', () => {
  const app = useApp({ RATE_LIMIT_EVALUATIONS: '5', RATE_LIMIT_WRITES: '3' });

  it('answers 429 problem details with Retry-After and RateLimit-* headers once a caller exceeds the write limit', async () => {
    const write = (i: number) =>
      app().inject({ method: 'POST', url: '/flags', payload: { flag_name: `limited_${i}` } });
    for (let i = 1; i <= 3; i++) {
      const res = await write(i);
      expect(res.statusCode).toBe(201);
      expect(res.headers['ratelimit-limit']).toBe('3');
      expect(res.headers['ratelimit-remaining']).toBe(String(3 - i));
    }
    const refused = await write(4);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json()).toMatchObject({ status: 429, title: 'Too Many Requests' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    // Refused means not done.
    expect((await app().inject({ method: 'GET', url: '/flags/limited_4' })).statusCode).toBe(404);
  });

  it('counts evaluations separately from writes, and shows their budget only once it has run out', async () => {
    const responses = [];
    for (let i = 0; i < 6; i++) responses.push(await app().inject({ method: 'GET', url: '/users/u1/flags' }));
    // Two reads above (GET /flags/limited_4 and this loop) share the evaluation limit of 5.
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 429, 429]);
    expect(responses[0].headers['ratelimit-remaining']).toBeUndefined();
    expect(responses[4].headers).toMatchObject({ 'ratelimit-limit': '5', 'ratelimit-remaining': '0' });
    expect(Number(responses[4].headers['retry-after'])).toBeGreaterThan(0);
  });

  it('leaves health, docs and metrics unlimited', async () => {
    for (let i = 0; i < 8; i++) expect((await app().inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    expect((await app().inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
  });
});

describe('rate limits while Redis is unreachable', () => {
  const app = useApp({ REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_EVALUATIONS: '1' });

  it('keeps serving, without limits, rather than refusing or failing', async () => {
    for (let i = 0; i < 3; i++)
      expect((await app().inject({ method: 'GET', url: '/users/u1/flags' })).statusCode).toBe(200);
  });

  it('says so: /health answers 503 "degraded" for monitoring, /health/ready stays 200, and a metric shows it', async () => {
    const health = await app().inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({ status: 'degraded', database: 'ok', rate_limits: 'redis-unreachable' });
    expect((await app().inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    const metrics = (await app().inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^feature_flags_rate_limits_enforced 0$/m);
  });
});

describe('rate limits while Redis is unreachable, with RATE_LIMIT_ON_REDIS_FAILURE=closed', () => {
  const app = useApp({
    REDIS_URL: 'redis://127.0.0.1:1',
    RATE_LIMIT_EVALUATIONS: '1',
    RATE_LIMIT_ON_REDIS_FAILURE: 'closed',
  });

  it('refuses limited requests with 503 and Retry-After, and still answers health checks', async () => {
    const refused = await app().inject({ method: 'GET', url: '/users/u1/flags' });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.json().detail).toMatch(/Rate limits cannot be counted/);
    expect((await app().inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
  });
});

describe('health of a service with rate limits in memory', () => {
  const app = useApp({});

  it('reports them counted', async () => {
    const health = await app().inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ status: 'ok', rate_limits: 'memory' });
    expect((await app().inject({ method: 'GET', url: '/metrics' })).body).toMatch(
      /^feature_flags_rate_limits_enforced 1$/m,
    );
    expect((await app().inject({ method: 'GET', url: '/health/ready' })).json()).toEqual({
      status: 'ok',
      snapshot_age_seconds: 0,
    });
  });
});

describe('rate limits while Redis stops answering', () => {
  // Connects and passes ioredis' ready check, then leaves every command unanswered: a stalled Redis.
  const info = 'redis_version:7.0.0\r\nloading:0\r\n';
  const stalled = createServer((socket) =>
    socket.on('data', (data) => {
      if (/info/i.test(data.toString())) socket.write(`$${info.length}\r\n${info}\r\n`);
    }),
  );
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    port = (stalled.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => stalled.close(() => resolve())));
  const app = useTestApp(backends[0], {
    env: () => ({ RATE_LIMIT_EVALUATIONS: '1', REDIS_URL: `redis://127.0.0.1:${port}` }),
  });

  it('answers within a fraction of a second, without limits', async () => {
    for (let i = 0; i < 2; i++) {
      const started = performance.now();
      expect((await app().inject({ method: 'GET', url: '/users/u1/flags' })).statusCode).toBe(200);
      expect(performance.now() - started).toBeLessThan(500);
    }
  });
});

describe('rate limits per API key', () => {
  const app = useApp({ RATE_LIMIT_EVALUATIONS: '3', ADMIN_API_KEY: 'env-admin-key-0123456789-0123456789abcdef' });

  it('gives every key its own budget', async () => {
    const admin = { authorization: 'Bearer env-admin-key-0123456789-0123456789abcdef' };
    const created = await app().inject({
      method: 'POST',
      url: '/api-keys',
      headers: admin,
      payload: { name: 'app', scope: 'evaluate' },
    });
    const other = { authorization: `Bearer ${created.json().secret}` };
    const evaluate = (headers: Record<string, string>) =>
      app().inject({ method: 'GET', url: '/users/u1/flags', headers });
    for (let i = 0; i < 3; i++) expect((await evaluate(admin)).statusCode).toBe(200);
    expect((await evaluate(admin)).statusCode).toBe(429);
    expect((await evaluate(other)).statusCode).toBe(200);
  });
});

/** Prometheus text format → { 'name{labels}': value }. */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const split = line.lastIndexOf(' ');
    samples.set(line.slice(0, split), Number(line.slice(split + 1)));
  }
  return samples;
}

describe('GET /metrics', () => {
  const clock = new ManualClock();
  const app = useApp({ METRICS_TOKEN: 'metrics-token-0123456789', SNAPSHOT_POLL_MS: '50' }, clock);
  const scrape = async () => {
    const res = await app().inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer metrics-token-0123456789' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseMetrics(res.body);
  };

  it('requires METRICS_TOKEN when one is set', async () => {
    expect((await app().inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect(
      (
        await app().inject({
          method: 'GET',
          url: '/metrics',
          headers: { authorization: 'Bearer wrong-token-0123456789' },
        })
      ).statusCode,
    ).toBe(401);
  });

  it(
    'counts requests by route and status, latencies, evaluations by flag and result, and reports the snapshot and ' +
      'database',
    async () => {
      await app().inject({
        method: 'POST',
        url: '/flags',
        payload: { flag_name: 'half', status: true, rollout_percentage: 50 },
      });
      const before = await scrape();
      const route = 'method="GET",route="/users/:user_id/flags/:flag_name",status_code="200"';
      const evaluated = { on: 0, off: 0 };
      for (let i = 0; i < 20; i++) {
        const res = await app().inject({ method: 'GET', url: `/users/user${i}/flags/half` });
        evaluated[res.json().enabled ? 'on' : 'off']++;
      }
      await app().inject({ method: 'GET', url: '/users/u1/flags/nope' });
      const after = await scrape();

      const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
      expect(delta(`feature_flags_http_requests_total{${route}}`)).toBe(20);
      expect(delta(`feature_flags_http_request_duration_seconds_count{${route}}`)).toBe(20);
      expect(delta(`feature_flags_http_request_duration_seconds_bucket{le="+Inf",${route}}`)).toBe(20);
      expect(
        delta(
          'feature_flags_http_requests_total{method="GET",route="/users/:user_id/flags/:flag_name",status_code="404"}',
        ),
      ).toBe(1);
      expect(evaluated.on).toBeGreaterThan(0);
      expect(evaluated.off).toBeGreaterThan(0);
      expect(
        delta('feature_flags_evaluations_total{project="default",environment="production",flag="half",result="on"}'),
      ).toBe(evaluated.on);
      expect(
        delta('feature_flags_evaluations_total{project="default",environment="production",flag="half",result="off"}'),
      ).toBe(evaluated.off);
      expect(after.get('feature_flags_snapshot_age_seconds')).toBe(0);
      await clock.advance(30);
      expect((await scrape()).get('feature_flags_snapshot_age_seconds')).toBe(0.03);
      // The create above bumped the database revision (a definition and two environments' configurations, after
      // the one bump of the migration to projects); the next poll reloads at it, and confirms the snapshot.
      await clock.advance(20);
      const polled = await scrape();
      expect(polled.get('feature_flags_snapshot_revision')).toBe(4);
      expect(polled.get('feature_flags_snapshot_age_seconds')).toBe(0);
      expect(after.get('feature_flags_database_up')).toBe(1);
      expect(after.get('feature_flags_auth_enabled')).toBe(0);
      expect(after.get('process_resident_memory_bytes')).toBeGreaterThan(0);
    },
  );
});

describe('GET /metrics once API keys are in use, without METRICS_TOKEN', () => {
  const admin = 'metrics-admin-key-0123456789-0123456789abcdef';
  const app = useApp({ ADMIN_API_KEY: admin });

  const scrape = (headers: Record<string, string> = {}) => app().inject({ method: 'GET', url: '/metrics', headers });

  it('needs an admin key: the metrics name every flag', async () => {
    expect((await scrape()).statusCode).toBe(401);
    const key = await app().inject({
      method: 'POST',
      url: '/api-keys',
      headers: { authorization: `Bearer ${admin}` },
      payload: { name: 'sdk', scope: 'evaluate' },
    });
    expect((await scrape({ authorization: `Bearer ${key.json().secret}` })).statusCode).toBe(403);
    const allowed = await scrape({ authorization: `Bearer ${admin}` });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.body).toContain('feature_flags_http_requests_total');
  });

  it("refuses an admin key bound to one project: the metrics name every project's flags", async () => {
    const headers = { authorization: `Bearer ${admin}` };
    await app().inject({ method: 'POST', url: '/projects', headers, payload: { key: 'proj-b', name: 'B' } });
    await app().inject({
      method: 'POST',
      url: '/projects/proj-b/flags',
      headers,
      payload: { flag_name: 'b_secret_flag' },
    });
    const evaluated = await app().inject({
      method: 'GET',
      url: '/projects/proj-b/environments/production/users/u1/flags/b_secret_flag',
      headers,
    });
    expect(evaluated.statusCode).toBe(200);
    const bound = await app().inject({
      method: 'POST',
      url: '/api-keys',
      headers,
      payload: { name: 'project admin', scope: 'admin', project: 'default' },
    });
    expect(bound.statusCode, bound.body).toBe(201);
    const refused = await scrape({ authorization: `Bearer ${bound.json().secret}` });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json().detail).toMatch(/lacks the permission "metrics\.read"/);
    expect(refused.body).not.toContain('b_secret_flag');
    expect((await scrape(headers)).body).toContain('b_secret_flag');
  });
});

describe('security headers and request ids', () => {
  const app = useApp({});

  it("sends helmet's headers, with a CSP that lets the docs run, on the docs pages", async () => {
    for (const url of ['/docs/', '/docs/json', '/redoc', '/redoc/redoc.standalone.js']) {
      const res = await app().inject({ method: 'GET', url });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toBeUndefined();
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(res.headers['content-security-policy']).toMatch(/^default-src 'self';/);
      expect(res.headers['content-security-policy']).toMatch(/script-src 'self';/);
      expect(res.headers['content-security-policy']).toMatch(/worker-src 'self' blob:/);
    }
  });

  it('sends the OWASP API headers on JSON responses, errors included', async () => {
    for (const url of ['/flags', '/users/u1/flags', '/flags/missing', '/no-such-route', '/health']) {
      const res = await app().inject({ method: 'GET', url });
      expect(res.headers['content-security-policy'], url).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('sends Strict-Transport-Security only to clients that came over HTTPS, as RFC 6797 requires', async () => {
    const hsts = async (url: string, proto?: string) =>
      (await app().inject({ method: 'GET', url, headers: proto === undefined ? {} : { 'x-forwarded-proto': proto } }))
        .headers['strict-transport-security'];
    for (const url of ['/flags', '/no-such-route', '/health', '/docs/', '/redoc']) {
      expect(await hsts(url, 'https'), url).toBe('max-age=31536000; includeSubDomains');
      // Proxies in a chain append their own hop; the client's is the first.
      expect(await hsts(url, 'https, http'), url).toBe('max-age=31536000; includeSubDomains');
      expect(await hsts(url, 'http'), url).toBeUndefined();
      expect(await hsts(url, 'http, https'), url).toBeUndefined();
      expect(await hsts(url), url).toBeUndefined();
    }
  });

  it('answers paths Fastify rejects before routing as problem details, with the same headers, and counts them', async () => {
    const scrape = async () => parseMetrics((await app().inject({ method: 'GET', url: '/metrics' })).body);
    const before = await scrape();
    const badEncoding = await app().inject({ method: 'GET', url: '/users/%ZZ/flags/beta' });
    const tooLong = await app().inject({ method: 'GET', url: `/users/${'a'.repeat(5000)}/flags/beta` });
    const after = await scrape();
    for (const status of [400, 414]) {
      const series = `feature_flags_http_requests_total{method="GET",route="unmatched",status_code="${status}"}`;
      expect((after.get(series) ?? 0) - (before.get(series) ?? 0), series).toBe(1);
    }
    for (const [res, status, title] of [
      [badEncoding, 400, 'Bad Request'],
      [tooLong, 414, 'URI Too Long'],
    ] as const) {
      expect(res.statusCode).toBe(status);
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(res.json()).toMatchObject({
        status,
        title,
        type: `/problems/${title.toLowerCase().replaceAll(' ', '-')}`,
        request_id: res.headers['x-request-id'],
      });
      expect(res.json().detail).not.toContain('aaaa');
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers['access-control-allow-origin']).toBe('*');
    }
    expect(badEncoding.json().instance).toBe('/users/%ZZ/flags/beta');
  });

  it('returns the request id in a header and in every problem body, keeping one the caller sent', async () => {
    const res = await app().inject({ method: 'GET', url: '/flags/missing' });
    expect(res.headers['x-request-id']).toBeTruthy();
    expect(res.json().request_id).toBe(res.headers['x-request-id']);
    const traced = await app().inject({
      method: 'GET',
      url: '/flags/missing',
      headers: { 'x-request-id': 'trace-abc-123' },
    });
    expect(traced.headers['x-request-id']).toBe('trace-abc-123');
    expect(traced.json().request_id).toBe('trace-abc-123');
  });

  it('replaces a request id that is too long or not printable ASCII with its own, and never repeats its own', async () => {
    for (const given of ['x'.repeat(129), 'has space', 'line\tbreak', 'ünï']) {
      const res = await app().inject({ method: 'GET', url: '/flags/missing', headers: { 'x-request-id': given } });
      expect(res.headers['x-request-id'], given).not.toBe(given);
      expect(res.json().request_id).toBe(res.headers['x-request-id']);
    }
    const longest = 'a'.repeat(128);
    expect(
      (await app().inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': longest } })).headers[
        'x-request-id'
      ],
    ).toBe(longest);
    const ids = await Promise.all(
      Array.from(
        { length: 20 },
        async () => (await app().inject({ method: 'GET', url: '/health/live' })).headers['x-request-id'],
      ),
    );
    expect(new Set(ids).size).toBe(20);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
  });
});

/** Sends raw bytes to a listening app and reads until the server closes the connection. */
async function exchange(app: FastifyInstance, request: string): Promise<{ response: string; seconds: number }> {
  const socket = new Socket().connect((app.server.address() as AddressInfo).port, '127.0.0.1');
  let response = '';
  socket.on('data', (chunk) => (response += chunk));
  socket.on('error', () => undefined);
  const sent = performance.now();
  socket.write(request);
  await new Promise((resolve) => socket.on('close', resolve));
  return { response, seconds: (performance.now() - sent) / 1000 };
}

describe('requests Node would answer itself, or drop', () => {
  const app = useApp({});
  beforeAll(async () => {
    await app().listen({ port: 0, host: '127.0.0.1' });
  });
  const bodyOf = (response: string) => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));

  it('answers Expect other than 100-continue with 417 problem details and the usual headers', async () => {
    const { response } = await exchange(
      app(),
      'GET /flags HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nConnection: close\r\n\r\n',
    );
    expect(response).toMatch(/^HTTP\/1\.1 417 /);
    expect(response).toMatch(/\r\ncontent-type: application\/problem\+json/i);
    expect(response).toMatch(/\r\nx-content-type-options: nosniff/i);
    expect(bodyOf(response)).toMatchObject({
      status: 417,
      title: 'Expectation Failed',
      detail: 'Expect: something-else is not supported; only 100-continue is',
    });
  });

  it('answers CONNECT with 405 problem details naming the allowed methods, instead of closing without a word', async () => {
    const { response } = await exchange(app(), 'CONNECT /flags HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(response).toMatch(/^HTTP\/1\.1 405 /);
    expect(response).toMatch(/\r\nallow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\n/);
    expect(bodyOf(response)).toMatchObject({ status: 405, detail: 'CONNECT is not supported: this is not a proxy' });
  });
});

describe('malformed HTTP', () => {
  const app = useApp({});
  beforeAll(async () => {
    await app().listen({ port: 0, host: '127.0.0.1' });
  });

  it('answers what Node rejects before a request exists as problem details, then closes the connection', async () => {
    const cases = [
      [`GET /flags HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
      ['NOT HTTP AT ALL\r\n\r\n', 400],
    ] as const;
    for (const [request, status] of cases) {
      const [head, body] = (await exchange(app(), request)).response.split('\r\n\r\n');
      expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n`));
      expect(head).toContain('content-type: application/problem+json; charset=utf-8');
      expect(head).toContain("content-security-policy: default-src 'none'; frame-ancestors 'none'");
      expect(head).toContain('connection: close');
      expect(JSON.parse(body)).toMatchObject({
        status,
        title: STATUS_CODES[status],
        type: expect.stringMatching(/^\/problems\//),
        detail: expect.any(String),
      });
    }
    // Counted, though Node could not say which method they were.
    const metrics = parseMetrics((await app().inject({ method: 'GET', url: '/metrics' })).body);
    for (const [, status] of cases)
      expect(
        metrics.get(`feature_flags_http_requests_total{method="UNKNOWN",route="unmatched",status_code="${status}"}`),
        String(status),
      ).toBe(1);
  });

  it('refuses HTTP/1.1 without Host as problem details (RFC 9112), and serves HTTP/1.0 without it', async () => {
    const [head, body] = (
      await exchange(app(), 'GET /health/live HTTP/1.1\r\nConnection: close\r\n\r\n')
    ).response.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1.1 400 Bad Request\r\n/);
    expect(head).toContain('content-type: application/problem+json; charset=utf-8');
    expect(head).toContain("content-security-policy: default-src 'none'; frame-ancestors 'none'");
    const requestId = /\r\nx-request-id: (\S+)/.exec(head)?.[1];
    expect(JSON.parse(body)).toEqual({
      type: '/problems/bad-request',
      title: 'Bad Request',
      status: 400,
      detail: 'An HTTP/1.1 request must carry a Host header',
      instance: '/health/live',
      request_id: requestId,
    });
    expect((await exchange(app(), 'GET /health/live HTTP/1.0\r\n\r\n')).response).toMatch(/^HTTP\/1.1 200 OK\r\n/);
  });
});

describe('timeouts', () => {
  const app = useApp({ REQUEST_TIMEOUT_MS: '5000', CONNECTION_TIMEOUT_MS: '120000', KEEP_ALIVE_TIMEOUT_MS: '65000' });

  it('come from the environment', () => {
    expect(app().server.requestTimeout).toBe(5000);
    expect(app().server.timeout).toBe(120000);
    expect(app().server.keepAliveTimeout).toBe(65000);
  });
});

describe('a request slower than REQUEST_TIMEOUT_MS', () => {
  const app = useApp({ REQUEST_TIMEOUT_MS: '1000' });
  beforeAll(async () => {
    await app().listen({ port: 0, host: '127.0.0.1' });
  });

  it('gets 408 problem details within a second or two, whether its headers or its body are late', async () => {
    const late = [
      'POST /flags HTTP/1.1\r\nHost: x\r\n',
      'POST /flags HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"flag_name"',
    ];
    const results = await Promise.all(late.map((partial) => exchange(app(), partial)));
    for (const { response, seconds } of results) {
      expect(response).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
      expect(JSON.parse(response.split('\r\n\r\n')[1])).toMatchObject({ status: 408, title: 'Request Timeout' });
      expect(seconds).toBeGreaterThanOrEqual(1);
      expect(seconds).toBeLessThan(5);
    }
    expect((await app().inject({ method: 'GET', url: '/flags' })).json()).toEqual([]);
  });
});

describe('failed authentications', () => {
  const admin = 'guarded-admin-key-0123456789-0123456789abcdef';
  const app = useApp({ ADMIN_API_KEY: admin, RATE_LIMIT_FAILED_AUTH: '3' });
  const call = (authorization: string, remoteAddress = '203.0.113.7') =>
    app().inject({ method: 'GET', url: '/flags', headers: { authorization }, remoteAddress });

  it('are counted per address: past the budget, that address gets 429 with Retry-After, even with a good key', async () => {
    for (let i = 0; i < 3; i++) expect((await call(`Bearer wrong-${i}`)).statusCode).toBe(401);
    const refused = await call('Bearer wrong-3');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json().detail).toMatch(/^Too many failed authentications from this address/);
    // Refused before any key is checked: a right guess from there learns nothing either.
    expect((await call(`Bearer ${admin}`)).statusCode).toBe(429);
    // Other addresses are not affected, and neither is a key this instance has verified before.
    expect((await call(`Bearer ${admin}`, '198.51.100.1')).statusCode).toBe(200);
    expect((await call(`Bearer ${admin}`)).statusCode).toBe(200);
  });
});

describe('the client address behind proxies (TRUST_PROXY)', () => {
  const admin = 'proxied-admin-key-0123456789-0123456789abcdef';
  // Two hops in front, as a CDN and a platform's router: the client is the address before them.
  const behindProxies = useApp({ ADMIN_API_KEY: admin, RATE_LIMIT_FAILED_AUTH: '2', TRUST_PROXY: '2' });
  const direct = useApp({ ADMIN_API_KEY: admin, RATE_LIMIT_FAILED_AUTH: '2' });
  const wrongKey = (app: typeof direct, forwardedFor: string) =>
    app().inject({
      method: 'GET',
      url: '/flags',
      headers: { authorization: 'Bearer wrong', 'x-forwarded-for': forwardedFor },
      remoteAddress: '10.0.0.5',
    });

  it('counts failed authentications per client, not per proxy, when the proxies are trusted', async () => {
    // "203.0.113.9, 198.51.100.2": the client, then the first proxy; 10.0.0.5 (the socket) is the second.
    for (let i = 0; i < 2; i++)
      expect((await wrongKey(behindProxies, '203.0.113.9, 198.51.100.2')).statusCode).toBe(401);
    expect((await wrongKey(behindProxies, '203.0.113.9, 198.51.100.2')).statusCode).toBe(429);
    // Another client behind the same proxies keeps its own budget.
    expect((await wrongKey(behindProxies, '203.0.113.10, 198.51.100.2')).statusCode).toBe(401);
    // A client cannot pose as another by adding addresses in front: only two hops are trusted.
    expect((await wrongKey(behindProxies, '192.0.2.1, 203.0.113.9, 198.51.100.2')).statusCode).toBe(429);
  });

  it('ignores X-Forwarded-For without TRUST_PROXY: a client cannot choose its address', async () => {
    for (let i = 0; i < 2; i++) expect((await wrongKey(direct, `203.0.113.${i}`)).statusCode).toBe(401);
    expect((await wrongKey(direct, '203.0.113.99')).statusCode).toBe(429);
  });
});
