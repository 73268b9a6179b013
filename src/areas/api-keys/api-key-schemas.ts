import { z } from 'zod';
import type { ApiKey } from '../../core/api-keys.js';
import { keySchema, storableText } from '../../http/common-schemas.js';

const API_KEY_SCOPES = ['admin', 'server', 'evaluate'] as const;

export const createApiKeyBodySchema = z
  .strictObject({
    name: storableText(z.string().trim().min(1).max(100)).describe('Who or what uses the key, e.g. "checkout-service"'),
    scope: z
      .enum(API_KEY_SCOPES)
      .describe(
        '"admin" manages flags, keys and the audit log; "server" evaluates and downloads its environment\'s ' +
          "configuration (GET /config, for in-process evaluation; it holds segments' user lists, so keep it on " +
          'servers); "evaluate" only evaluates, and may be shipped to browsers',
      ),
    project: keySchema
      .optional()
      .describe(
        'The project the key is bound to: it never sees another. Left out: an admin key is global (only a global ' +
          'key may create one), an evaluate key gets the caller\'s project, else "default"',
      ),
    environment: keySchema
      .optional()
      .describe('For evaluate and server keys: their one environment; "production" when left out'),
  })
  .meta({
    id: 'CreateApiKey',
    example: { name: 'checkout-service', scope: 'evaluate', project: 'default', environment: 'production' },
  });

export const apiKeyParamsSchema = z.object({ id: z.uuid() });

export const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scope: z.enum(API_KEY_SCOPES),
    project: z.string().nullable().describe('The project the key is bound to; null for a global admin key'),
    environment: z
      .string()
      .nullable()
      .describe('The environment an evaluate or server key works in; null for admin keys'),
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
      project: 'default',
      environment: 'production',
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
export function toApiKeyResponse(
  key: ApiKey,
  binding: { project: string | null; environment: string | null },
): ApiKeyResponse {
  return {
    id: key.id,
    name: key.name,
    scope: key.scope,
    ...binding,
    prefix: key.prefix,
    created_at: key.createdAt.toISOString(),
    revoked_at: key.revokedAt?.toISOString() ?? null,
  };
}
