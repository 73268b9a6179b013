/** Every API key (revoked ones too), for the list the admin sees. */
import type { ApiKey } from '../../core/api-keys.js';
import { translatePrismaError } from '../../db/prisma-errors.js';
import type { PrismaStore } from '../../db/prisma-tables.js';

import { toApiKey } from '../../db/stored-rows.js';

export class PrismaApiKeyReader implements ApiKeyReader {
  constructor(private readonly store: PrismaStore) {}

  async list(): Promise<ApiKey[]> {
    const rows = await this.store.apiKey
      .findMany({ orderBy: { createdAt: 'asc' } })
      .catch((e) => translatePrismaError(e));
    return rows.map(toApiKey);
  }
}

export interface ApiKeyReader {
  list(): Promise<ApiKey[]>;
}
