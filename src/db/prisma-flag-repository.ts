import { ConflictError, NotFoundError, ServiceUnavailableError } from '../errors.js';
import type { Flag, FlagChanges, FlagRepository, FlagsAtRevision, NewFlag } from './flag-repository.js';

/**
 * The part of a generated client's `flag` model this repository uses. Both generated clients
 * (SQLite and PostgreSQL, from identical models) satisfy it, which the compiler checks in database.ts.
 */
export interface FlagTable {
  findMany(): Promise<Flag[]>;
  create(args: { data: NewFlag }): Promise<Flag>;
  update(args: { where: { name: string }; data: FlagChanges }): Promise<Flag>;
  delete(args: { where: { name: string } }): Promise<Flag>;
}

export interface RevisionTable {
  findUnique(args: { where: { id: number } }): Promise<{ revision: number } | null>;
}

// The single row of flags_revision, created by its migration.
const REVISION_ROW = { where: { id: 1 } };

// Prisma error codes: https://www.prisma.io/docs/orm/reference/error-reference
const UNIQUE_VIOLATION = 'P2002';
const RECORD_NOT_FOUND = 'P2025';

function prismaCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Errors that mean "the database cannot be reached", as opposed to a bug in a query. */
function isConnectivityError(error: unknown): boolean {
  const code = prismaCode(error);
  if (code && /^P10(0[0-2]|1[0-7])$|^P2024$/.test(code)) return true;
  const text = `${(error as Error)?.message ?? ''} ${(error as { cause?: Error })?.cause?.message ?? ''}`;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|terminating connection|Connection terminated|database .* does not exist|not currently accepting connections|SQLITE_CANTOPEN|SQLITE_IOERR|SQLITE_BUSY|unable to open|database is locked|not open/i.test(text);
}

function translate(error: unknown, name: string): never {
  const code = prismaCode(error);
  if (code === UNIQUE_VIOLATION) throw new ConflictError(`A flag named "${name}" already exists`);
  if (code === RECORD_NOT_FOUND) throw new NotFoundError(`Flag "${name}" not found`);
  if (isConnectivityError(error)) throw new ServiceUnavailableError('The database is unavailable; try again shortly');
  throw error;
}

export class PrismaFlagRepository implements FlagRepository {
  constructor(
    private readonly flags: FlagTable,
    private readonly revisions: RevisionTable,
    /** Throws when a write must not be attempted (see sqlite-file-guard.ts). */
    private readonly assertWritable: () => void = () => {},
  ) {}

  async revision(): Promise<number> {
    const row = await this.revisions.findUnique(REVISION_ROW).catch((e) => translate(e, ''));
    return row?.revision ?? 0;
  }

  async loadAll(): Promise<FlagsAtRevision> {
    // Revision first: a change landing between the two reads makes the flags newer, never older.
    const revision = await this.revision();
    return { revision, flags: await this.list() };
  }

  list(): Promise<Flag[]> {
    return this.flags.findMany().catch((e) => translate(e, ''));
  }

  async create(flag: NewFlag): Promise<Flag> {
    this.assertWritable();
    return this.flags.create({ data: flag }).catch((e) => translate(e, flag.name));
  }

  async update(name: string, changes: FlagChanges): Promise<Flag> {
    this.assertWritable();
    return this.flags.update({ where: { name }, data: changes }).catch((e) => translate(e, name));
  }

  async delete(name: string): Promise<void> {
    this.assertWritable();
    await this.flags.delete({ where: { name } }).catch((e) => translate(e, name));
  }
}
