import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TooManyRequestsError, UnauthorizedError } from '../../errors.js';
import { credentialOf } from '../../http/credentials.js';
import { problemResponses } from '../../http/problem-schemas.js';
import type { AuthService } from '../api-keys/auth-service.js';
import type { SessionService } from '../accounts/session-service.js';
import { sessionTokenOf } from '../../http/session-cookie.js';
import type { ConfigSnapshot } from '../../read-model/config-snapshot.js';
import type { EnvironmentChange, EnvironmentView } from '../../read-model/environment-view.js';
import type { AddressResolver } from '../projects/addressing.js';
import { MAX_UNREAD_BYTES, type StreamHub } from '../../read-model/stream-hub.js';

interface Dependencies {
  hub: StreamHub;
  authService: AuthService;
  sessions: SessionService;
  addresses: AddressResolver;
  snapshot: ConfigSnapshot;
  /** Asked of an EventSource that lost its connection: soon, then the browser's own backoff. */
  retryMs?: number;
}

const streamQuerySchema = z.object({
  token: z
    .string()
    .max(300)
    .optional()
    .describe('A stream token from eventStreams, for clients that cannot send a key'),
});

interface StreamAccess {
  view: EnvironmentView;
  holder: string;
  /** When the stream token runs out; a stream opened with a key lasts as long as the key. */
  expiresAt?: number;
}

const sseResponse = z.string().describe('text/event-stream: events until the client disconnects');

/**
 * Past this many flags a change is announced as `reload`: a bulk change (an import, a promotion) would
 * otherwise send its whole list of names to every stream, where reloading costs each client one request.
 */
const MOST_FLAGS_NAMED = 100;

/** OFREP's message: the configuration changed, fetch the evaluations again (open-feature/protocol, ADR-0008). */
function refetchEvaluation(revision: number, atMs: number): string {
  const data = { type: 'refetchEvaluation', etag: `"${revision}"`, lastModified: Math.floor(atMs / 1000) };
  return `id: ${revision}\nevent: message\ndata: ${JSON.stringify(data)}\n\n`;
}

const reloadEvent = (revision: number) => `id: ${revision}\nevent: reload\ndata: {"revision":${revision}}\n\n`;

function changeEvent({ revision, flags }: EnvironmentChange): string {
  if (flags !== null && flags.length > MOST_FLAGS_NAMED) return reloadEvent(revision);
  return `id: ${revision}\nevent: change\ndata: ${JSON.stringify({ revision, flags })}\n\n`;
}

/**
 * A change's text, built once however many streams it goes to: the hub hands each change to every
 * subscriber before the next, so remembering the last one is enough.
 */
export function builtOnce(format: (change: EnvironmentChange) => string): (change: EnvironmentChange) => string {
  let last: EnvironmentChange | undefined;
  let text = '';
  return (change) => {
    if (change !== last) {
      last = change;
      text = format(change);
    }
    return text;
  };
}

// One of each for the whole process: both registrations of the routes (root and per-environment) share them.
const changeText = builtOnce(changeEvent);
const refetchText = builtOnce((change) => refetchEvaluation(change.revision, change.at));

/**
 * Server-sent events: the native change stream (`GET /stream`) and OFREP's event stream, for the
 * environment of the key (or of the stream token). Every instance serves them; a change made on any
 * instance reaches this one's snapshot through the change feed and then every stream here.
 */
