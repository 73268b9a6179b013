/** A flag's scheduled changes in one environment, applied or not, for its history. */
import type { ScheduledChange } from '../../core/schedules.js';
import { translatePrismaError } from '../../db/prisma-errors.js';
import type { PrismaStore } from '../../db/prisma-tables.js';

import { toScheduledChange } from '../../db/stored-rows.js';

export class PrismaScheduleReader implements ScheduleReader {
  constructor(private readonly store: PrismaStore) {}

  async list(environmentId: number, flagName: string): Promise<ScheduledChange[]> {
    const rows = await this.store.scheduledChange
      .findMany({ where: { environmentId, flagName }, orderBy: { at: 'asc' } })
      .catch((e) => translatePrismaError(e));
    return rows.map(toScheduledChange);
  }
}

export interface ScheduleReader {
  /** The flag's scheduled changes in the environment, applied ones too, by time. */
  list(environmentId: number, flagName: string): Promise<ScheduledChange[]>;
}
