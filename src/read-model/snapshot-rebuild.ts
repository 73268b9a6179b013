/** Building the views from the rows: all of them at a full load, only what a change touched after a write. */
import type { Experiment } from '../core/experiments.js';
import { type FlagDefinition, type FlagConfig, type Flag, flagOf } from '../core/flags.js';
import type { Project, Environment } from '../core/projects.js';
import type { ScheduledChange } from '../core/schedules.js';
import type { Segment } from '../core/segments.js';
import {
  ProjectView,
  EnvironmentView,
  type EnvironmentChange,
  type LoadedSegment,
  loadSegment,
  byKey,
  type FlagIndex,
  indexOf,
  indexWith,
} from './environment-view.js';
import type { Clock } from '../support/clock.js';

/** The rows instances keep, by id. */
export interface Rows {
  projects: ReadonlyMap<number, Project>;
  environments: ReadonlyMap<number, Environment>;
  flags: ReadonlyMap<number, FlagDefinition>;
  flagConfigs: ReadonlyMap<number, FlagConfig>;
  segments: ReadonlyMap<number, Segment>;
  experiments: ReadonlyMap<number, Experiment>;
  schedules: ReadonlyMap<string, ScheduledChange>;
}

export interface SnapshotState {
  readonly revision: number;
  readonly rows: Rows;
  readonly projectsByKey: ReadonlyMap<string, ProjectView>;
  readonly projects: ReadonlyMap<number, ProjectView>;
  readonly environments: ReadonlyMap<number, EnvironmentView>;
}

export type RowTable = keyof Rows;

export const ROW_TABLES: RowTable[] = [
  'projects',
  'environments',
  'flags',
  'flagConfigs',
  'segments',
  'experiments',
  'schedules',
];

export const EMPTY: SnapshotState = {
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

/** What a change touched: which projects' views, and which environments' flags, need building again. */
export class Touched {
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

export interface Rebuilt {
  state: SnapshotState;
  changes: EnvironmentChange[];
}

/** Everything built from the rows: for a full load, after which nothing says which answers changed. */
export function build(revision: number, rows: Rows, clock: Clock): Rebuilt {
  const touched = new Touched();
  for (const id of rows.projects.keys()) touched.projects.add(id);
  const { state } = rebuild(EMPTY, revision, rows, touched, clock);
  const at = clock.now();
  return {
    state,
    changes: [...state.environments.keys()].map((environmentId) => ({ environmentId, revision, at, flags: null })),
  };
}

export function rebuild(before: SnapshotState, revision: number, rows: Rows, touched: Touched, clock: Clock): Rebuilt {
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
