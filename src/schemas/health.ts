import { z } from 'zod';

export const healthSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    database: z.enum(['ok', 'unavailable']),
    version: z.string(),
    uptime_seconds: z.number(),
    auth: z.enum(['enabled', 'disabled']).describe('"disabled" while no API key exists: anyone may change flags'),
  })
  .meta({
    id: 'Health',
    example: { status: 'ok', database: 'ok', version: '1.0.0', uptime_seconds: 42, auth: 'enabled' },
  });

export const livenessSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Liveness', example: { status: 'ok' } });
