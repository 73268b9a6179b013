import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useTestServer } from './support/test-app.js';

const run = promisify(execFile);

interface Example {
  command: string;
  status: number;
  body: unknown;
}

/** Each ```bash block that runs curl, the "Response `NNN …`" line after it, and its ```json block, if any. */
function parseExamples(markdown: string): Example[] {
  const pattern = /```bash\n(curl [\s\S]*?)\n```\s*\nResponse `(\d{3})[^`]*`:?[ \t]*\n(?:\n```json\n([\s\S]*?)\n```)?/g;
  return [...markdown.matchAll(pattern)].map(([, command, status, body]) => ({
    command,
    status: Number(status),
    body: body === undefined ? undefined : JSON.parse(body),
  }));
}

// Values that change from run to run; the docs show real ones, the test checks their type.
const VOLATILE = new Set([
  'created_at',
  'updated_at',
  'uptime_seconds',
  'request_id',
  'at',
  'secret',
  'prefix',
  'started_at',
  'computed_at',
  'exposed_at',
  'timestamp',
  // A configuration's version: the database's revision counter, which background writes may move too.
  'revision',
  // Holds a stream token, which expires by the clock (docs/usage.md).
  'requestUri',
  // One-time links, and when people were last seen.
  'token',
  'url',
  'expires_at',
  'last_seen_at',
]);
// API key ids are random UUIDs; audit entry ids are numbers and stay exact.
const isVolatile = (key: string, value: unknown) => VOLATILE.has(key) || (key === 'id' && typeof value === 'string');
// Written by a once-a-minute flush: null or a time, depending on when the run reaches it.
const SOMETIMES_SET = new Set(['last_evaluated_at']);

function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        SOMETIMES_SET.has(k) ? '<time or null>' : isVolatile(k, v) ? `<${typeof v}>` : normalise(v),
      ]),
    );
  }
  return value;
}

const examples = parseExamples(readFileSync(new URL('../API_EXAMPLES.md', import.meta.url), 'utf8'));

describe('API_EXAMPLES.md, run against a live server', () => {
  const server = useTestServer();

  it('has examples for every endpoint', () => {
    const documented = examples.map((e) =>
      / (?:-X (\w+) )?'?http:\/\/localhost:8000(\/[^\s/?']*)/.exec(e.command)!.slice(1).join(' '),
    );
    for (const endpoint of [
      ' /health',
      'POST /flags',
      ' /flags',
      'PUT /flags',
      'PATCH /flags',
      'DELETE /flags',
      ' /users',
      'POST /segments',
      'DELETE /segments',
      'POST /evaluate',
      'POST /ofrep',
      ' /audit',
      'POST /api-keys',
      'POST /experiments',
      ' /experiments',
      'POST /events',
      ' /events',
      'POST /projects',
      'PATCH /projects',
      ' /projects',
      'POST /webhooks',
      ' /webhooks',
      'POST /accounts',
      'PUT /projects',
      'POST /auth',
      ' /auth',
    ]) {
      expect(documented).toContain(endpoint);
    }
    expect(examples.length).toBeGreaterThanOrEqual(20);
  });

  // The ETag the previous example's answer carried: an If-None-Match in an example stands for it (an
  // answer that holds a stream token has a tag that moves with the clock).
  let previousEtag = '';
  // What the examples pass on as shell variables: the admin key, the invitation's token and account,
  // and the file curl keeps the session cookie in.
  const variables: Record<string, string> = { COOKIES: join(mkdtempSync(join(tmpdir(), 'docs-examples-')), 'cookies') };
  const carry = (body: Record<string, unknown>) => {
    if (typeof body.secret === 'string' && body.secret.startsWith('ffs_') && body.scope === 'admin') {
      variables.API_KEY = body.secret;
    }
    const invited = body as { account?: { id: string }; invitation?: { token: string } };
    if (invited.invitation && invited.account) {
      variables.INVITATION_TOKEN = invited.invitation.token;
      variables.ACCOUNT_ID = invited.account.id;
    }
  };

  // In document order: later examples depend on the flags earlier ones create.
  it.each(examples.map((e, i) => [i + 1, e.command.split('\n')[0], e] as const))(
    'example %i: %s',
    async (_n, _title, example) => {
      const command = `${example.command
        .replaceAll('http://localhost:8000', server.baseUrl())
        .replace(/If-None-Match: "[^"]*"/, `If-None-Match: ${previousEtag}`)} -w '\\n%header{etag}\\n%{http_code}'`;
      const { stdout } = await run('bash', ['-c', command], { env: { ...process.env, ...variables } });
      const split = stdout.lastIndexOf('\n');
      expect(Number(stdout.slice(split + 1))).toBe(example.status);
      const etagAt = stdout.lastIndexOf('\n', split - 1);
      previousEtag = stdout.slice(etagAt + 1, split);
      const body = stdout.slice(0, etagAt);
      if (example.body === undefined) expect(body).toBe('');
      else {
        expect(normalise(JSON.parse(body))).toEqual(normalise(example.body));
        carry(JSON.parse(body));
      }
    },
  );
});
