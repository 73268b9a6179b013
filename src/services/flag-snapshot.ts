import type { Flag, Segment } from '../db/repositories.js';
import type { SegmentDefinition } from '../targeting.js';

/** A segment as evaluation uses it: its user ids in a set, for a lookup per evaluation. */
export interface LoadedSegment extends SegmentDefinition {
  readonly segment: Segment;
}

interface SnapshotState {
  readonly revision: number;
  readonly byName: ReadonlyMap<string, Flag>;
  /** In name order (code points), ready for "all flags" answers. */
  readonly sorted: readonly Flag[];
  readonly segments: ReadonlyMap<string, LoadedSegment>;
}

const byCodePoint = (a: Flag, b: Flag) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

const loadSegment = (segment: Segment): LoadedSegment => ({ segment, userIds: new Set(segment.userIds), conditions: segment.conditions });

function stateOf(revision: number, flags: Iterable<Flag>, segments: ReadonlyMap<string, LoadedSegment>): SnapshotState {
  const sorted = [...flags].sort(byCodePoint);
  return { revision, byName: new Map(sorted.map((f) => [f.name, f])), sorted, segments };
}

/**
 * Every flag, in memory, so evaluation never waits for the database. Each change builds a new
 * immutable state and swaps it in one assignment: a reader always sees one consistent set.
 */
export class FlagSnapshot {
  private state: SnapshotState = stateOf(-1, [], new Map());
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

  segment(name: string): LoadedSegment | undefined {
    return this.state.segments.get(name);
  }

  /** Every segment, in name order. */
  allSegments(): Segment[] {
    return [...this.state.segments.values()].map((s) => s.segment).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  replace(revision: number, flags: readonly Flag[], segments: readonly Segment[]): void {
    this.state = stateOf(revision, flags, new Map(segments.map((s) => [s.name, loadSegment(s)])));
  }

  /** A segment this process just wrote (or deleted: undefined). */
  putSegment(name: string, segment: Segment | undefined): void {
    const segments = new Map(this.state.segments);
    if (segment) segments.set(name, loadSegment(segment));
    else segments.delete(name);
    this.state = { ...this.state, segments };
    this.writesApplied++;
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
    this.state = stateOf(this.state.revision, byName.values(), this.state.segments);
    this.writesApplied++;
  }
}
