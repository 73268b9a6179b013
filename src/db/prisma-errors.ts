import { ConflictError, DomainError, NotFoundError, OverloadedError, ServiceUnavailableError } from '../errors.js';

// Prisma error codes: https://www.prisma.io/docs/orm/reference/error-reference
const UNIQUE_VIOLATION = 'P2002';
const RECORD_NOT_FOUND = 'P2025';
// A transaction did not get a connection from the pool in time: too many at once, not a database outage.
const TRANSACTION_NOT_STARTED = 'P2028';

function prismaCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Errors that mean "the database cannot be reached", as opposed to a bug in a query. */
function isConnectivityError(error: unknown): boolean {
  const code = prismaCode(error);
  if (code && /^P10(0[0-2]|1[0-7])$|^P2024$/.test(code)) return true;
  const text = `${(error as Error)?.message ?? ''} ${(error as { cause?: Error })?.cause?.message ?? ''}`;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|terminating connection|Connection terminated|database .* does not exist|not currently accepting connections|SQLITE_CANTOPEN|SQLITE_IOERR|SQLITE_BUSY|unable to open|database is locked|not open|Transaction already closed|Unable to start a transaction|is not queryable/i.test(
    text,
  );
}

// Prisma's codes for a value or constraint the database refused: https://www.prisma.io/docs/orm/reference/error-reference
const REFUSED_DATA_CODES = new Set(['P2000', 'P2003', 'P2004', 'P2005', 'P2006', 'P2007', 'P2011', 'P2020', 'P2023']);
// The databases' own codes for them: PostgreSQL's SQLSTATE, SQLite's extended result codes.
const REFUSED_DATA_STATE = /^(2[23]|SQLITE_(CONSTRAINT|MISMATCH|TOOBIG))/;
// Driver adapters' kinds of the same refusals, when no code of the database's comes with them.
const REFUSED_DATA_KINDS = new Set([
  'UniqueConstraintViolation',
  'NullConstraintViolation',
  'ForeignKeyConstraintViolation',
  'InvalidInputValue',
  'ValueOutOfRange',
  'LengthMismatch',
]);

/**
 * Whether the database refused a write for what its rows hold (a value it cannot store, a broken
 * constraint), as opposed to being unreachable or the statement being wrong: the same rows would be
 * refused again, so background writers drop them rather than retry them for ever. PostgreSQL says so
 * with SQLSTATE classes 22 (data exception: U+0000 in text, invalid JSON, a number out of range) and
 * 23 (integrity constraint violation); better-sqlite3 with SQLITE_CONSTRAINT, _MISMATCH and _TOOBIG.
 */
export function isRefusedData(error: unknown): boolean {
  const cause = (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: string; kind?: string } } } })
    ?.meta?.driverAdapterError?.cause;
  const code = cause?.originalCode ?? prismaCode(error);
  if (code !== undefined && REFUSED_DATA_STATE.test(code)) return true;
  return (cause?.kind !== undefined && REFUSED_DATA_KINDS.has(cause.kind)) || REFUSED_DATA_CODES.has(code ?? '');
}

export interface ErrorMessages {
  conflict?: string;
  notFound?: string;
}

/** Maps a Prisma error to the domain error it means; anything else is a bug and stays a 500. */
export function translatePrismaError(error: unknown, messages: ErrorMessages = {}): never {
  if (error instanceof DomainError) throw error;
  const code = prismaCode(error);
  if (code === UNIQUE_VIOLATION && messages.conflict) throw new ConflictError(messages.conflict);
  if (code === RECORD_NOT_FOUND && messages.notFound) throw new NotFoundError(messages.notFound);
  if (code === TRANSACTION_NOT_STARTED)
    throw new OverloadedError('Too many writes at once for the database; try again shortly', { cause: error });
  if (isConnectivityError(error))
    throw new ServiceUnavailableError('The database is unavailable; try again shortly', { cause: error });
  throw error;
}
