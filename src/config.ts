import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .default('file:./data/flags.db')
    .refine((url) => url.startsWith('file:') || /^postgres(ql)?:\/\//.test(url), {
      message: 'must be a SQLite "file:" URL or a "postgresql://" URL',
    }),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  // Comma-separated list of allowed origins; "*" allows any origin.
  CORS_ORIGINS: z.string().default('*'),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(64 * 1024),
  // How often each instance checks the flags revision; PostgreSQL NOTIFY usually arrives sooner.
  SNAPSHOT_POLL_MS: z.coerce.number().int().min(50).default(1000),
  // How long SIGTERM waits for in-flight requests before the process exits anyway.
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
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
  snapshotPollMs: number;
}

function databaseProviderOf(url: string): DatabaseProvider {
  return url.startsWith('file:') ? 'sqlite' : 'postgresql';
}

export class ConfigError extends Error {}

/** Reads and validates the environment once, at start; a bad value stops the process with a clear message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  const origins = e.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databaseProvider: databaseProviderOf(e.DATABASE_URL),
    logLevel: e.LOG_LEVEL,
    corsOrigins: origins.length === 0 || origins.includes('*') ? '*' : origins,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    snapshotPollMs: e.SNAPSHOT_POLL_MS,
  };
}
