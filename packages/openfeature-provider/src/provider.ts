import {
  type EvaluationContext,
  FlagNotFoundError,
  type JsonValue,
  type Logger,
  OpenFeatureEventEmitter,
  type Provider,
  ProviderEvents,
  ProviderFatalError,
  ProviderNotReadyError,
  type ResolutionDetails,
  TargetingKeyMissingError,
  type TrackingEventDetails,
  TypeMismatchError,
} from '@openfeature/server-sdk';
import { exposedVariant } from '../../../src/core/evaluation.js';
import { resolveOpenFeature } from '../../../src/core/openfeature.js';
import type { Attributes } from '../../../src/core/targeting.js';
import { flagsDocumentSchema, fromDocument } from '../../../src/areas/projects/flags-as-code-schemas.js';
import { EventSender, type EventStats } from './events.js';
import { FlagSet } from './flag-set.js';
import { ServiceRequestError } from './service-request.js';
import { type ConnectionState, ConfigSync } from './sync.js';

export interface FeatureFlagsProviderOptions {
  /**
   * The service's URL, e.g. "https://flags.example.com". The key's environment is used; an admin key
   * names one with ".../projects/{project}/environments/{environment}".
   */
  url: string;
  /** A `server` key (or an admin key): `evaluate` keys may not read the configuration. */
  apiKey: string;
  /** How long `initialize` (setProviderAndWait) waits for the configuration; 5,000 ms by default. */
  initTimeoutMs?: number;
  /** How often GET /config is polled while the stream is down; 30,000 ms by default. */
  pollIntervalMs?: number;
  /** Each request's timeout; 10,000 ms by default. */
  requestTimeoutMs?: number;
  /** How often exposures and tracked events are sent; 1,000 ms by default. */
  flushIntervalMs?: number;
  /** Events kept at most while the service cannot take them (then dropped and counted); 10,000 by default. */
  maxBufferedEvents?: number;
  /**
   * A flags-as-code document (GET /projects/{project}/export, or the file the service imports) and the
   * environment to take from it: answered from until the service's own configuration arrives, so an
   * application can start while the service is down.
   */
  bootstrap?: { document: unknown; environment: string };
  /** The clock scheduled changes are applied by (ms since the epoch); Date.now by default. */
  now?: () => number;
  /** Where warnings go; console by default. */
  logger?: Pick<Logger, 'warn' | 'error'>;
}

/** What the provider knows of its connection to the service. */
export interface SyncStatus {
  connection: ConnectionState;
  /** Where the configuration in hand came from. */
  source: 'service' | 'bootstrap' | 'none';
  /** Its revision (-1 for a bootstrap document). */
  revision: number | undefined;
  flags: number;
  /** When the service last answered (ms since the epoch). */
  lastContactAt: number | undefined;
  lastError: string | undefined;
  events: EventStats;
}

type ValueType = 'boolean' | 'string' | 'number' | 'object';

/**
 * OpenFeature provider that evaluates in the application's process, with the service's own core
 * (src/core, bundled into this package), from its environment's configuration (GET /config) kept
 * current over the service's stream. Its answers (value, variant, reason, metadata) are those of the
 * service's OFREP endpoints, and it reports exposures of running experiments and track() events to
 * POST /events, as the service does for its own evaluations.
 */
