import { z } from 'zod';

export const healthSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    database: z.enum(['ok', 'unavailable']),
    version: z.string(),
    uptime_seconds: z.number(),
  })
  .meta({ id: 'Health', example: { status: 'ok', database: 'ok', version: '1.0.0', uptime_seconds: 42 } });

export const livenessSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Liveness', example: { status: 'ok' } });
