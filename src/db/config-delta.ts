/** What one write changed, row by row: what the instance that wrote it applies to its read model at once. */
import type { ApiKey } from '../core/api-keys.js';
import type { Experiment } from '../core/experiments.js';
import type { FlagDefinition, FlagConfig } from '../core/flags.js';
import type { Project, Environment } from '../core/projects.js';
import type { ScheduledChange } from '../core/schedules.js';
import type { Segment } from '../core/segments.js';
import type { ConfigDelta, ChangedRows, ConfigChanges } from './repositories.js';

/** Rows changed by one write, keyed by id so a row changed twice is reported once, as it ended. */
export class DeltaCollector {
  private readonly tables = {
    projects: new RowChanges<Project, number>((row) => row.id),
    environments: new RowChanges<Environment, number>((row) => row.id),
    flags: new RowChanges<FlagDefinition, number>((row) => row.id),
    flagConfigs: new RowChanges<FlagConfig, number>((row) => row.id),
    segments: new RowChanges<Segment, number>((row) => row.id),
    experiments: new RowChanges<Experiment, number>((row) => row.id),
    apiKeys: new RowChanges<ApiKey, string>((row) => row.id),
    schedules: new RowChanges<ScheduledChange, string>((row) => row.id),
  };

  get<K extends keyof DeltaCollector['tables']>(table: K): DeltaCollector['tables'][K] {
    return this.tables[table];
  }

  delta(): ConfigDelta {
    const t = this.tables;
    return {
      projects: t.projects.rows(),
      environments: t.environments.rows(),
      flags: t.flags.rows(),
      flagConfigs: t.flagConfigs.rows(),
      segments: t.segments.rows(),
      experiments: t.experiments.rows(),
      apiKeys: t.apiKeys.rows(),
      schedules: t.schedules.rows(),
    };
  }
}

class RowChanges<T, Id> {
  private readonly changed = new Map<Id, T | undefined>();
  constructor(private readonly idOf: (row: T) => Id) {}

  put<R extends T>(row: R): R {
    this.changed.set(this.idOf(row), row);
    return row;
  }

  gone(id: Id): void {
    this.changed.set(id, undefined);
  }

  rows(): ChangedRows<T, Id> {
    const present: T[] = [];
    const gone: Id[] = [];
    for (const [id, row] of this.changed) {
      if (row === undefined) gone.push(id);
      else present.push(row);
    }
    return { present, gone };
  }
}

const noChanges = (): ConfigDelta => {
  const none = { present: [], gone: [] };
  return {
    projects: none,
    environments: none,
    flags: none,
    flagConfigs: none,
    segments: none,
    experiments: none,
    apiKeys: none,
    schedules: none,
  };
};

export const unchangedSince = (revision: number): ConfigChanges => ({ revision, ...noChanges() });

export function changedRows<T extends { id: Id }, Id>(ids: Id[], present: T[]): ChangedRows<T, Id> {
  const found = new Set(present.map((row) => row.id));
  return { present, gone: ids.filter((id) => !found.has(id)) };
}