export class FeatureFlagsProvider implements Provider {
  readonly metadata = { name: 'feature-flags-service in-process' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  private flags: FlagSet | undefined;
  private source: SyncStatus['source'] = 'none';
  private readonly sync: ConfigSync;
  private readonly sender: EventSender;
  private readonly options: Required<Omit<FeatureFlagsProviderOptions, 'bootstrap'>> &
    Pick<FeatureFlagsProviderOptions, 'bootstrap'>;
  /** Whether initialize() resolved (done) or rejected for want of a configuration (gave up). */
  private initialization: 'pending' | 'done' | 'gave up' = 'pending';

  constructor(options: FeatureFlagsProviderOptions) {
    this.options = {
      initTimeoutMs: 5_000,
      pollIntervalMs: 30_000,
      requestTimeoutMs: 10_000,
      flushIntervalMs: 1_000,
      maxBufferedEvents: 10_000,
      now: Date.now,
      logger: console,
      ...options,
    };
    const base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    const { apiKey, requestTimeoutMs, now, logger } = this.options;
    this.sync = new ConfigSync(
      { base, apiKey, requestTimeoutMs, now, pollIntervalMs: this.options.pollIntervalMs },
      {
        loaded: (flags) => this.loaded(flags),
        stateChanged: (state, error) => this.stateChanged(state, error),
      },
    );
    this.sender = new EventSender({
      base,
      apiKey,
      requestTimeoutMs,
      now,
      flushIntervalMs: this.options.flushIntervalMs,
      maxBufferedEvents: this.options.maxBufferedEvents,
      warn: (message) => logger.warn(`[feature-flags] ${message}`),
    });
  }

  /** Where its answers come from, and how it hears of changes (OpenFeature's own status says READY or STALE). */
  get syncStatus(): SyncStatus {
    return {
      connection: this.sync.state,
      source: this.source,
      revision: this.flags?.revision,
      flags: this.flags?.size ?? 0,
      lastContactAt: this.sync.lastContactAt,
      lastError: this.sync.lastError?.message,
      events: this.sender.stats,
    };
  }

  /**
   * Resolves once the service's configuration is loaded. After `initTimeoutMs` without it: with a
   * bootstrap document, resolves answering from it (and reports STALE); without one, rejects with the
   * reason, and evaluations answer the caller's defaults (PROVIDER_NOT_READY) until the configuration
   * arrives, which it keeps trying to load. A key the service refuses (401, 403) fails at once.
   */
  async initialize(): Promise<void> {
    if (this.options.bootstrap) this.useBootstrap(this.options.bootstrap);
    let loadError: Error | undefined;
    const loaded = this.sync.start().then(
      () => 'loaded' as const,
      (error: Error) => {
        loadError = error;
        return 'failed' as const;
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.initTimeoutMs);
    });
    try {
      const outcome = await Promise.race([loaded, timedOut]);
      if (outcome === 'loaded') return this.markReady();
      const status = loadError instanceof ServiceRequestError ? loadError.status : undefined;
      if (status === 401 || status === 403) {
        this.sync.close();
        throw new ProviderFatalError(`The service refused the API key: ${loadError!.message}`);
      }
      // Unreachable for now: wait out the timeout, as the stream and the poll keep trying.
      await timedOut;
      if (this.source === 'service') return this.markReady();
    } finally {
      clearTimeout(timer);
    }
    if (this.source === 'bootstrap') {
      this.markReady();
      // After the SDK has marked it ready: it answers, but not from the service's configuration.
      setImmediate(() => this.events.emit(ProviderEvents.Stale, { message: this.unavailable(loadError) }));
      return;
    }
    this.initialization = 'gave up';
    throw new ProviderNotReadyError(this.unavailable(loadError));
  }

  async onClose(): Promise<void> {
    this.sync.close();
    await this.sender.close();
  }

  resolveBooleanEvaluation(key: string, defaultValue: boolean, context: EvaluationContext) {
    return Promise.resolve(this.evaluate(key, defaultValue, context, 'boolean'));
  }

  resolveStringEvaluation(key: string, defaultValue: string, context: EvaluationContext) {
    return Promise.resolve(this.evaluate(key, defaultValue, context, 'string'));
  }

  resolveNumberEvaluation(key: string, defaultValue: number, context: EvaluationContext) {
    return Promise.resolve(this.evaluate(key, defaultValue, context, 'number'));
  }

  resolveObjectEvaluation<T extends JsonValue>(key: string, defaultValue: T, context: EvaluationContext) {
    return Promise.resolve(this.evaluate(key, defaultValue, context, 'object'));
  }

  /** A conversion, for experiments' metrics: sent to POST /events with the exposures. */
  track(eventName: string, context: EvaluationContext, details?: TrackingEventDetails): void {
    const userId = context.targetingKey;
    if (userId === undefined) {
      this.options.logger.warn(`[feature-flags] track("${eventName}") without a targetingKey: not sent`);
      return;
    }
    this.sender.track(eventName, userId, details?.value);
  }

  /** Sends the exposures and events recorded so far (they are also sent every `flushIntervalMs`). */
  flush(): Promise<void> {
    return this.sender.flush();
  }

