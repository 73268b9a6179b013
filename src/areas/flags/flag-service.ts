import type { DefinitionInUse } from '../../core/projects.js';
import { type Flag, type FlagConfigChanges, type FlagDefinition, flagOf, staleness } from '../../core/flags.js';
import type { Clock } from '../../support/clock.js';
import type { ConfigSnapshot } from '../../read-model/config-snapshot.js';
import type { EnvironmentView, ProjectView } from '../../read-model/environment-view.js';
import { checkWeightKeys, flagNotFound } from './flag-commands.js';
import { checkFlag, type CommittedConfig } from './flag-checks.js';

/** What the flag service reads of the read model. */
export type FlagViews = Pick<ConfigSnapshot, 'allProjects' | 'environment' | 'projectById'>;

/** When each flag was last evaluated, by environment (the usage flush keeps it): what tells stale flags. */
export interface EvaluationHistory {
  /** By flag id, then environment id: ms since the epoch. */
  lastEvaluations(projectId: number): Promise<Map<number, Map<number, number>>>;
}

/** What a flag list asks for: all of these hold for each flag it answers. */
export interface FlagFilter {
  /** In the name or the description, in any case. */
  q?: string;
  tag?: string;
  stale?: boolean;
  /** A page of at most this many, after the flag named `cursor`. */
  limit?: number;
  cursor?: string;
}

export interface FlagPage<T> {
  items: T[];
  /** The last name on this page when another follows; null on the last page. */
  nextCursor: string | null;
}

function matches(flag: { name: string; description: string | null; tags: string[] }, filter: FlagFilter): boolean {
  if (filter.tag !== undefined && !flag.tags.includes(filter.tag)) return false;
  if (filter.q === undefined) return true;
  const q = filter.q.toLowerCase();
  return flag.name.toLowerCase().includes(q) || (flag.description?.toLowerCase().includes(q) ?? false);
}

/** The page after `cursor` (items are in name order already). */
function pageOf<T extends { name: string }>(items: T[], { cursor, limit }: FlagFilter): FlagPage<T> {
  const from = cursor === undefined ? items : items.filter((item) => item.name > cursor);
  if (limit === undefined || from.length <= limit) return { items: from, nextCursor: null };
  const page = from.slice(0, limit);
  return { items: page, nextCursor: page[page.length - 1].name };
}

/**
 * Flags as this process's snapshot holds them: a definition per project, a configuration per
 * environment. They change through commands (flag-commands.ts), which write to the database first and
 * then into the snapshot, so a client that writes and then reads on the same instance sees its write.
 */
export class FlagService {
  constructor(
    private readonly snapshot: FlagViews,
    private readonly usage: EvaluationHistory,
    private readonly clock: Clock,
  ) {}

  list(view: EnvironmentView): readonly Flag[] {
    return view.all();
  }

  /** One environment's flags that match the filter; the database is read only to tell which are stale. */
  async find(view: EnvironmentView, filter: FlagFilter): Promise<FlagPage<Flag>> {
    let flags = view.all().filter((flag) => matches(flag, filter));
    if (filter.stale !== undefined) {
      const lastEvaluations = await this.usage.lastEvaluations(view.project.id);
      flags = flags.filter(
        (flag) => (staleness(flag, lastEvaluations.get(flag.flagId), this.clock.now()) !== null) === filter.stale,
      );
    }
    return pageOf(flags, filter);
  }

  /** The project's flag definitions that match the filter, each with its environments' state and staleness. */
  async findDefinitions(project: ProjectView, filter: FlagFilter): Promise<FlagPage<DefinitionInUse>> {
    const lastEvaluations = await this.usage.lastEvaluations(project.project.id);
    const all = project
      .allDefinitions()
      .filter((definition) => matches(definition, filter))
      .map((definition) => this.inUse(project, definition, lastEvaluations.get(definition.id)))
      .filter((flag) => filter.stale === undefined || (flag.stale !== null) === filter.stale);
    const page = pageOf(
      all.map((flag) => ({ ...flag, name: flag.definition.name })),
      filter,
    );
    return { items: page.items, nextCursor: page.nextCursor };
  }

  /** How many flags of each project are stale, for /metrics. */
  async staleCounts(): Promise<{ project: string; count: number }[]> {
    return Promise.all(
      this.snapshot.allProjects().map(async (project) => ({
        project: project.project.key,
        count: (await this.findDefinitions(project, { stale: true })).items.length,
      })),
    );
  }

  async getDefinitionInUse(view: ProjectView, name: string): Promise<DefinitionInUse> {
    const project = this.snapshot.projectById(view.project.id) ?? view;
    const definition = this.getDefinition(project, name);
    const lastEvaluations = await this.usage.lastEvaluations(project.project.id);
    return this.inUse(project, definition, lastEvaluations.get(definition.id));
  }

  private inUse(
    project: ProjectView,
    definition: FlagDefinition,
    lastEvaluated: ReadonlyMap<number, number> | undefined,
  ): DefinitionInUse {
    return {
      definition,
      environments: project.environments.map((environment) => ({
        environment,
        config: this.snapshot.environment(environment.id)?.configs.get(definition.id),
        lastEvaluatedAt: lastEvaluated?.get(environment.id) ?? null,
      })),
      stale: staleness(definition, lastEvaluated, this.clock.now()),
    };
  }

  get(view: EnvironmentView, name: string): Flag {
    const flag = view.find(name);
    if (!flag) throw flagNotFound(name);
    return flag;
  }

  getDefinition(project: ProjectView, name: string): FlagDefinition {
    const definition = project.definitions.get(name);
    if (!definition) throw flagNotFound(name);
    return definition;
  }

  /**
   * The flag as a settings change would leave it in this environment, checked as the write checks it
   * (against the snapshot, as nothing is written), for the impact preview.
   */
  proposedSettings(view: EnvironmentView, name: string, settings: FlagConfigChanges): { before: Flag; after: Flag } {
    const before = this.get(view, name);
    const project = this.snapshot.projectById(view.project.id);
    const config = view.configs.get(before.flagId);
    if (!project || !config) throw flagNotFound(name);
    const definition = this.getDefinition(project, name);
    checkWeightKeys(settings, definition);
    const after = flagOf(definition, { ...config, ...settings });
    const committed: CommittedConfig = {
      flags: new Map(view.all().map((flag) => [flag.name, flag])).set(name, after),
      segmentNames: new Set(project.allSegments().map((segment) => segment.name)),
    };
    checkFlag(committed, after);
    return { before, after };
  }
}
