import type { Flag } from '../db/repositories.js';

interface SnapshotState {
  readonly revision: number;
  readonly byName: ReadonlyMap<string, Flag>;
  /** In name order (code points), ready for "all flags" answers. */
  readonly sorted: readonly Flag[];
}

const byCodePoint = (a: Flag, b: Flag) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function stateOf(revision: number, flags: Iterable<Flag>): SnapshotState {
  const sorted = [...flags].sort(byCodePoint);
  return { revision, byName: new Map(sorted.map((f) => [f.name, f])), sorted };
}

/**
 * Every flag, in memory, so evaluation never waits for the database. Each change builds a new
 * immutable state and swaps it in one assignment: a reader always sees one consistent set.
 */
export class FlagSnapshot {
  private state: SnapshotState = stateOf(-1, []);
  private writesApplied = 0;

  /** The flags table revision this snapshot was loaded at (-1 before the first load). */
  get revision(): number {
    return this.state.revision;
  }

  /** Counts local writes, so a reload that raced one can tell it must not overwrite it. */
  get localWriteCount(): number {
    return this.writesApplied;
  }

  find(name: string): Flag | undefined {
    return this.state.byName.get(name);
  }

  all(): readonly Flag[] {
    return this.state.sorted;
  }

  replace(revision: number, flags: readonly Flag[]): void {
    this.state = stateOf(revision, flags);
  }

  /** A write this process just committed: visible here at once, before the next reload. */
  put(flag: Flag): void {
    const byName = new Map(this.state.byName);
    byName.set(flag.name, flag);
    this.applyLocal(byName);
  }

  remove(name: string): void {
    const byName = new Map(this.state.byName);
    byName.delete(name);
    this.applyLocal(byName);
  }

  private applyLocal(byName: Map<string, Flag>): void {
    // The revision stays: the database has moved past it, so the next poll reloads everything.
    this.state = stateOf(this.state.revision, byName.values());
    this.writesApplied++;
  }
}