  /**
   * The answer the service's OFREP endpoint gives for this flag and context (core/openfeature), as
   * OpenFeature resolution details. Synchronous: it reads memory only.
   */
  evaluate<T extends JsonValue>(
    key: string,
    defaultValue: T,
    context: EvaluationContext,
    type: ValueType,
  ): ResolutionDetails<T> {
    const flags = this.flags;
    if (!flags) throw new ProviderNotReadyError(this.unavailable());
    const flag = flags.find(key);
    if (!flag) throw new FlagNotFoundError(`Flag "${key}" not found`);
    const { targetingKey } = context;
    const attributes = attributesOf(context);
    const { result, decision } = resolveOpenFeature(flag, { targetingKey, attributes }, flags.lookups);
    if ('errorCode' in result) throw new TargetingKeyMissingError(result.errorDetails);
    const exposed = decision && exposedVariant(decision);
    if (exposed && targetingKey !== undefined) {
      const experiment = flags.runningExperiment(flag.name);
      if (experiment !== undefined) this.sender.exposure(experiment, targetingKey, exposed.key, attributes);
    }
    const { value, variant, reason, metadata } = result;
    // No value: the flag is off with no off variant, which is the caller's default (OFREP's code default).
    if (value === undefined) return { value: defaultValue, variant, reason, flagMetadata: metadata };
    // As OFREP's provider checks: typeof, so an object flag may answer null or an array.
    if (typeof value !== type) {
      throw new TypeMismatchError(`Flag "${key}" is ${describe(value)}, not ${type}`);
    }
    return { value: value as T, variant, reason, flagMetadata: metadata };
  }

  private useBootstrap({ document, environment }: NonNullable<FeatureFlagsProviderOptions['bootstrap']>): void {
    const parsed = flagsDocumentSchema.safeParse(document);
    if (!parsed.success) {
      throw new ProviderFatalError(`The bootstrap document is not a flags-as-code document: ${parsed.error.message}`);
    }
    // A document holds no scheduled changes or experiments: those come with the service's configuration.
    const config = {
      revision: -1,
      environment,
      document: fromDocument(parsed.data, ''),
      schedules: [],
      experiments: [],
    };
    this.flags = new FlagSet(config, this.options.now);
    this.source = 'bootstrap';
  }

  private loaded(flags: FlagSet): void {
    const first = this.source !== 'service';
    this.flags = flags;
    this.source = 'service';
    // While initialize() waits, its resolving is what makes the SDK say READY.
    if (this.initialization === 'pending') return;
    if (!first)
      return void this.events.emit(ProviderEvents.ConfigurationChanged, { message: `revision ${flags.revision}` });
    // The first from the service: after a bootstrap document (STALE), or after initialize() gave up (ERROR).
    this.initialization = 'done';
    this.events.emit(ProviderEvents.Ready, { message: `revision ${flags.revision}` });
  }

  private stateChanged(state: ConnectionState, error: Error | undefined): void {
    if (this.initialization !== 'done') return;
    if (state === 'offline') this.events.emit(ProviderEvents.Stale, { message: this.unavailable(error) });
    else if (this.source === 'service') this.events.emit(ProviderEvents.Ready, { message: `connection ${state}` });
  }

  private markReady(): void {
    this.initialization = 'done';
  }

  private unavailable(error = this.sync.lastError): string {
    const why = error ? error.message : 'no answer yet';
    return this.source === 'bootstrap'
      ? `Answering from the bootstrap document: the service's configuration is not loaded (${why})`
      : `The service's configuration is not loaded (${why})`;
  }
}

const describe = (value: JsonValue) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value);

const NO_ATTRIBUTES: Attributes = Object.freeze({});

/**
 * The context without its targetingKey, as the service's OFREP endpoint takes it apart. OpenFeature
 * contexts may hold Dates, which reach the service as JSON (ISO text): normalised the same way here,
 * so rules compare the same values. One pass, and no copy for a context that is only a targetingKey
 * (this runs on every evaluation).
 */
function attributesOf(context: EvaluationContext): Attributes {
  let attributes: Record<string, EvaluationContext[string]> | undefined;
  let nested = false;
  for (const key in context) {
    if (key === 'targetingKey') continue;
    const value = context[key];
    if (typeof value === 'object' && value !== null) nested = true;
    (attributes ??= {})[key] = value;
  }
  if (attributes === undefined) return NO_ATTRIBUTES;
  return (nested ? JSON.parse(JSON.stringify(attributes)) : attributes) as Attributes;
}
