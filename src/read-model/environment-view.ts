/** What evaluation reads: a project's view and each environment's, built from the rows and never changed in place. */
import type { Lookups } from '../core/evaluation.js';
import type { Experiment } from '../core/experiments.js';
import type { Flag, FlagDefinition, FlagConfig } from '../core/flags.js';
import type { Project, Environment } from '../core/projects.js';
import { type ScheduledChange, withDueChanges } from '../core/schedules.js';
import type { Segment } from '../core/segments.js';
import type { SegmentDefinition } from '../core/targeting.js';
import type { Clock } from '../support/clock.js';

/** A segment as evaluation uses it: its user ids in a set, for a lookup per evaluation. */
export interface LoadedSegment extends SegmentDefinition {
  readonly segment: Segment;
}

export interface FlagIndex {
  readonly byName: ReadonlyMap<string, Flag>;
  /** In name order (code points), ready for "all flags" answers. */
  readonly sorted: readonly Flag[];
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const byName = (a: { name: string }, b: { name: string }) => byCodePoint(a.name, b.name);

export const byKey = (a: { key: string }, b: { key: string }) => byCodePoint(a.key, b.key);

export const loadSegment = (segment: Segment): LoadedSegment => ({
  segment,
  userIds: new Set(segment.userIds),
  conditions: segment.conditions,
});

export function indexOf(flags: readonly Flag[]): FlagIndex {
  const sorted = [...flags].sort(byName);
  return { byName: new Map(sorted.map((f) => [f.name, f])), sorted };
}

/**
 * The index with the named flags gone and `present` set. The sorted list is merged, not sorted
 * again, which took about 40% off a write to one of 10,000 flags; most of what remains is copying
 * the name map, the price of a snapshot no write ever changes under a reader.
 */
export function indexWith(
  { byName: names, sorted }: FlagIndex,
  present: readonly Flag[],
  gone: readonly string[],
): FlagIndex {
  const nextByName = new Map(names);
  for (const name of gone) nextByName.delete(name);
  const incoming = new Map(present.map((flag) => [flag.name, flag]));
  for (const flag of incoming.values()) nextByName.set(flag.name, flag);
  const added = [...incoming.values()].sort(byName);
  const replaced = new Set([...gone, ...incoming.keys()]);
  const merged: Flag[] = [];
  let next = 0;
  for (const flag of sorted) {
    if (replaced.has(flag.name)) continue;
    while (next < added.length && added[next].name < flag.name) merged.push(added[next++]);
    merged.push(flag);
  }
  while (next < added.length) merged.push(added[next++]);
  return { byName: nextByName, sorted: merged };
}

/**
 * What a change did to one environment's configuration: the flags whose answers, experiments or
 * scheduled changes may differ (null when it cannot tell: a full load; empty for a segment no flag
 * uses), at the revision the snapshot then holds.
 */
export interface EnvironmentChange {
  environmentId: number;
  revision: number;
  /** When this instance applied it (ms since the epoch). */
  at: number;
  flags: string[] | null;
}

/** The revision and time of the last change to an environment's configuration: its version. */
export interface ConfigVersion {
  revision: number;
  at: number;
}

/** A project's definitions, segments and environments. */
export class ProjectView {
  constructor(
    readonly project: Project,
    /** In position order. */
    readonly environments: readonly Environment[],
    readonly definitions: ReadonlyMap<string, FlagDefinition>,
    readonly segments: ReadonlyMap<string, LoadedSegment>,
  ) {}

  environment(key: string): Environment | undefined {
    return this.environments.find((e) => e.key === key);
  }

  /** Every flag definition, in name order. */
  allDefinitions(): FlagDefinition[] {
    return [...this.definitions.values()].sort(byName);
  }

  /** Every segment, in name order. */
  allSegments(): Segment[] {
    return [...this.segments.values()].map((s) => s.segment).sort(byName);
  }
}

/**
 * One environment's configuration as evaluation reads it: its flags (definition and configuration
 * together), its project's segments, its pending scheduled changes and its experiments. Immutable: a
 * change builds a new view and the snapshot swaps it in, so a reader always sees one consistent set.
 * A scheduled change counts from its time on, whether or not an instance has written it to the flag yet.
 */
export class EnvironmentView {
  /** When the first pending change is due (ms since the epoch); Infinity when none is pending. */
  private readonly nextDueAt: number;
  /** The running experiment of each flag that has one (at most one runs per flag). */
  private readonly runningByFlag: ReadonlyMap<string, Experiment>;
  /** What a decision looks up besides its flag: built once per view, not per evaluation. */
  readonly lookups: Lookups = {
    segment: (name) => this.segment(name),
    flag: (name) => this.find(name),
  };

  constructor(
    readonly project: Project,
    readonly environment: Environment,
    /** The environment's configurations, by flag id. */
    readonly configs: ReadonlyMap<number, FlagConfig>,
    readonly index: FlagIndex,
    private readonly segments: ReadonlyMap<string, LoadedSegment>,
    /** Pending scheduled changes, by time. */
    readonly schedules: readonly ScheduledChange[],
    private readonly experiments: ReadonlyMap<string, Experiment>,
    private readonly clock: Clock,
    /** Of the last change to its answers (for OFREP's flagConfigEtag and lastModified). */
    readonly version: ConfigVersion,
  ) {
    this.nextDueAt = schedules[0]?.at.getTime() ?? Infinity;
    const running = [...experiments.values()].filter((experiment) => experiment.status === 'running');
    this.runningByFlag = new Map(running.map((experiment) => [experiment.flagName, experiment]));
  }

  find(name: string): Flag | undefined {
    const flag = this.index.byName.get(name);
    // Most of the time nothing is due: one comparison, no clock read.
    if (flag === undefined || this.nextDueAt === Infinity) return flag;
    const now = this.clock.now();
    return this.nextDueAt > now ? flag : withDueChanges(flag, this.schedules, now);
  }

  /** Every flag, in name order. */
  all(): readonly Flag[] {
    const { sorted } = this.index;
    if (this.nextDueAt === Infinity) return sorted;
    const now = this.clock.now();
    return this.nextDueAt > now ? sorted : sorted.map((flag) => withDueChanges(flag, this.schedules, now));
  }

  segment(name: string): LoadedSegment | undefined {
    return this.segments.get(name);
  }

  experiment(key: string): Experiment | undefined {
    return this.experiments.get(key);
  }

  /** Every experiment, by key. */
  allExperiments(): Experiment[] {
    return [...this.experiments.values()].sort(byKey);
  }

  /** The flag's running experiment, if it has one: looked up on every evaluation, so one map read. */
  runningExperiment(flagName: string): Experiment | undefined {
    return this.runningByFlag.get(flagName);
  }

  /** Pending scheduled changes that are due now. */
  dueSchedules(now: number): ScheduledChange[] {
    return this.nextDueAt > now ? [] : this.schedules.filter((s) => s.at.getTime() <= now);
  }
}
