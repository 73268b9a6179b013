/** Scheduled changes as evaluation sees them: a change counts from its time on. Pure. */
import type { Flag } from './flags.js';

/**
 * The flag as its due, not yet written, scheduled changes make it, given pending changes in time
 * order. The service and the in-process provider both apply them when they evaluate, so a change
 * happens on time whether or not an instance has written it to the flag yet.
 */
export function withDueChanges(
  flag: Flag,
  schedules: readonly Pick<ScheduledChange, 'flagName' | 'at' | 'changes'>[],
  now: number,
): Flag {
  let effective = flag;
  for (const change of schedules) {
    if (change.at.getTime() > now) break;
    if (change.flagName === flag.name) effective = { ...effective, ...change.changes };
  }
  return effective;
}

/** What a scheduled change sets on its flag. */
export interface ScheduledSettings {
  status?: boolean;
  rolloutBasisPoints?: number;
}

export interface ScheduledChange {
  id: string;
  environmentId: number;
  flagName: string;
  at: Date;
  changes: ScheduledSettings;
  createdAt: Date;
  /** When an instance wrote it to the flag; null while pending. */
  appliedAt: Date | null;
}

export type NewScheduledChange = Omit<ScheduledChange, 'createdAt' | 'appliedAt'>;
