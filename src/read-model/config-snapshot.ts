import type { Clock } from '../support/clock.js';
import { type Environment, type Project } from '../core/projects.js';
import { type Experiment } from '../core/experiments.js';
import { type Flag, type FlagConfig, type FlagDefinition, flagOf } from '../core/flags.js';
import { type ScheduledChange } from '../core/schedules.js';
import { type Segment } from '../core/segments.js';
import type { ConfigAtRevision, ConfigChanges, ConfigDelta, RevisionSpan } from '../db/repositories.js';
import type { SegmentDefinition } from '../core/targeting.js';
import type { Lookups } from '../core/evaluation.js';
import { withDueChanges } from '../core/schedules.js';

/** A segment as evaluation uses it: its user ids in a set, for a lookup per evaluation. */
export interface LoadedSegment extends SegmentDefinition {
  readonly segment: Segment;
}

interface FlagIndex {
  readonly byName: ReadonlyMap<string, Flag>;
  /** In name order (code points), ready for "all flags" answers. */
  readonly sorted: readonly Flag[];
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byName = (a: { name: string }, b: { name: string }) => byCodePoint(a.name, b.name);
const byKey = (a: { key: string }, b: { key: string }) => byCodePoint(a.key, b.key);

const loadSegment = (segment: Segment): LoadedSegment => ({
  segment,
  userIds: new Set(segment.userIds),
  conditions: segment.conditions,
});

function indexOf(flags: readonly Flag[]): FlagIndex {
  const sorted = [...flags].sort(byName);
  return { byName: new Map(sorted.map((f) => [f.name, f])), sorted };
}

/**
 * The index with the named flags gone and `present` set. The sorted list is merged, not sorted
 * again, which took about 40% off a write to one of 10,000 flags; most of what remains is copying
 * the name map, the price of a snapshot no write ever changes under a reader.
 */
function indexWith({ byName: names, sorted }: FlagIndex, present: readonly Flag[], gone: readonly string[]): FlagIndex {
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

/** The rows instances keep, by id. */
interface Rows {
  projects: ReadonlyMap<number, Project>;
  environments: ReadonlyMap<number, Environment>;
  flags: ReadonlyMap<number, FlagDefinition>;
  flagConfigs: ReadonlyMap<number, FlagConfig>;
  segments: ReadonlyMap<number, Segment>;
  experiments: ReadonlyMap<number, Experiment>;
  schedules: ReadonlyMap<string, ScheduledChange>;
}

interface SnapshotState {
  readonly revision: number;
  readonly rows: Rows;
  readonly projectsByKey: ReadonlyMap<string, ProjectView>;
  readonly projects: ReadonlyMap<number, ProjectView>;
  readonly environments: ReadonlyMap<number, EnvironmentView>;
}

type RowTable = keyof Rows;
const ROW_TABLES: RowTable[] = [
  'projects',
  'environments',
  'flags',
  'flagConfigs',
  'segments',
  'experiments',
  'schedules',
];

const EMPTY: SnapshotState = {
  revision: -1,
  rows: {
    projects: new Map(),
    environments: new Map(),
    flags: new Map(),
    flagConfigs: new Map(),
    segments: new Map(),
    experiments: new Map(),
    schedules: new Map(),
  },
  projectsByKey: new Map(),
  projects: new Map(),
  environments: new Map(),
};

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

/** What a change touched: which projects' views, and which environments' flags, need building again. */
class Touched {
  readonly projects = new Set<number>();
  readonly environments = new Set<number>();
  /** Flag ids whose effective flag changed, per environment (configurations) and per project (definitions). */
  readonly flagsByEnvironment = new Map<number, Set<number>>();
  readonly flagsByProject = new Map<number, Set<number>>();
  /** Segments changed (by name), per project: the flags whose rules use them answer differently. */
  readonly segmentsByProject = new Map<number, Set<string>>();
  /**
   * Flags whose experiments or scheduled changes changed, per environment: their answers may not
   * differ yet, but the environment's configuration (GET /config) does, so its version moves.
   */
  readonly namesByEnvironment = new Map<number, Set<string>>();

  row(table: RowTable, row: unknown): void {
    if (row === undefined) return;
    switch (table) {
      case 'projects':
        this.projects.add((row as Project).id);
        return;
      case 'environments':
        this.projects.add((row as Environment).projectId);
        this.environments.add((row as Environment).id);
        return;
      case 'flags': {
        const flag = row as FlagDefinition;
        this.projects.add(flag.projectId);
        add(this.flagsByProject, flag.projectId, flag.id);
        return;
      }
      case 'flagConfigs': {
        const config = row as FlagConfig;
        this.environments.add(config.environmentId);
        add(this.flagsByEnvironment, config.environmentId, config.flagId);
        return;
      }
      case 'segments':
        this.projects.add((row as Segment).projectId);
        addName(this.segmentsByProject, (row as Segment).projectId, (row as Segment).name);
        return;
      case 'experiments':
        this.environments.add((row as Experiment).environmentId);
        addName(this.namesByEnvironment, (row as Experiment).environmentId, (row as Experiment).flagName);
        return;
      case 'schedules':
        this.environments.add((row as ScheduledChange).environmentId);
        addName(this.namesByEnvironment, (row as ScheduledChange).environmentId, (row as ScheduledChange).flagName);
        return;
    }
  }
}

function add(map: Map<number, Set<number>>, key: number, value: number): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

function addName(map: Map<number, Set<string>>, key: number, value: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

interface Rebuilt {
  state: SnapshotState;
  changes: EnvironmentChange[];
}

/** Everything built from the rows: for a full load, after which nothing says which answers changed. */
function build(revision: number, rows: Rows, clock: Clock): Rebuilt {
  const touched = new Touched();
  for (const id of rows.projects.keys()) touched.projects.add(id);
  const { state } = rebuild(EMPTY, revision, rows, touched, clock);
  const at = clock.now();
  return {
    state,
    changes: [...state.environments.keys()].map((environmentId) => ({ environmentId, revision, at, flags: null })),
  };
}

function rebuild(before: SnapshotState, revision: number, rows: Rows, touched: Touched, clock: Clock): Rebuilt {
  const changes: EnvironmentChange[] = [];
  const at = clock.now();
  const projects = new Map(before.projects);
  const environments = new Map(before.environments);

  // Projects whose environments, definitions or segments changed get a new view, and so do their environments.
  for (const projectId of touched.projects) {
    const project = rows.projects.get(projectId);
    const old = before.projects.get(projectId);
    if (!project) {
      projects.delete(projectId);
      continue;
    }
    const changedFlags = touched.flagsByProject.get(projectId);
    const fresh = !old;
    const definitions = fresh ? new Map<string, FlagDefinition>() : new Map(old.definitions);
    if (fresh) {
      for (const flag of rows.flags.values()) if (flag.projectId === projectId) definitions.set(flag.name, flag);
    } else if (changedFlags) {
      for (const [name, flag] of old.definitions) if (changedFlags.has(flag.id)) definitions.delete(name);
      for (const id of changedFlags) {
        const flag = rows.flags.get(id);
        if (flag) definitions.set(flag.name, flag);
      }
    }
    const segments = new Map<string, LoadedSegment>();
    for (const segment of rows.segments.values()) {
      if (segment.projectId !== projectId) continue;
      // Unchanged segments keep their loaded user-id sets.
      const known = old?.segments.get(segment.name);
      segments.set(segment.name, known && known.segment === segment ? known : loadSegment(segment));
    }
    const projectEnvironments = [...rows.environments.values()]
      .filter((e) => e.projectId === projectId)
      .sort((a, b) => a.position - b.position || byKey(a, b));
    projects.set(projectId, new ProjectView(project, projectEnvironments, definitions, segments));
    for (const environment of projectEnvironments) touched.environments.add(environment.id);
    // A changed definition changes the flag in each of its project's environments.
    if (changedFlags) {
      for (const environment of projectEnvironments) {
        for (const id of changedFlags) add(touched.flagsByEnvironment, environment.id, id);
      }
    }
  }
  for (const [id, view] of before.environments) {
    if (!rows.environments.has(id) || !projects.has(view.project.id)) environments.delete(id);
  }

  for (const environmentId of touched.environments) {
    const environment = rows.environments.get(environmentId);
    const projectView = environment && projects.get(environment.projectId);
    if (!environment || !projectView) {
      environments.delete(environmentId);
      continue;
    }
    const old = before.environments.get(environmentId);
    const changedFlags = touched.flagsByEnvironment.get(environmentId);
    const changedNames = new Set<string>();
    let configs: ReadonlyMap<number, FlagConfig>;
    let index: FlagIndex;
    if (!old || old.project.id !== environment.projectId) {
      const all = new Map<number, FlagConfig>();
      for (const config of rows.flagConfigs.values())
        if (config.environmentId === environmentId) all.set(config.flagId, config);
      configs = all;
      index = indexOf(effectiveFlags(all.values(), rows));
    } else if (changedFlags) {
      const next = new Map(old.configs);
      for (const id of changedFlags) next.delete(id);
      for (const config of rows.flagConfigs.values()) {
        if (config.environmentId === environmentId && changedFlags.has(config.flagId)) next.set(config.flagId, config);
      }
      configs = next;
      const present = effectiveFlags(
        [...changedFlags].map((id) => next.get(id)).filter((c) => c !== undefined),
        rows,
      );
      const presentNames = new Set(present.map((f) => f.name));
      const gone = [...changedFlags]
        .map((id) => old.configs.get(id) && (before.rows.flags.get(id)?.name ?? rows.flags.get(id)?.name))
        .filter((name): name is string => name !== undefined && !presentNames.has(name));
      index = indexWith(old.index, present, gone);
      for (const name of [...presentNames, ...gone]) changedNames.add(name);
    } else {
      configs = old.configs;
      index = old.index;
    }
    const schedules = [...rows.schedules.values()]
      .filter((s) => s.environmentId === environmentId)
      .sort((a, b) => a.at.getTime() - b.at.getTime());
    const experiments = new Map(
      [...rows.experiments.values()].filter((e) => e.environmentId === environmentId).map((e) => [e.key, e]),
    );
    // A changed segment changes the answers of the flags whose rules use it.
    const segments = touched.segmentsByProject.get(environment.projectId);
    if (segments && old) {
      for (const flag of index.sorted) {
        if (flag.rules.some((rule) => rule.segment !== null && segments.has(rule.segment))) changedNames.add(flag.name);
      }
    }
    for (const name of touched.namesByEnvironment.get(environmentId) ?? []) changedNames.add(name);
    let version = old?.version ?? { revision, at };
    // A segment no flag uses yet changes no answer, but it is part of the configuration all the same.
    if (old && (changedNames.size > 0 || segments !== undefined)) {
      version = { revision, at };
      changes.push({ environmentId, revision, at, flags: [...changedNames].sort() });
    }
    environments.set(
      environmentId,
      new EnvironmentView(
        projectView.project,
        environment,
        configs,
        index,
        projectView.segments,
        schedules,
        experiments,
        clock,
        version,
      ),
    );
  }

  const projectsByKey = new Map([...projects.values()].map((view) => [view.project.key, view]));
  return { state: { revision, rows, projects, projectsByKey, environments }, changes };
}

/** The effective flags of these configurations; a configuration whose definition is not (yet) known is left out. */
function effectiveFlags(configs: Iterable<FlagConfig>, rows: Rows): Flag[] {
  const flags: Flag[] = [];
  for (const config of configs) {
    const definition = rows.flags.get(config.flagId);
    if (definition) flags.push(flagOf(definition, config));
  }
  return flags;
}
