import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DomainError, OverloadedError, RefusedChangeError, ValidationError, TooManyRequestsError } from '../errors.js';
import type { Problem } from '../http/problem-schemas.js';
import type { ResponseHeaderSetter } from './response-headers.js';

type ValidationLocation = NonNullable<Problem['errors']>[number]['location'];

function titleOf(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

/** A stable URI per kind of problem, relative so it resolves against the service itself. */
function typeOf(title: string): string {
  return `/problems/${title.toLowerCase().replace(/\s+/g, '-')}`;
}

function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Omit<Problem, 'instance' | 'request_id'>) {
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send({ ...problem, instance: request.url, request_id: request.id });
}

/** A 400 listing every invalid field, whether a schema or a service found it. */
function validationProblem(errors: NonNullable<Problem['errors']>): Omit<Problem, 'instance' | 'request_id'> {
  const summary = errors.map((e) => `${e.pointer.slice(2) || e.location}: ${e.detail}`).join('; ');
  return {
    type: typeOf('Validation Error'),
    title: 'Validation Error',
    status: 400,
    detail: `The request is invalid: ${summary}`,
    errors,
  };
}

function zodIssueErrors(issues: readonly z.core.$ZodIssue[], location: ValidationLocation) {
  return issues.flatMap((issue) => {
    const at = `#/${issue.path.join('/')}`.replace(/\/$/, '');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ location, pointer: `${at}/${key}`, detail: `unknown field "${key}"` }));
    }
    return [{ location, pointer: `#/${issue.path.join('/')}`, detail: issue.message }];
  });
}

function schemaValidationErrors(error: FastifyError): NonNullable<Problem['errors']> {
  const location = (error.validationContext ?? 'body') as ValidationLocation;
  return (error.validation ?? []).flatMap((issue) => {
    const keys = (issue.params as { keys?: unknown }).keys;
    // One entry per unknown field, so a client can point at each.
    if (issue.keyword === 'unrecognized_keys' && Array.isArray(keys)) {
      return keys.map((key) => ({
        location,
        pointer: `#${issue.instancePath.replace(/\/$/, '')}/${key}`,
        detail: `unknown field "${key}"`,
      }));
    }
    return [{ location, pointer: `#${issue.instancePath}`, detail: issue.message ?? 'is invalid' }];
  });
}

/** One error handler for the whole app: every error leaves as RFC 9457 problem details. */
export function registerProblemDetails(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // A service's validation error points at the field, as the schemas' errors do.
    if (error instanceof ValidationError) {
      return sendProblem(
        request,
        reply,
        validationProblem([{ location: 'body', pointer: `#/${error.pointer}`, detail: error.problem }]),
      );
    }
    if (error instanceof DomainError) {
      if (error.status >= 500) request.log.warn({ err: error }, error.message);
      // RFC 9110: a 401 says how to authenticate.
      if (error.status === 401) reply.header('www-authenticate', 'Bearer realm="feature-flags"');
      const retryAfter =
        error instanceof OverloadedError
          ? error.retryAfterSeconds
          : error instanceof TooManyRequestsError
            ? error.retryAfterSeconds
            : undefined;
      if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
      return sendProblem(request, reply, {
        type: typeOf(error.title),
        title: error.title,
        status: error.status,
        detail: error.message,
        ...(error instanceof RefusedChangeError && { problems: error.problems }),
      });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      return sendProblem(request, reply, validationProblem(schemaValidationErrors(error)));
    }
    // A body checked in the handler, in parts (the import's flags): the same answer as a schema's.
    if (error instanceof z.ZodError) {
      return sendProblem(request, reply, validationProblem(zodIssueErrors(error.issues, 'body')));
    }
    // Fastify's own client errors: malformed JSON, body too large, unsupported media type…
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const title = titleOf(status);
      return sendProblem(request, reply, { type: typeOf(title), title, status, detail: error.message });
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(request, reply, {
      type: typeOf('Internal Server Error'),
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred; it has been logged.',
    });
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, {
      type: typeOf('Not Found'),
      title: 'Not Found',
      status: 404,
      detail: `No route for ${request.method} ${request.url.split('?')[0]}`,
    }),
  );
}

