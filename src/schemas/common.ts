import { z } from 'zod';

export const flagNameSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must start with a letter or digit and contain only letters, digits, "_", "-" and "."')
  .describe('Unique name: 1–100 letters, digits, "_", "-" or ".", starting with a letter or digit')
  .meta({ example: 'beta_search' });

export const rolloutPercentageSchema = z
  .number()
  .min(0)
  .max(100)
  .refine((p) => Math.abs(p * 100 - Math.round(p * 100)) < 1e-6, 'must have at most two decimals')
  .describe('Share of users who get the flag when it is on, 0–100 with at most two decimals')
  .meta({ example: 25 });
