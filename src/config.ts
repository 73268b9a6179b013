import { isIP } from 'node:net';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalSecret = (min: number) =>
  z.string().min(min, `must be at least ${min} characters; generate one with: openssl rand -base64 32`).optional();

/** proxy-addr's names for address ranges, which Fastify's trustProxy takes beside addresses and CIDRs. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** An address, a CIDR block ("10.0.0.0/8", "fd00::/8") or one of proxy-addr's range names. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8000),
  // Loopback, so a quick start on a laptop is not open to its network; platforms and the image set 0.0.0.0.
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .default('file:./data/flags.db')
    .refine((url) => url.startsWith('file:') || /^postgres(ql)?:\/\//.test(url), {
      message: 'must be a SQLite "file:" URL or a "postgresql://" URL',
    }),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  // Comma-separated list of allowed origins; "*" allows any origin.
  CORS_ORIGINS: z.string().default('*'),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024),
  // How often each instance checks the configuration revision (PostgreSQL NOTIFY usually arrives
  // sooner) and looks for due scheduled changes to write to their flags and due webhook deliveries to send.
  SNAPSHOT_POLL_MS: z.coerce.number().int().min(50).default(1000),
  // How long SIGTERM waits for in-flight requests before the process exits anyway.
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  // How long to keep trying a database that cannot be reached at start (not up yet, say) before exiting.
  DATABASE_START_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  // Accepted as an admin key, and turns authentication on even before any key is created.
  // 32 characters at least: it is an admin credential a guessing client could try at network speed.
  ADMIN_API_KEY: optionalSecret(32),
  // Requests per RATE_LIMIT_WINDOW_MS per API key (per IP without one); 0 turns a limit off.
  RATE_LIMIT_EVALUATIONS: z.coerce.number().int().min(0).default(60_000),
  RATE_LIMIT_WRITES: z.coerce.number().int().min(0).default(300),
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1000).default(60_000),
  // Failed authentications per RATE_LIMIT_WINDOW_MS per client address; then 429 until the window ends.
  RATE_LIMIT_FAILED_AUTH: z.coerce.number().int().min(0).default(100),
  // What requests get while Redis cannot count them: served unlimited (open) or refused with 503 (closed).
  RATE_LIMIT_ON_REDIS_FAILURE: z.enum(['open', 'closed']).default('open'),
  // Rate-limit counters shared by every instance; without it each instance counts on its own.
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  // Who stands in front of the service: a number of proxies, or the proxies' addresses. The client's
  // address (per-address limits, logs) is then read from X-Forwarded-For; unset, it is the connection's
  // own, which a client cannot fake.
  TRUST_PROXY: z
    .string()
    .transform((value, context): number | string[] => {
      if (/^\d+$/.test(value.trim())) return Number(value);
      const entries = value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean);
      const bad = entries.filter((entry) => !isProxyAddress(entry));
      if (entries.length === 0 || bad.length > 0) {
        context.addIssue({
          code: 'custom',
          message:
            `${bad.map((entry) => `"${entry}"`).join(', ') || 'nothing'} is not a number of proxies, an address, ` +
            'a CIDR block or one of loopback, linklocal, uniquelocal',
        });
        return z.NEVER;
      }
      return entries;
    })
    .optional(),
  // A flags document (GET /projects/{project}/export, JSON or YAML) merged into its project at start.
  FLAGS_IMPORT_FILE: z.string().min(1).optional(),
  // Webhooks may reach this host and special-purpose addresses (loopback, private networks…): tests, a
  // receiver on the same network.
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: z.enum(['true', 'false']).default('false'),
  // When set, webhooks may target only these hosts: "hooks.example.com", or "*.example.com" for any below it.
  WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .transform((list) =>
      list
        .split(',')
        .map((entry) => entry.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z
          .string()
          .regex(
            /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$|^[0-9a-f:.]+$/,
            'each entry is a host name ("hooks.example.com"), "*." and a domain ("*.example.com"), or an IP address',
          ),
      ),
    )
    .default([]),
  // A webhook delivery that takes longer fails, and is tried again later.
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  // Open event streams (GET /stream, OFREP's) per API key (per client address without one).
  STREAM_LIMIT_PER_KEY: z.coerce.number().int().min(1).default(1000),
  // A comment on every open stream this often, so proxies do not close idle ones.
  STREAM_HEARTBEAT_MS: z.coerce.number().int().min(1000).default(15_000),
  // Tracked events (POST /events) older than this are deleted in the background, every hour.
  EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  // Users remembered per environment, with their attributes, for the impact preview (0 turns it off).
  IMPACT_SAMPLE_USERS: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
  // When set, GET /metrics requires "Authorization: Bearer <METRICS_TOKEN>".
  METRICS_TOKEN: optionalSecret(16),
  // A signed-in session ends after this long without a request, and this long after signing in at most.
  SESSION_IDLE_TIMEOUT_MINUTES: z.coerce.number().int().min(1).default(720),
  SESSION_MAX_AGE_HOURS: z.coerce.number().int().min(1).default(168),
  // Where people reach the service (https://flags.example.com): the start of setup, invitation and
  // password-reset links. Left out, links start with the address the request came to.
  PUBLIC_URL: z
    .url({ protocol: /^https?$/ })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  // Time to receive a whole request (guards against slow clients); 0 turns it off.
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  // Idle time before a socket is closed; 0 leaves it to KEEP_ALIVE_TIMEOUT_MS.
  CONNECTION_TIMEOUT_MS: z.coerce.number().int().min(0).default(0),
  // Longer than load balancers' idle timeouts (often 60 s), so they never reuse a closed connection.
  KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(0).default(72_000),
});

export type DatabaseProvider = 'sqlite' | 'postgresql';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  databaseProvider: DatabaseProvider;
  logLevel: (typeof LOG_LEVELS)[number];
  corsOrigins: '*' | string[];
  bodyLimitBytes: number;
  shutdownTimeoutMs: number;
  databaseStartTimeoutMs: number;
  snapshotPollMs: number;
  adminApiKey: string | undefined;
  rateLimits: {
    evaluations: number;
    writes: number;
    windowMs: number;
    failedAuthentications: number;
    onRedisFailure: 'open' | 'closed';
  };
  redisUrl: string | undefined;
  /** The proxies in front (a count, or their addresses); false: none, the connection's address is the client's. */
  trustProxy: false | number | string[];
  metricsToken: string | undefined;
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
  keepAliveTimeoutMs: number;
  eventRetentionDays: number;
  flagsImportFile: string | undefined;
  streams: { limitPerKey: number; heartbeatMs: number };
  webhooks: { allowPrivateNetworks: boolean; allowedHosts: string[]; timeoutMs: number };
  impactSampleUsers: number;
  accounts: { sessionIdleMs: number; sessionAbsoluteMs: number; publicUrl: string | undefined };
}

