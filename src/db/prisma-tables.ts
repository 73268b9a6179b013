import type { Prisma, PrismaClient } from './generated/sqlite/client.js';

/**
 * The Prisma client the repositories use. The SQLite and PostgreSQL clients are generated from
 * identical models (test/db/schema-drift.test.ts checks it), so the SQLite client's types describe
 * both; database.ts hands either one on as this.
 */
export type PrismaStore = PrismaClient;

/** What one interactive transaction may touch. */
export type TransactionTables = Prisma.TransactionClient;

export type {
  Account as AccountRow,
  ApiKey as ApiKeyRow,
  Environment as EnvironmentRow,
  Experiment as ExperimentRow,
  Flag as FlagRow,
  FlagConfig as FlagConfigRow,
  PersonalToken as PersonalTokenRow,
  Project as ProjectRow,
  ProjectMember as ProjectMemberRow,
  Session as SessionRow,
  ScheduledChange as ScheduledChangeRow,
  Segment as SegmentRow,
  Webhook as WebhookRow,
} from './generated/sqlite/client.js';
