import { NotFoundError } from '../errors.js';
import { apiKeyRecord, flagRecord, recordAudit } from './audit-records.js';
import type {
  Actor,
  ApiKey,
  ApiKeyRepository,
  ApiKeyScope,
  AuditEntry,
  AuditLog,
  AuditQuery,
  AuditTargetType,
  ConfigAtRevision,
  ConfigReader,
  Flag,
  FlagChanges,
  FlagRepository,
  JsonValue,
  NewApiKey,
  NewFlag,
  Variant,
} from './repositories.js';
import { translatePrismaError } from './prisma-errors.js';
import type { ApiKeyRow, FlagRow, FlagRowData, PrismaStore } from './prisma-tables.js';

// The single row of config_revision, created by its migration.
const REVISION_ROW = { where: { id: 1 } };

/** Throws when a write must not be attempted (see sqlite-file-guard.ts). */
export type WriteGuard = () => void;

const toApiKey = (row: ApiKeyRow): ApiKey => ({ ...row, scope: row.scope as ApiKeyScope });

// Variants are stored as JSON text with snake_case keys, like the rest of the stored data.
interface StoredVariant {
  key: string;
  weight_bp: number;
  payload: JsonValue;
}

const toFlag = ({ variants, ...row }: FlagRow): Flag => ({
  ...row,
  variants: variants === null ? [] : (JSON.parse(variants) as StoredVariant[]).map((v) => ({ key: v.key, weightBasisPoints: v.weight_bp, payload: v.payload })),
});

const storedVariants = (variants: Variant[]): string | null =>
  variants.length === 0 ? null : JSON.stringify(variants.map((v): StoredVariant => ({ key: v.key, weight_bp: v.weightBasisPoints, payload: v.payload })));

function toRowChanges({ variants, ...changes }: FlagChanges): Partial<Omit<FlagRowData, 'name'>> {
  return variants === undefined ? changes : { ...changes, variants: storedVariants(variants) };
}

export class PrismaConfigReader implements ConfigReader {
  constructor(private readonly store: PrismaStore) {}

  async revision(): Promise<number> {
    const row = await this.store.configRevision.findUnique(REVISION_ROW).catch((e) => translatePrismaError(e));
    return row?.revision ?? 0;
  }

  async loadAll(): Promise<ConfigAtRevision> {
    // Revision first: a change landing between the reads makes the data newer, never older.
    const revision = await this.revision();
    const [flags, keys] = await Promise.all([
      this.store.flag.findMany().then((rows) => rows.map(toFlag)),
      this.store.apiKey.findMany({ orderBy: { createdAt: 'asc' } }),
    ]).catch((e) => translatePrismaError(e));
    return { revision, flags, apiKeys: keys.map(toApiKey) };
  }
}

export class PrismaFlagRepository implements FlagRepository {
  constructor(
    private readonly store: PrismaStore,
    private readonly assertWritable: WriteGuard,
  ) {}

  async create(flag: NewFlag, actor: Actor): Promise<Flag> {
    this.assertWritable();
    return this.store
      .$transaction(async (tx) => {
        const created = toFlag(await tx.flag.create({ data: { ...flag, variants: storedVariants(flag.variants) } }));
        await recordAudit(tx.auditEntry, { actor, action: 'flag.created', targetType: 'flag', target: flag.name, before: null, after: flagRecord(created) });
        return created;
      })
      .catch((e) => translatePrismaError(e, { conflict: `A flag named "${flag.name}" already exists` }));
  }

  async update(name: string, changes: FlagChanges, actor: Actor): Promise<Flag> {
    this.assertWritable();
    return this.store
      .$transaction(async (tx) => {
        const before = await this.existing(tx.flag.findUnique({ where: { name } }), name);
        const after = toFlag(await tx.flag.update({ where: { name }, data: toRowChanges(changes) }));
        await recordAudit(tx.auditEntry, { actor, action: 'flag.updated', targetType: 'flag', target: name, before: flagRecord(before), after: flagRecord(after) });
        return after;
      })
      .catch((e) => translatePrismaError(e, { notFound: `Flag "${name}" not found` }));
  }

  async delete(name: string, actor: Actor): Promise<void> {
    this.assertWritable();
    await this.store
      .$transaction(async (tx) => {
        const before = await this.existing(tx.flag.findUnique({ where: { name } }), name);
        await tx.flag.delete({ where: { name } });
        await recordAudit(tx.auditEntry, { actor, action: 'flag.deleted', targetType: 'flag', target: name, before: flagRecord(before), after: null });
      })
      .catch((e) => translatePrismaError(e, { notFound: `Flag "${name}" not found` }));
  }

  private async existing(lookup: Promise<FlagRow | null>, name: string): Promise<Flag> {
    const row = await lookup;
    if (!row) throw new NotFoundError(`Flag "${name}" not found`);
    return toFlag(row);
  }
}

export class PrismaApiKeyRepository implements ApiKeyRepository {
  constructor(
    private readonly store: PrismaStore,
    private readonly assertWritable: WriteGuard,
  ) {}

  async list(): Promise<ApiKey[]> {
    const rows = await this.store.apiKey.findMany({ orderBy: { createdAt: 'asc' } }).catch((e) => translatePrismaError(e));
    return rows.map(toApiKey);
  }

  async create(key: NewApiKey, actor: Actor): Promise<ApiKey> {
    this.assertWritable();
    return this.store
      .$transaction(async (tx) => {
        const created = toApiKey(await tx.apiKey.create({ data: key }));
        await recordAudit(tx.auditEntry, { actor, action: 'api_key.created', targetType: 'api_key', target: key.id, before: null, after: apiKeyRecord(created) });
        return created;
      })
      .catch((e) => translatePrismaError(e));
  }

  async revoke(id: string, actor: Actor): Promise<ApiKey> {
    this.assertWritable();
    return this.store
      .$transaction(async (tx) => {
        const before = await tx.apiKey.findUnique({ where: { id } });
        if (!before || before.revokedAt) throw new NotFoundError(`No active API key with id "${id}"`);
        const after = toApiKey(await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() } }));
        await recordAudit(tx.auditEntry, { actor, action: 'api_key.revoked', targetType: 'api_key', target: id, before: apiKeyRecord(toApiKey(before)), after: apiKeyRecord(after) });
        return after;
      })
      .catch((e) => translatePrismaError(e));
  }
}

export class PrismaAuditLog implements AuditLog {
  constructor(private readonly store: PrismaStore) {}

  async list(query: AuditQuery): Promise<AuditEntry[]> {
    const rows = await this.store.auditEntry
      .findMany({
        where: {
          targetType: query.targetType,
          target: query.target,
          ...(query.beforeId === undefined ? {} : { id: { lt: query.beforeId } }),
        },
        orderBy: { id: 'desc' },
        take: query.limit,
      })
      .catch((e) => translatePrismaError(e));
    return rows.map((row) => ({
      id: row.id,
      at: row.at,
      actor: { keyId: row.actorKeyId, name: row.actorName },
      action: row.action,
      targetType: row.targetType as AuditTargetType,
      target: row.target,
      before: row.before === null ? null : JSON.parse(row.before),
      after: row.after === null ? null : JSON.parse(row.after),
    }));
  }
}
