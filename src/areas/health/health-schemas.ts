import { z } from 'zod';

const writerSchema = z.object({
  status: z
    .enum(['ok', 'retrying', 'failing'])
    .describe('"retrying": its last write failed, kept for the next attempt; "failing": for 60 seconds or more'),
  failing_since: z.string().nullable().describe('When its writes began to fail (ISO 8601), or null'),
  dropped_rows: z
    .number()
    .int()
    .describe('Rows dropped since start because the database refused what they hold (each is logged)'),
});

export const healthSchema = z
  .object({
    status: z
      .enum(['ok', 'degraded', 'unavailable'])
      .describe(
        '"unavailable": the database cannot be reached; "degraded": rate limits cannot be counted, or a ' +
          'background writer has failed for 60 seconds',
      ),
    database: z.enum(['ok', 'unavailable']),
    rate_limits: z
      .enum(['off', 'memory', 'redis', 'redis-unreachable'])
      .describe('Where requests are counted; "redis-unreachable": they are not (RATE_LIMIT_ON_REDIS_FAILURE)'),
    version: z.string(),
    uptime_seconds: z.number(),
    auth: z.enum(['enabled', 'disabled']).describe('"disabled" while no API key exists: anyone may change flags'),
    writers: z
      .record(z.enum(['exposures', 'flag_usage', 'webhooks']), writerSchema)
      .describe('The background writers: experiment exposures, when flags were last evaluated, webhook deliveries'),
  })
  .meta({
    id: 'Health',
    example: {
      status: 'ok',
      database: 'ok',
      rate_limits: 'memory',
      version: '1.0.0',
      uptime_seconds: 42,
      auth: 'enabled',
      writers: {
        exposures: { status: 'ok', failing_since: null, dropped_rows: 0 },
        flag_usage: { status: 'ok', failing_since: null, dropped_rows: 0 },
        webhooks: { status: 'ok', failing_since: null, dropped_rows: 0 },
      },
    },
  });

export const readinessSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']).describe('"unavailable" only while the instance shuts down'),
    snapshot_age_seconds: z.number().describe('Since the flags in memory were last confirmed against the database'),
  })
  .meta({ id: 'Readiness', example: { status: 'ok', snapshot_age_seconds: 0.4 } });

export const livenessSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Liveness', example: { status: 'ok' } });
