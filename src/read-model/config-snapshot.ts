import type { ConfigAtRevision, ConfigChanges, ConfigDelta, RevisionSpan } from '../db/repositories.js';
import { type EnvironmentChange, type ProjectView, byKey, type EnvironmentView } from './environment-view.js';
import {
  type SnapshotState,
  EMPTY,
  type Rows,
  build,
  type Rebuilt,
  type RowTable,
  Touched,
  ROW_TABLES,
  rebuild,
} from './snapshot-rebuild.js';
import type { Clock } from '../support/clock.js';

/**
 * Every project, environment, flag, segment, pending scheduled change and experiment, in memory, so
 * evaluation never waits for the database: one view per environment. Each change builds new views of
 * what it touched and swaps the whole state in one assignment.
 */
export class ConfigSnapshot {
  private state: SnapshotState = EMPTY;
  private writesApplied = 0;
  private readonly listeners = new Set<(changes: EnvironmentChange[]) => void>();

  constructor(private readonly clock: Clock) {}

  /** Calls `listener` after every change that touches environments' answers, once the new state is in place. */
  onChange(listener: (changes: EnvironmentChange[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private swap(next: SnapshotState, changes: EnvironmentChange[]): void {
    this.state = next;
    if (changes.length === 0) return;
    for (const listener of this.listeners) listener(changes);
  }

  /** The configuration revision this snapshot holds everything of (-1 before the first load). */
  get revision(): number {
    return this.state.revision;
  }

  /** Counts local writes, so a reload that raced one can tell it must not overwrite it. */
  get localWriteCount(): number {
    return this.writesApplied;
  }

  /** Every project, by key. */
  allProjects(): ProjectView[] {
    return [...this.state.projects.values()].sort((a, b) => byKey(a.project, b.project));
  }

  project(key: string): ProjectView | undefined {
    return this.state.projectsByKey.get(key);
  }

  projectById(id: number): ProjectView | undefined {
    return this.state.projects.get(id);
  }

  environment(id: number): EnvironmentView | undefined {
    return this.state.environments.get(id);
  }

  /** Every environment's view (for the scheduler and the metrics). */
  allEnvironments(): Iterable<EnvironmentView> {
    return this.state.environments.values();
  }

  replace(all: ConfigAtRevision): void {
    const ids = <T extends { id: number }>(rows: readonly T[]) => new Map(rows.map((row) => [row.id, row]));
    const rows: Rows = {
      projects: ids(all.projects),
      environments: ids(all.environments),
      flags: ids(all.flags),
      flagConfigs: ids(all.flagConfigs),
      segments: ids(all.segments),
      experiments: ids(all.experiments),
      schedules: new Map(all.schedules.map((s) => [s.id, s])),
    };
    const { state, changes } = build(all.revision, rows, this.clock);
    this.swap(state, changes);
  }

  /** The rows that changed in the database since this snapshot's revision (read by ConfigSync). */
  applyChanges(changes: ConfigChanges): void {
    const next = this.changed(changes.revision, changes);
    this.swap(next.state, next.changes);
  }

  /**
   * A write this process just committed: visible here at once, before the next reload. With the
   * write's revisions, a snapshot that held everything up to the write's start then holds everything
   * up to its end, since nothing else committed in between: no reload is needed for it. Otherwise the
   * revision stays: the database has moved past it, so the next check reads what changed since.
   */
  applyLocal(delta: ConfigDelta, revisions?: RevisionSpan): void {
    const revision = revisions && revisions.before === this.state.revision ? revisions.after : this.state.revision;
    const next = this.changed(revision, delta);
    this.writesApplied++;
    this.swap(next.state, next.changes);
  }

  private changed(revision: number, delta: ConfigDelta): Rebuilt {
    const before = this.state;
    const rows = { ...before.rows } as { -readonly [K in RowTable]: Map<unknown, unknown> };
    const touched = new Touched();
    for (const table of ROW_TABLES) {
      const { present, gone } = delta[table] as { present: { id: unknown }[]; gone: unknown[] };
      if (present.length === 0 && gone.length === 0) continue;
      const next = new Map(before.rows[table] as Map<unknown, unknown>);
      for (const id of gone) {
        touched.row(table, next.get(id));
        next.delete(id);
      }
      for (const row of present) {
        touched.row(table, next.get(row.id));
        touched.row(table, row);
        next.set(row.id, row);
      }
      rows[table] = next;
    }
    return rebuild(before, revision, rows as unknown as Rows, touched, this.clock);
  }
}
