import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { FastifySchema } from 'fastify';
import { securitySchemes } from './access-control.js';
import { registerHtmlSecurityHeaders } from './response-headers.js';

// Served from the installed redoc package, never a CDN: many deployments sit behind firewalls.
const redocBundlePath = createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js');

// The service's icon: a toggle switch, as SVG (browsers take an SVG favicon by its content type).
const icon =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="2" y="9" width="28" height="14" rx="7" ' +
  'fill="#2e7d32"/><circle cx="23" cy="16" r="5" fill="#fff"/></svg>';

// ReDoc's footer shows Redocly's logo from its CDN, which the docs' CSP blocks (and which this
// service never asks the internet for); the bundle is served with the service's icon in its place.
const REDOC_CDN_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';

const redocPage = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Feature Flags Service – API reference</title>
    <link rel="icon" href="/favicon.ico" type="image/svg+xml" />
  </head>
  <body>
    <redoc spec-url="/docs/json"></redoc>
    <script src="/redoc/redoc.standalone.js"></script>
  </body>
</html>
`;

/** What each status means in this API, for responses whose schema does not say (else "Default Response"). */
const RESPONSE_DESCRIPTIONS: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted: stored durably',
  204: 'No Content',
  304: 'Not Modified: the ETag sent in If-None-Match still matches',
  400: 'Invalid request: problem details naming each invalid field',
  401: 'No API key, or an unknown or revoked one',
  403: 'The API key lacks the scope this route needs',
  404: 'Not found',
  409: 'Conflicts with the current state (a name taken, a flag or segment still in use, a cycle)',
  413: 'The body is larger than BODY_LIMIT_BYTES',
  415: 'The body is not JSON',
  429: 'Rate limit exceeded: retry after Retry-After seconds',
  503: 'The database cannot be reached',
};

type TransformedSchema = FastifySchema & {
  response?: Record<string, { description?: string }>;
  querystring?: { properties?: unknown; additionalProperties?: unknown };
};

/**
 * Response descriptions, and free-form query attributes (`?country=DE&plan=pro`) as the one object
 * parameter OpenAPI means by them (style form, exploded): @fastify/swagger would otherwise list the
 * record schema's own keywords ("type", "propertyNames"…) as parameters.
 */
const describedResponses: typeof jsonSchemaTransform = (input) => {
  const output = jsonSchemaTransform(input);
  const schema = output.schema as TransformedSchema;
  for (const [status, response] of Object.entries(schema.response ?? {})) {
    response.description ??= RESPONSE_DESCRIPTIONS[status];
  }
  const query = schema.querystring;
  if (query && query.properties === undefined && query.additionalProperties !== undefined) {
    schema.querystring = { type: 'object', properties: { attributes: query } } as TransformedSchema['querystring'];
  }
  return output;
};

type OpenApiDocument = ReturnType<typeof jsonSchemaTransformObject> & {
  components: { schemas: Record<string, unknown> };
};

/**
 * One component per schema. fastify-type-provider-zod emits every named schema twice, as read from
 * requests ("FlagInput") and as written in responses ("Flag"). Where the two are the same, or only one
 * of them is used, the document keeps one under the plain name; both stay only where they differ and
 * both are used (a request body with defaults that its response shows filled in).
 */
const without = (record: Record<string, unknown>, key: string) =>
  Object.fromEntries(Object.entries(record).filter(([k]) => k !== key));

const oneSchemaEach: typeof jsonSchemaTransformObject = (input) => {
  let doc = jsonSchemaTransformObject(input) as OpenApiDocument;
  const schemas = () => doc.components.schemas;
  const refTo = (name: string) => `"#/components/schemas/${name}"`;
  const text = () => JSON.stringify(doc);
  const uses = (name: string) => text().split(refTo(name)).length - 1;
  const rename = (from: string, to: string) => {
    const rest = without(schemas(), from);
    doc = JSON.parse(
      JSON.stringify({ ...doc, components: { ...doc.components, schemas: rest } }).replaceAll(refTo(from), refTo(to)),
    );
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const name of Object.keys(schemas()).filter((n) => n.endsWith('Input'))) {
      const plain = name.slice(0, -'Input'.length);
      const same =
        JSON.stringify(schemas()[name]).replaceAll(
          /"#\/components\/schemas\/(\w+)Input"/g,
          '"#/components/schemas/$1"',
        ) === JSON.stringify(schemas()[plain]);
      if (same || uses(plain) === 0) {
        if (!same) schemas()[plain] = schemas()[name];
        rename(name, plain);
        changed = true;
      } else if (uses(name) === 0) {
        doc.components.schemas = without(schemas(), name);
        changed = true;
      }
    }
  }
  return doc;
};

/** The OpenAPI document (built from the routes' zod schemas), Swagger UI at /docs and ReDoc at /redoc. */
export async function registerDocs(app: FastifyInstance, version: string): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Feature Flags Service',
        description:
          'Feature flags with deterministic percentage rollouts. Send an API key as `Authorization: Bearer ' +
          '<key>` or `X-API-Key` once any key exists. Errors are RFC 9457 problem details.',
        version,
      },
      tags: [
        { name: 'flags', description: 'Manage flags' },
        { name: 'evaluation', description: 'Which flags are on for a user' },
        { name: 'segments', description: 'Reusable sets of users for targeting rules' },
        { name: 'ofrep', description: 'OpenFeature Remote Evaluation Protocol, for OpenFeature SDKs' },
        { name: 'experiments', description: "A/B tests on flags' variants: exposures, events and results" },
        { name: 'api-keys', description: 'Who may call the API (admin keys only)' },
        {
          name: 'webhooks',
          description: 'Every change announced to your URLs, signed (Standard Webhooks), never lost',
        },
        { name: 'projects', description: 'Projects, environments, promotion and flags as code' },
        { name: 'commands', description: 'Configuration changes as data: the form change requests carry' },
        { name: 'audit', description: 'Who changed what (admin keys only)' },
        { name: 'health', description: 'For load balancers and platforms' },
      ],
      // Shown as Swagger UI's Authorize button; each protected route lists them (access-control.ts).
      components: { securitySchemes },
    },
    transform: describedResponses,
    transformObject: oneSchemaEach,
  });
  // The HTML pages and their assets get the full browser security headers; API responses need fewer.
  await app.register(async (pages) => {
    await registerHtmlSecurityHeaders(pages);
    await pages.register(fastifySwaggerUi, { routePrefix: '/docs' });

    let redocBundle: string | undefined;
    pages.get('/redoc', { schema: { hide: true } }, (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(redocPage),
    );
    pages.get('/redoc/redoc.standalone.js', { schema: { hide: true } }, async (_request, reply) => {
      redocBundle ??= (await readFile(redocBundlePath, 'utf8')).replaceAll(REDOC_CDN_LOGO, '/favicon.ico');
      return reply
        .type('application/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=86400')
        .send(redocBundle);
    });
    pages.get('/favicon.ico', { schema: { hide: true } }, (_request, reply) =>
      reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(icon),
    );
  });
}
