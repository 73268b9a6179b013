import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { version } from '../../src/app.js';
import { buildTestApp, createSqliteDatabase, type TestDatabase } from '../helpers.js';

describe('health, docs and CORS', () => {
  let database: TestDatabase;
  let app: FastifyInstance;

  beforeAll(async () => {
    database = await createSqliteDatabase();
    app = await buildTestApp(database, { CORS_ORIGINS: 'https://app.example.com, https://admin.example.com' });
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  it('reports health after a database round trip', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ status: 'ok', database: 'ok', version, auth: 'disabled' });
    expect(body.uptime_seconds).toBeGreaterThanOrEqual(0);
  });

  it('publishes an OpenAPI 3 document describing every route with schemas', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/accounts',
      '/accounts/{id}',
      '/accounts/{id}/invitation',
      '/accounts/{id}/password-reset',
      '/api-keys',
      '/api-keys/{id}',
      '/audit',
      '/auth/invitations/accept',
      '/auth/login',
      '/auth/logout',
      '/auth/me',
      '/auth/sessions',
      '/auth/sessions/{id}',
      '/auth/setup',
      '/auth/tokens',
      '/auth/tokens/{id}',
      '/commands',
      '/config',
      '/evaluate',
      '/evaluate/{flag_name}',
      '/events',
      '/events/export',
      '/experiments',
      '/experiments/{key}',
      '/experiments/{key}/exposures/export',
      '/experiments/{key}/results',
      '/experiments/{key}/start',
      '/experiments/{key}/stop',
      '/flags',
      '/flags/{flag_name}',
      '/flags/{flag_name}/history',
      '/flags/{flag_name}/schedules',
      '/flags/{flag_name}/schedules/{schedule_id}',
      '/health',
      '/health/live',
      '/health/ready',
      '/ofrep/v1/evaluate/flags',
      '/ofrep/v1/evaluate/flags/{key}',
      '/ofrep/v1/event-stream',
      '/projects',
      '/projects/{project}',
      '/projects/{project}/environments',
      '/projects/{project}/environments/{environment}',
      '/projects/{project}/environments/{environment}/config',
      '/projects/{project}/environments/{environment}/evaluate',
      '/projects/{project}/environments/{environment}/evaluate/{flag_name}',
      '/projects/{project}/environments/{environment}/events',
      '/projects/{project}/environments/{environment}/events/export',
      '/projects/{project}/environments/{environment}/experiments',
      '/projects/{project}/environments/{environment}/experiments/{key}',
      '/projects/{project}/environments/{environment}/experiments/{key}/exposures/export',
      '/projects/{project}/environments/{environment}/experiments/{key}/results',
      '/projects/{project}/environments/{environment}/experiments/{key}/start',
      '/projects/{project}/environments/{environment}/experiments/{key}/stop',
      '/projects/{project}/environments/{environment}/flags',
      '/projects/{project}/environments/{environment}/flags/{flag_name}',
      '/projects/{project}/environments/{environment}/flags/{flag_name}/impact',
      '/projects/{project}/environments/{environment}/flags/{flag_name}/schedules',
      '/projects/{project}/environments/{environment}/flags/{flag_name}/schedules/{schedule_id}',
      '/projects/{project}/environments/{environment}/ofrep/v1/evaluate/flags',
      '/projects/{project}/environments/{environment}/ofrep/v1/evaluate/flags/{key}',
      '/projects/{project}/environments/{environment}/ofrep/v1/event-stream',
      '/projects/{project}/environments/{environment}/promote',
      '/projects/{project}/environments/{environment}/stream',
      '/projects/{project}/environments/{environment}/users/{user_id}/flags',
      '/projects/{project}/environments/{environment}/users/{user_id}/flags/{flag_name}',
      '/projects/{project}/export',
      '/projects/{project}/flags',
      '/projects/{project}/flags/{flag_name}',
      '/projects/{project}/flags/{flag_name}/diff',
      '/projects/{project}/flags/{flag_name}/promote',
      '/projects/{project}/import',
      '/projects/{project}/members',
      '/projects/{project}/members/{account_id}',
      '/projects/{project}/segments',
      '/projects/{project}/segments/{segment_name}',
      '/roles',
      '/segments',
      '/segments/{segment_name}',
      '/stream',
      '/users/{user_id}/flags',
      '/users/{user_id}/flags/{flag_name}',
      '/webhooks',
      '/webhooks/{id}',
      '/webhooks/{id}/deliveries',
      '/webhooks/{id}/deliveries/{delivery}/retry',
      '/webhooks/{id}/ping',
    ]);
    expect(Object.keys(doc.paths['/flags/{flag_name}']).sort()).toEqual(['delete', 'get', 'patch', 'put']);
    // Free-form context attributes are one exploded object parameter, not the record schema's keywords.
    const queries = (path: string) =>
      (doc.paths[path].get.parameters as { in: string; name: string; schema: { type?: string } }[]).filter(
        (p) => p.in === 'query',
      );
    for (const path of ['/users/{user_id}/flags', '/users/{user_id}/flags/{flag_name}']) {
      expect(queries(path).map((p) => [p.name, p.schema.type])).toEqual([['attributes', 'object']]);
    }
    expect(doc.paths['/flags/{flag_name}'].patch.requestBody).toEqual(doc.paths['/flags/{flag_name}'].put.requestBody);
    expect(Object.keys(doc.paths['/segments/{segment_name}']).sort()).toEqual(['delete', 'get', 'patch', 'put']);
    const create = doc.paths['/flags'].post;
    const bodyRef: string = create.requestBody.content['application/json'].schema.$ref;
    const bodySchema = doc.components.schemas[bodyRef.split('/').pop()!];
    expect(Object.keys(bodySchema.properties).sort()).toEqual([
      'description',
      'flag_name',
      'kind',
      'off_variant',
      'overrides',
      'prerequisites',
      'rollout_percentage',
      'rules',
      'status',
      'tags',
      'value_type',
      'variants',
    ]);
    expect(bodySchema.properties.rollout_percentage).toMatchObject({ minimum: 0, maximum: 100 });
    expect(Object.keys(create.responses).sort()).toEqual([
      '201',
      '400',
      '401',
      '403',
      '404',
      '409',
      '413',
      '415',
      '429',
    ]);
    // Swagger UI's Authorize button, and which routes need it.
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiKeyHeader', 'bearerAuth', 'sessionCookie']);
    expect(create.security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }, { sessionCookie: [] }]);
    expect(doc.paths['/users/{user_id}/flags'].get.security).toHaveLength(3);
    // Every operation says what it needs (src/http/route-permissions.ts).
    expect(create['x-permission']).toBe('flag.write');
    expect(create.description).toMatch(/Needs the permission `flag.write`/);
    expect(doc.paths['/health'].get['x-permission']).toBe('public');
    expect(doc.paths['/health'].get.security).toBeUndefined();
    expect(doc.components.schemas.Problem).toBeDefined();
    expect(doc.components.schemas.Flag.example).toBeDefined();
  });

  it('describes every response by what it means, none as "Default Response"', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    const descriptions: string[] = [];
    for (const operations of Object.values<Record<string, { responses: Record<string, { description: string }> }>>(
      doc.paths,
    )) {
      for (const operation of Object.values(operations)) {
        for (const response of Object.values(operation.responses)) descriptions.push(response.description);
      }
    }
    expect(descriptions.length).toBeGreaterThan(100);
    expect(descriptions.filter((d) => !d || d === 'Default Response')).toEqual([]);
  });

  it('has only references that resolve within the document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    const refs = new Set<string>();
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (node !== null && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref') refs.add(value as string);
          else collect(value);
        }
      }
    };
    collect(doc);
    // A JSON Pointer within this document (RFC 6901), as Swagger UI and ReDoc resolve it.
    const resolve = (ref: string): unknown =>
      ref.startsWith('#/')
        ? ref
            .slice(2)
            .split('/')
            .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'))
            .reduce<unknown>((node, token) => (node as Record<string, unknown> | undefined)?.[token], doc)
        : undefined;
    expect(refs.size).toBeGreaterThan(10);
    expect([...refs].filter((ref) => resolve(ref) === undefined)).toEqual([]);
    // Any JSON, such as a variant's payload, is one named, self-referencing schema.
    expect(resolve('#/components/schemas/CreateFlag/properties/variants/items/properties/payload')).toMatchObject({
      $ref: '#/components/schemas/JsonValue',
    });
    // One component per schema: the request and response forms are merged where they are the same. Both stay
    // only where a document is read and written in different forms (the flags document: defaults when imported,
    // every field when exported).
    const inputs = Object.keys(doc.components.schemas).filter((name) => name.endsWith('Input'));
    expect(inputs.sort()).toEqual(['CreateSegmentInput', 'FlagsDocumentInput', 'OverrideInput', 'RuleInput']);
    for (const name of inputs) {
      expect(doc.components.schemas[name.slice(0, -'Input'.length)]).not.toEqual(doc.components.schemas[name]);
    }
  });

  it('serves Swagger UI and ReDoc from the installed packages, with no CDN', async () => {
    const swagger = await app.inject({ method: 'GET', url: '/docs/' });
    expect(swagger.statusCode).toBe(200);
    expect(swagger.body).toContain('swagger-ui');
    const redoc = await app.inject({ method: 'GET', url: '/redoc' });
    expect(redoc.statusCode).toBe(200);
    expect(redoc.body).toContain('spec-url="/docs/json"');
    for (const page of [swagger.body, redoc.body]) expect(page).not.toMatch(/(src|href)="https?:\/\//);
    const bundle = await app.inject({ method: 'GET', url: '/redoc/redoc.standalone.js' });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    expect(bundle.body.length).toBeGreaterThan(100_000);
    // Its footer's logo came from Redocly's CDN, which the CSP blocks: the service's icon instead.
    expect(bundle.body).not.toContain('cdn.redoc.ly');
    expect(bundle.body).toContain('"/favicon.ico"');
    const favicon = await app.inject({ method: 'GET', url: '/favicon.ico' });
    expect(favicon.statusCode).toBe(200);
    expect(favicon.headers['content-type']).toBe('image/svg+xml');
    expect(favicon.body).toMatch(/^<svg /);
    const uiScript = await app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    expect(uiScript.statusCode).toBe(200);
  });

  it('allows only the configured CORS origins', async () => {
    const allowed = await app.inject({
      method: 'GET',
      url: '/flags',
      headers: { origin: 'https://admin.example.com' },
    });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://admin.example.com');
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/flags',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const denied = await app.inject({ method: 'GET', url: '/flags', headers: { origin: 'https://evil.example.com' } });
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    // The answer depends on Origin, so shared caches must keep one per origin.
    for (const res of [allowed, denied]) expect(res.headers.vary).toBe('Origin');
  });

  it('lets an admin page on an allowed origin change and delete flags, and read ETag and the request id', async () => {
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/flags/some_flag',
      headers: {
        origin: 'https://admin.example.com',
        'access-control-request-method': 'DELETE',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(String(preflight.headers['access-control-allow-methods']).split(', ')).toEqual(
      expect.arrayContaining(['PUT', 'PATCH', 'DELETE']),
    );
    expect(preflight.headers['access-control-allow-headers']).toBe('authorization, content-type');
    expect(preflight.headers['access-control-max-age']).toBe('7200');
    const listed = await app.inject({ method: 'GET', url: '/flags', headers: { origin: 'https://admin.example.com' } });
    expect(String(listed.headers['access-control-expose-headers']).split(', ')).toEqual(
      expect.arrayContaining(['ETag', 'X-Request-Id', 'Retry-After']),
    );
    // Server-side callers send no Origin and get no CORS headers beyond the fixed ones.
    expect(
      (await app.inject({ method: 'GET', url: '/flags' })).headers['access-control-expose-headers'],
    ).toBeUndefined();
  });

  it('answers a plain OPTIONS, without Origin, with the allowed methods and no error', async () => {
    const res = await app.inject({ method: 'OPTIONS', url: '/flags' });
    expect(res.statusCode).toBe(204);
    expect(String(res.headers['access-control-allow-methods']).split(', ')).toEqual(
      expect.arrayContaining(['GET', 'POST', 'PATCH']),
    );
    expect(res.body).toBe('');
  });

  it('keeps a request id given by the caller', async () => {
    const res = await app.inject({ method: 'GET', url: '/flags/none', headers: { 'x-request-id': 'trace-42' } });
    expect(res.json().request_id).toBe('trace-42');
  });
});