/** Counts a request answered before routing, so that /metrics sees it too. */
export type UnroutedCounter = (method: string | undefined, status: number) => void;

// Fastify's messages for these repeat the whole path, which `instance` already holds.
const frameworkErrorDetails: Record<string, string> = {
  FST_ERR_BAD_URL: 'The path is not valid percent-encoding',
  FST_ERR_MAX_PARAM_LENGTH: 'A segment of the path is too long',
};

/**
 * Fastify answers two malformed paths itself, before routing and without running any hook: a bad
 * percent-encoding (400) and a path parameter over `maxParamLength` (414), in a JSON shape of its
 * own. As its `frameworkErrors` option, this sends them as problem details, with the headers every
 * response carries.
 */
export function frameworkErrorProblems(setHeaders: ResponseHeaderSetter, count: UnroutedCounter) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    setHeaders(request, reply);
    const status = error.statusCode ?? 400;
    const title = titleOf(status);
    sendProblem(request, reply, {
      type: typeOf(title),
      title,
      status,
      detail: frameworkErrorDetails[error.code] ?? error.message,
    });
    count(request.method, status);
  };
}

// What Node's HTTP server reports before a request exists, by error code; anything else is a 400.
const clientErrors: Record<string, { status: number; detail: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, detail: 'The request was not received within the time allowed' },
  HPE_HEADER_OVERFLOW: { status: 431, detail: 'The request headers are larger than the server accepts' },
};

/**
 * Fastify's `clientErrorHandler`, for what Node rejects before there is a request to answer: a
 * request not received within REQUEST_TIMEOUT_MS (408), headers over Node's size limit (431) or
 * malformed HTTP (400). Fastify's own answer is JSON of another shape; this one is problem details
 * with the headers every response carries (there is no request id yet). The connection is then
 * closed, as Node and Fastify close it.
 */
/** A whole HTTP/1.1 problem-details response as raw bytes, for answers written straight to a socket. */
function rawProblem(headerLines: string, status: number, detail: string, extraHeaders = ''): string {
  const title = titleOf(status);
  const body = JSON.stringify({ type: typeOf(title), title, status, detail });
  const contentHeaders =
    `content-type: application/problem+json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
    'connection: close\r\n';
  return `HTTP/1.1 ${status} ${title}\r\n${headerLines}${extraHeaders}${contentHeaders}\r\n${body}`;
}

const headerLinesOf = (headers: Record<string, string>) =>
  Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');

export function clientErrorProblems(headers: Record<string, string>, count: UnroutedCounter) {
  const headerLines = headerLinesOf(headers);
  return function onClientError(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
    // The client is gone: there is no one to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const { status, detail } = clientErrors[error.code ?? ''] ?? {
      status: 400,
      detail: 'The request is not valid HTTP/1.1',
    };
    this.log.trace({ err: error }, 'client error');
    if (socket.writable) {
      socket.write(rawProblem(headerLines, status, detail));
      count(undefined, status);
    }
    socket.destroy(error);
  };
}

const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

/**
 * The two requests Node answers (or drops) itself, before Fastify sees them, answered as problem
 * details with the headers every response carries: an Expect other than 100-continue (Node sends a
 * bare 417) and CONNECT (Node closes the connection without a word).
 */
export function answerRequestsNodeWouldNot(server: Server, headers: Record<string, string>, count: UnroutedCounter) {
  const headerLines = headerLinesOf(headers);
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const status = 417;
    const title = titleOf(status);
    const detail = `Expect: ${request.headers.expect} is not supported; only 100-continue is`;
    const body = JSON.stringify({ type: typeOf(title), title, status, detail });
    response.writeHead(status, {
      ...headers,
      'content-type': 'application/problem+json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
    count(request.method, status);
  });
  server.on('connect', (request: IncomingMessage, socket: Duplex) => {
    socket.end(
      rawProblem(headerLines, 405, 'CONNECT is not supported: this is not a proxy', `allow: ${ALLOWED_METHODS}\r\n`),
    );
    count(request.method, 405);
  });
}
