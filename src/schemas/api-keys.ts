import { z } from 'zod';
import type { ApiKey } from '../core/model.js';
import { storableText } from './common.js';

export const createApiKeyBodySchema = z
  .strictObject({
    name: storableText(z.string().trim().min(1).max(100)).describe('Who or what uses the key, e.g. "checkout-service"'),
    scope: z
      .enum(['admin', 'evaluate'])
      .describe('"admin" manages flags, keys and the audit log; "evaluate" only evaluates'),
  })
  .meta({ id: 'CreateApiKey', example: { name: 'checkout-service', scope: 'evaluate' } });

export const apiKeyParamsSchema = z.object({ id: z.uuid() });

export const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scope: z.enum(['admin', 'evaluate']),
    prefix: z.string().describe('The first characters of the secret, to tell keys apart'),
    created_at: z.string().describe('ISO 8601, UTC'),
    revoked_at: z.string().nullable().describe('ISO 8601, UTC; null while the key is active'),
  })
  .meta({
    id: 'ApiKey',
    example: {
      id: '0b7c1f0e-8a3e-4c39-9a51-2f2f6c1d9e10',
      name: 'checkout-service',
      scope: 'evaluate',
      prefix: 'ffs_Xq3v9LmA',
      created_at: '2026-11-27T10:00:00.000Z',
      revoked_at: null,
    },
  });

export const createdApiKeySchema = apiKeySchema
  .extend({ secret: z.string().describe('The key itself. Shown only in this response: store it now') })
  .meta({ id: 'CreatedApiKey' });

export type ApiKeyResponse = z.infer<typeof apiKeySchema>;

/** Never the secret or its hash. */
export function toApiKeyResponse(key: ApiKey): ApiKeyResponse {
  return {
    id: key.id,
    name: key.name,
    scope: key.scope,
    prefix: key.prefix,
    created_at: key.createdAt.toISOString(),
    revoked_at: key.revokedAt?.toISOString() ?? null,
  };
}
