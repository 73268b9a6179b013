import { z } from 'zod';

export const healthSchema = z
  .object({
    status: z
      .enum(['ok', 'degraded', 'unavailable'])
      .describe('"unavailable": the database cannot be reached; "degraded": rate limits cannot be counted'),
    database: z.enum(['ok', 'unavailable']),
    rate_limits: z
      .enum(['off', 'memory', 'redis', 'redis-unreachable'])
      .describe('Where requests are counted; "redis-unreachable": they are not (RATE_LIMIT_ON_REDIS_FAILURE)'),
    version: z.string(),
    uptime_seconds: z.number(),
    auth: z.enum(['enabled', 'disabled']).describe('"disabled" while no API key exists: anyone may change flags'),
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
    },
  });

export const readinessSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']).describe('"unavailable" only while the instance shuts down'),
    snapshot_age_seconds: z.number().describe('Since the flags in memory were last confirmed against the database'),
  })
  .meta({ id: 'Readiness', example: { status: 'ok', snapshot_age_seconds: 0.4 } });

export const livenessSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Liveness', example: { status: 'ok' } });
