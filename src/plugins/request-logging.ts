import { type FastifyBaseLogger, type FastifyReply, type FastifyRequest, LogController } from 'fastify';

type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildOptions = NonNullable<Parameters<FastifyBaseLogger['child']>[1]>;

// pino's numeric levels.
const LEVELS: Record<string, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Infinity,
};

/**
 * A request's logger whose pino child (carrying the request id) is created only when a line is
 * actually written at an enabled level. Fastify makes one child per request; pino's child() cost
 * a measurable share of single-flag evaluation (docs/performance.md), and at LOG_LEVEL=warn a
 * successful request writes nothing, so it need not pay for one.
 */
class LazyChildLogger {
  private materialized: FastifyBaseLogger | undefined;
  private readonly threshold: number;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildOptions,
  ) {
    this.threshold = LEVELS[options.level ?? parent.level] ?? LEVELS.info;
  }

  get level(): string {
    return this.options.level ?? this.parent.level;
  }

  private real(): FastifyBaseLogger {
    this.materialized ??= this.parent.child(this.bindings, this.options);
    return this.materialized;
  }

  private write(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', args: unknown[]): void {
    if (LEVELS[level] >= this.threshold) (this.real()[level] as (...a: unknown[]) => void)(...args);
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.real().child(bindings, options);
  }
}

export function lazyChildLoggerFactory(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildOptions,
): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
}

const INFO = LEVELS.info;

/** Whether a request's logger writes info lines: a route may set its own level (health checks: warn). */
function writesInfo(log: FastifyBaseLogger): boolean {
  return (LEVELS[log.level] ?? INFO) <= INFO;
}

/**
 * Fastify's "incoming request" and "request completed" lines, not even attempted where the
 * request's log level drops them: at LOG_LEVEL=warn, building their arguments and reading the clock
 * was measurable (docs/performance.md), for lines never written.
 * Errors are logged as before; Fastify's `disableRequestLogging` would silence those too.
 */
export class RequestLogController extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    if (writesInfo(request.log)) super.incomingRequest(request, reply);
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error || writesInfo(reply.log)) super.requestCompleted(error, request, reply);
  }
}