function databaseProviderOf(url: string): DatabaseProvider {
  return url.startsWith('file:') ? 'sqlite' : 'postgresql';
}

export class ConfigError extends Error {}

/** Reads and validates the environment once, at start; a bad value stops the process with a clear message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Platforms often set a variable to "" to mean "not set"; read as a number it would be 0, which
  // means "any port" for PORT and "no limit" for a rate limit.
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  const origins = e.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databaseProvider: databaseProviderOf(e.DATABASE_URL),
    logLevel: e.LOG_LEVEL,
    corsOrigins: origins.length === 0 || origins.includes('*') ? '*' : origins,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    databaseStartTimeoutMs: e.DATABASE_START_TIMEOUT_MS,
    snapshotPollMs: e.SNAPSHOT_POLL_MS,
    adminApiKey: e.ADMIN_API_KEY,
    rateLimits: {
      evaluations: e.RATE_LIMIT_EVALUATIONS,
      writes: e.RATE_LIMIT_WRITES,
      windowMs: e.RATE_LIMIT_WINDOW_MS,
      failedAuthentications: e.RATE_LIMIT_FAILED_AUTH,
      onRedisFailure: e.RATE_LIMIT_ON_REDIS_FAILURE,
    },
    redisUrl: e.REDIS_URL,
    trustProxy: e.TRUST_PROXY ?? false,
    metricsToken: e.METRICS_TOKEN,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    connectionTimeoutMs: e.CONNECTION_TIMEOUT_MS,
    keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
    eventRetentionDays: e.EVENT_RETENTION_DAYS,
    flagsImportFile: e.FLAGS_IMPORT_FILE,
    streams: { limitPerKey: e.STREAM_LIMIT_PER_KEY, heartbeatMs: e.STREAM_HEARTBEAT_MS },
    webhooks: {
      allowPrivateNetworks: e.WEBHOOK_ALLOW_PRIVATE_NETWORKS === 'true',
      allowedHosts: e.WEBHOOK_ALLOWED_HOSTS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
    },
    impactSampleUsers: e.IMPACT_SAMPLE_USERS,
    accounts: {
      sessionIdleMs: e.SESSION_IDLE_TIMEOUT_MINUTES * 60_000,
      sessionAbsoluteMs: e.SESSION_MAX_AGE_HOURS * 3_600_000,
      publicUrl: e.PUBLIC_URL,
    },
  };
}