export const streamRoutes: FastifyPluginAsyncZod<Dependencies> = async (
  app,
  { hub, authService, sessions, addresses, snapshot, retryMs = 1000 },
) => {
  /** The environment, holder and end of the stream, from its token, key or session; 401/403/404 otherwise. */
  const resolve = async (request: FastifyRequest): Promise<StreamAccess> => {
    const { token } = request.query as { token?: string };
    const params = request.params as { project?: string; environment?: string };
    if (token !== undefined) {
      const granted = authService.verifyStreamToken(token);
      const view = granted && snapshot.environment(granted.environmentId);
      if (!granted || !view) throw new UnauthorizedError('The stream token is unknown, expired or its key revoked');
      return { view, holder: granted.holder, expiresAt: granted.expiresAt };
    }
    const secret = credentialOf(request);
    const cookie = secret === undefined ? sessionTokenOf(request) : undefined;
    if (cookie !== undefined && authService.enabled) {
      // The dashboard's EventSource sends the session cookie: held by the session, so it ends with it.
      const signedIn = await sessions.principalOf(cookie);
      if (!signedIn)
        throw new UnauthorizedError('The session has ended (signed out, timed out or revoked): sign in again');
      return {
        view: addresses.environment(signedIn.principal, params.project, params.environment, 'flag.evaluate'),
        holder: `session:${signedIn.session.id}`,
      };
    }
    const principal = authService.authenticate(secret, 'flag.evaluate', request.ip);
    return {
      view: addresses.environment(principal, params.project, params.environment, 'flag.evaluate'),
      holder: principal.rateLimitKey,
    };
  };

  const open = (
    request: FastifyRequest,
    reply: FastifyReply,
    { view, holder, expiresAt }: StreamAccess,
    format: (change: EnvironmentChange) => string,
    first: (lastEventId: number | undefined) => string,
  ) => {
    if (hub.full(holder)) throw new TooManyRequestsError('Too many open streams for this API key; close one first');
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // nginx and others would buffer the stream otherwise.
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    raw.socket?.setNoDelay(true);
    const lastEventId = Number(request.headers['last-event-id']);
    let unsubscribe = () => {};
    const subscriber = {
      environmentId: view.environment.id,
      holder,
      expiresAt,
      write(text: string): boolean {
        if (raw.destroyed) return false;
        // A client that does not read: dropped, rather than its events piling up here.
        if (raw.writableLength > MAX_UNREAD_BYTES) {
          raw.destroy();
          return false;
        }
        raw.write(text);
        return true;
      },
      onChange: (change: EnvironmentChange) => void subscriber.write(format(change)),
      close: () => raw.end(),
    };
    unsubscribe = hub.subscribe(subscriber);
    raw.on('close', () => unsubscribe());
    subscriber.write(`retry: ${retryMs}\n\n${first(Number.isSafeInteger(lastEventId) ? lastEventId : undefined)}`);
  };

  app.get('/stream', {
    // The key is checked here, from Authorization or from a stream token, so browsers can connect too.
    config: { checksCallerItself: true },
    schema: {
      tags: ['evaluation'],
      summary: "Server-sent events: the environment's revision, then every change with the flags it touched",
      description:
        'First `event: revision` (`{revision}`), then `event: change` (`{revision, flags}`; `flags` is null when ' +
        'any flag may have changed) with the revision as the event id; a change of more than 100 flags is sent as ' +
        '`event: reload` (`{revision}`: load everything). Reconnecting with `Last-Event-ID` replays what was ' +
        'missed, or sends `event: reload` when that is no longer kept. A comment every 15 s keeps ' +
        'proxies from closing it. Needs an evaluate or admin key (`Authorization`, or `?token=` from OFREP).',
      querystring: streamQuerySchema,
      response: { 200: sseResponse, ...problemResponses(401, 403, 404, 429) },
    },
    handler: async (request, reply) => {
      const stream = await resolve(request);
      open(request, reply, stream, changeText, (lastEventId) => {
        const revision = snapshot.revision;
        if (lastEventId === undefined) return `id: ${revision}\nevent: revision\ndata: {"revision":${revision}}\n\n`;
        const missed = hub.since(stream.view.environment.id, lastEventId);
        if (missed === undefined) return reloadEvent(revision);
        return missed.map(changeEvent).join('');
      });
    },
  });

  app.get('/ofrep/v1/event-stream', {
    config: { checksCallerItself: true },
    schema: {
      tags: ['ofrep'],
      summary: "OFREP event stream: refetchEvaluation when the environment's flags change",
      description:
        'The stream the bulk evaluation names in `eventStreams` (open-feature/protocol ADR-0008): `event: message` ' +
        'with `{"type": "refetchEvaluation", "etag", "lastModified"}`. Reconnecting with a `Last-Event-ID` older ' +
        'than the last change gets one at once.',
      querystring: streamQuerySchema,
      response: { 200: sseResponse, ...problemResponses(401, 403, 404, 429) },
    },
    handler: async (request, reply) => {
      const stream = await resolve(request);
      open(request, reply, stream, refetchText, (lastEventId) => {
        const { version } = snapshot.environment(stream.view.environment.id) ?? stream.view;
        return lastEventId !== undefined && lastEventId < version.revision
          ? refetchEvaluation(version.revision, version.at)
          : '';
      });
    },
  });
};
