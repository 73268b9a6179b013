/** When each flag was last evaluated in each environment: written in batches by the usage flush. */
import { translatePrismaError } from '../../db/prisma-errors.js';
import type { PrismaStore } from '../../db/prisma-tables.js';

import type { WriteGuard } from '../../db/sqlite-file-guard.js';

export class PrismaEvaluationTimes implements EvaluationTimes {
  constructor(
    private readonly store: PrismaStore,
    private readonly assertWritable: WriteGuard,
  ) {}

  async record(flags: readonly { flagId: number; environmentId: number }[], at: Date): Promise<void> {
    if (flags.length === 0) return;
    this.assertWritable();
    // Not a configuration write: no revision lock, no audit entry, no change for the snapshot.
    await this.store
      .$transaction(
        flags.map(({ flagId, environmentId }) =>
          this.store.flagEvaluation.upsert({
            where: { flagId_environmentId: { flagId, environmentId } },
            create: { flagId, environmentId, lastEvaluatedAt: at },
            update: { lastEvaluatedAt: at },
          }),
        ),
      )
      .catch((e) => translatePrismaError(e));
  }

  async ofProject(projectId: number) {
    const flagIds = (await this.store.flag.findMany({ where: { projectId }, select: { id: true } })).map((f) => f.id);
    return this.store.flagEvaluation
      .findMany({ where: { flagId: { in: flagIds } } })
      .catch((e) => translatePrismaError(e));
  }
}

/** When each flag was last evaluated in each environment (kept apart from the configuration). */
export interface EvaluationTimes {
  /** Sets the time for these flags in these environments, where it is later than the stored one. */
  record(flags: readonly { flagId: number; environmentId: number }[], at: Date): Promise<void>;
  /** Every flag's last evaluation in each environment of the project. */
  ofProject(projectId: number): Promise<{ flagId: number; environmentId: number; lastEvaluatedAt: Date }[]>;
}
