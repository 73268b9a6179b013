import {
  type Actor,
  type DefinitionInUse,
  type Environment,
  type Flag,
  type FlagConfig,
  type FlagDefinition,
  type FlagDefinitionChanges,
  type FlagKind,
  type FlagValueType,
  type FlagSettings,
  equalWeights,
  flagOf,
  type JsonValue,
  offSettings,
  type Override,
  type Prerequisite,
  type Project,
  type Rule,
  type VariantDefinition,
  type VariantSplit,
} from '../core/model.js';
import type { ConfigWrite } from '../db/repositories.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { Condition } from '../core/targeting.js';
import { percentageToBasisPoints } from '../core/rollout.js';
import { auditRecords } from './audit-records.js';
import type { ConfigSnapshot, EnvironmentView, ProjectView } from './config-snapshot.js';
import type { ConfigWriter } from './config-writer.js';
import type { FlagUsage } from './flag-usage.js';
import {
  checkDependentsKeep,
  checkFlag,
  checkPrerequisites,
  checkSegments,
  checkValues,
  checkVariantReferences,
  type CommittedConfig,
  dependentsOf,
} from './flag-checks.js';

export interface VariantInput {
  key: string;
  /** Percentage, at most two decimals; may be left out where the weights are not being set. */
  weight?: number;
  payload: JsonValue;
  /** Of the flag's value type; left out (null) for boolean flags. */
  value?: JsonValue;
}

export interface RuleInput {
  segment?: string;
  conditions: Condition[];
  rolloutPercentage: number;
  variants: { key: string; weight: number }[];
}

/** What an environment sets of a flag; what is left out stays as it is. */
export interface SettingsInput {
  status?: boolean;
  rolloutPercentage?: number;
  /** Every one of the flag's variants, with its weight in this environment. */
  weights?: { key: string; weight: number }[];
  rules?: RuleInput[];
  overrides?: Override[];
  prerequisites?: Prerequisite[];
}

export interface DefinitionInput {
  description?: string | null;
  kind?: FlagKind;
  tags?: string[];
  valueType?: FlagValueType;
  variants?: VariantInput[];
  offVariant?: string | null;
}

const toVariantDefinitions = (variants: VariantInput[]): VariantDefinition[] =>
  variants.map((v) => ({ key: v.key, payload: v.payload, value: v.value ?? null }));

/** The seed's flag: definition and one environment's settings at once. */
export interface CreateFlagInput extends Required<DefinitionInput> {
  name: string;
  status: boolean;
  rolloutPercentage: number;
  rules: RuleInput[];
  overrides: Override[];
  prerequisites: Prerequisite[];
}

export type UpdateFlagInput = DefinitionInput & Omit<SettingsInput, 'weights'>;

const toRules = (rules: RuleInput[]): Rule[] =>
  rules.map((r) => ({
    segment: r.segment ?? null,
    conditions: r.conditions,
    rolloutBasisPoints: percentageToBasisPoints(r.rolloutPercentage),
    variants: r.variants.map((v): VariantSplit => ({
      key: v.key,
      weightBasisPoints: percentageToBasisPoints(v.weight),
    })),
  }));

const toSplits = (weights: { key: string; weight?: number }[]): VariantSplit[] =>
  weights.map((w) => ({ key: w.key, weightBasisPoints: percentageToBasisPoints(w.weight ?? 0) }));

/** Settings to store: percentages to basis points; what the input leaves out stays undefined (unchanged). */
function toSettings(input: SettingsInput): Partial<FlagSettings> {
  return {
    status: input.status,
    rolloutBasisPoints:
      input.rolloutPercentage === undefined ? undefined : percentageToBasisPoints(input.rolloutPercentage),
    weights: input.weights && toSplits(input.weights),
    rules: input.rules && toRules(input.rules),
    overrides: input.overrides,
    prerequisites: input.prerequisites,
  };
}

const definedOnly = <T extends object>(fields: T): Partial<T> =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;

const sameKeys = (a: readonly { key: string }[], b: readonly { key: string }[]) =>
  a.length === b.length && a.every((v) => b.some((w) => w.key === v.key));

/** The flags of one environment and the segments of its project, as committed: what its writes are checked against. */
export async function committedEnvironment(
  write: ConfigWrite,
  projectId: number,
  environmentId: number,
): Promise<CommittedConfig & { definitions: Map<number, FlagDefinition>; configs: Map<number, FlagConfig> }> {
  const [definitions, configs, segments] = await Promise.all([
    write.flags(projectId),
    write.configsOfEnvironment(environmentId),
    write.segments(projectId),
  ]);
  const byId = new Map(definitions.map((d) => [d.id, d]));
  const flags = new Map<string, Flag>();
  for (const config of configs) {
    const definition = byId.get(config.flagId);
    if (definition) flags.set(definition.name, flagOf(definition, config));
  }
  return {
    flags,
    segmentNames: new Set(segments.map((s) => s.name)),
    definitions: byId,
    configs: new Map(configs.map((c) => [c.flagId, c])),
  };
}

/** The committed config with one flag as a write would leave it. */
const withFlag = (committed: CommittedConfig, flag: Flag): CommittedConfig => ({
  ...committed,
  flags: new Map(committed.flags).set(flag.name, flag),
});

/** Weights name every variant of the flag, and only those. */
function checkWeightKeys(settings: Partial<FlagSettings>, definition: FlagDefinition): void {
  if (settings.weights && !sameKeys(settings.weights, definition.variants)) {
    const keys = definition.variants.map((v) => `"${v.key}"`).join(', ') || 'none';
    throw new ValidationError(
      'variants',
      `must give a weight to each of the flag's variants (${keys}), and only those`,
    );
  }
}

const flagNotFound = (name: string) => new NotFoundError(`Flag "${name}" not found`);

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
 * Flags: a definition per project, a configuration per environment. Writes go to the database first
 * and then into this process's snapshot (ConfigWriter), so a client that writes and then reads on
 * the same instance sees its write. Reads come from the snapshot. What a write checks against other
 * flags and segments, it checks inside the write, on what is committed: two writes at once (through
 * one instance or two) could otherwise each pass against a snapshot that holds neither, and together
 * store what neither alone may, such as a cycle of prerequisites.
 */
export class FlagService {
  constructor(
    private readonly writer: ConfigWriter,
    private readonly snapshot: ConfigSnapshot,
    private readonly usage: FlagUsage,
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
        (flag) => (this.usage.staleness(flag, lastEvaluations.get(flag.flagId)) !== null) === filter.stale,
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

  /** As the snapshot holds it now (after a write this request made, too). */
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
      stale: this.usage.staleness(definition, lastEvaluated),
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

  /** The seed's create: the definition, this environment's settings, and the flag off in the project's others. */
  async create(view: EnvironmentView, input: CreateFlagInput, actor: Actor): Promise<Flag> {
    const { project, environment } = view;
    const { name, description, kind, tags, valueType, variants, offVariant } = input;
    const settings = toSettings({ ...input, weights: variants.map((v) => ({ key: v.key, weight: v.weight ?? 0 })) });
    return this.writer.write(
      async (write) => {
        const environments = await this.environmentsOf(write, project, environment);
        const definition = await write.createFlag({
          projectId: project.id,
          name,
          description,
          kind,
          tags,
          valueType,
          variants: toVariantDefinitions(variants),
          offVariant,
        });
        checkValues(definition);
        const target = { ...offSettings([]), ...definedOnly(settings) } as FlagSettings;
        const flag = flagOf(definition, {
          ...target,
          id: 0,
          flagId: definition.id,
          environmentId: environment.id,
          version: 1,
          updatedAt: write.at,
        });
        checkVariantReferences(flag.variants, flag.rules, flag.overrides);
        // Reading every flag costs a write on 10,000 flags about 0.1 s: only writes that refer to others pay it.
        if (flag.prerequisites.length > 0 || flag.rules.some((rule) => rule.segment !== null)) {
          const committed = await committedEnvironment(write, project.id, environment.id);
          checkSegments(committed, flag.rules);
          checkPrerequisites(committed, name, flag.prerequisites);
        }
        let created: Flag | undefined;
        for (const each of environments) {
          const config = await write.createFlagConfig({
            flagId: definition.id,
            environmentId: each.id,
            ...(each.id === environment.id ? target : offSettings(target.weights)),
          });
          if (each.id === environment.id) created = flagOf(definition, config);
        }
        await write.audit({
          actor,
          action: 'flag.created',
          targetType: 'flag',
          target: name,
          project: project.key,
          environment: environment.key,
          before: null,
          after: auditRecords.flag(created!),
        });
        return created!;
      },
      { conflict: `A flag named "${name}" already exists` },
    );
  }

  /** A definition, off in every environment of the project, its variants split as given or equally. */
  async createDefinition(
    project: ProjectView,
    input: Required<DefinitionInput> & { name: string },
    actor: Actor,
  ): Promise<FlagDefinition> {
    const weights =
      input.variants.length > 0 && input.variants.every((v) => v.weight !== undefined)
        ? toSplits(input.variants)
        : equalWeights(input.variants);
    return this.writer.write(
      async (write) => {
        const environments = await this.environmentsOf(write, project.project);
        const definition = await write.createFlag({
          projectId: project.project.id,
          name: input.name,
          description: input.description,
          kind: input.kind,
          tags: input.tags,
          valueType: input.valueType,
          variants: toVariantDefinitions(input.variants),
          offVariant: input.offVariant,
        });
        checkValues(definition);
        for (const environment of environments) {
          await write.createFlagConfig({
            flagId: definition.id,
            environmentId: environment.id,
            ...offSettings(weights),
          });
        }
        await write.audit({
          actor,
          action: 'flag.created',
          targetType: 'flag',
          target: input.name,
          project: project.project.key,
          environment: null,
          before: null,
          after: auditRecords.definition(definition),
        });
        return definition;
      },
      { conflict: `A flag named "${input.name}" already exists in project "${project.project.key}"` },
    );
  }

  /** The seed's update: definition fields for the whole project, settings for this environment. */
  async update(view: EnvironmentView, name: string, input: UpdateFlagInput, actor: Actor): Promise<Flag> {
    const { project, environment } = view;
    const definitionInput: DefinitionInput = definedOnly({
      description: input.description,
      kind: input.kind,
      tags: input.tags,
      valueType: input.valueType,
      variants: input.variants,
      offVariant: input.offVariant,
    });
    const settings = definedOnly(
      toSettings({ ...input, weights: input.variants?.map((v) => ({ key: v.key, weight: v.weight ?? 0 })) }),
    );
    return this.writer.write(async (write) => {
      const { definition, configs } = await this.existing(write, project.id, name);
      const before = configs.find((c) => c.environmentId === environment.id);
      if (!before) throw flagNotFound(name);
      const changedDefinition = await this.writeDefinition(write, project, definition, configs, definitionInput, {
        environmentId: environment.id,
        settings,
      });
      const after = await write.updateFlagConfig(before.id, settings);
      await this.checkSettings(write, project.id, changedDefinition, after, settings, name);
      return this.auditUpdate(write, view, actor, flagOf(definition, before), flagOf(changedDefinition, after));
    });
  }

  /** The definition alone: description, kind, tags and variants (their payloads; weights where the keys change). */
  async updateDefinition(project: ProjectView, name: string, input: DefinitionInput, actor: Actor) {
    return this.writer.write(async (write) => {
      const { definition, configs } = await this.existing(write, project.project.id, name);
      const after = await this.writeDefinition(write, project.project, definition, configs, definedOnly(input));
      await write.audit({
        actor,
        action: 'flag.updated',
        targetType: 'flag',
        target: name,
        project: project.project.key,
        environment: null,
        before: auditRecords.definition(definition),
        after: auditRecords.definition(after),
      });
      return after;
    });
  }

  /** One environment's settings of a flag; weights name every variant of the flag. */
  async updateSettings(view: EnvironmentView, name: string, input: SettingsInput, actor: Actor): Promise<Flag> {
    const { project, environment } = view;
    const settings = definedOnly(toSettings(input));
    return this.writer.write(async (write) => {
      const { definition, configs } = await this.existing(write, project.id, name);
      const before = configs.find((c) => c.environmentId === environment.id);
      if (!before) throw flagNotFound(name);
      checkWeightKeys(settings, definition);
      const after = await write.updateFlagConfig(before.id, settings);
      await this.checkSettings(write, project.id, definition, after, settings, name);
      return this.auditUpdate(write, view, actor, flagOf(definition, before), flagOf(definition, after));
    });
  }

  /**
   * The flag as a settings change would leave it in this environment, checked as the write checks it
   * (against the snapshot, as nothing is written), for the impact preview.
   */
  proposedSettings(view: EnvironmentView, name: string, input: SettingsInput): { before: Flag; after: Flag } {
    const before = this.get(view, name);
    const project = this.snapshot.projectById(view.project.id);
    const config = view.configs.get(before.flagId);
    if (!project || !config) throw flagNotFound(name);
    const definition = this.getDefinition(project, name);
    const settings = definedOnly(toSettings(input));
    checkWeightKeys(settings, definition);
    const after = flagOf(definition, { ...config, ...settings });
    const committed: CommittedConfig = {
      flags: new Map(view.all().map((flag) => [flag.name, flag])).set(name, after),
      segmentNames: new Set(project.allSegments().map((segment) => segment.name)),
    };
    checkFlag(committed, after);
    return { before, after };
  }

  /** Deletes the flag from its project: its definition, every environment's configuration and schedules. */
  async delete(project: Project, name: string, actor: Actor, environment?: Environment): Promise<void> {
    await this.writer.write(async (write) => {
      const { definition, configs } = await this.existing(write, project.id, name);
      const environments = await write.environments(project.id);
      for (const each of environments) {
        const dependents = dependentsOf(await committedEnvironment(write, project.id, each.id), name);
        if (dependents.length > 0) {
          const names = dependents.map((f) => `"${f.name}"`).join(', ');
          throw new ConflictError(
            `Flag "${name}" is a prerequisite of ${names} in "${each.key}"; remove it from them first`,
          );
        }
      }
      for (const change of await write.schedulesOfFlag(
        environments.map((e) => e.id),
        name,
      ))
        await write.deleteSchedule(change.id);
      for (const config of configs) await write.deleteFlagConfig(config.id);
      await write.deleteFlag(definition.id);
      const shown = environment ? configs.find((c) => c.environmentId === environment.id) : undefined;
      await write.audit({
        actor,
        action: 'flag.deleted',
        targetType: 'flag',
        target: name,
        project: project.key,
        environment: environment?.key ?? null,
        before: shown ? auditRecords.flag(flagOf(definition, shown)) : auditRecords.definition(definition),
        after: null,
      });
    });
  }

  /** One environment's flag changed: its audit entry, and the flag as it is now. */
  private async auditUpdate(write: ConfigWrite, view: EnvironmentView, actor: Actor, before: Flag, after: Flag) {
    await write.audit({
      actor,
      action: 'flag.updated',
      targetType: 'flag',
      target: after.name,
      project: view.project.key,
      environment: view.environment.key,
      before: auditRecords.flag(before),
      after: auditRecords.flag(after),
    });
    return after;
  }

  private async existing(write: ConfigWrite, projectId: number, name: string) {
    const definition = await write.flag(projectId, name);
    if (!definition) throw flagNotFound(name);
    return { definition, configs: await write.configsOfFlag(definition.id) };
  }

  /** The project's environments as committed; the one a write addresses must still be among them. */
  private async environmentsOf(write: ConfigWrite, project: Project, environment?: Environment) {
    const environments = await write.environments(project.id);
    if (environment && !environments.some((e) => e.id === environment.id)) {
      throw new NotFoundError(`Environment "${environment.key}" not found in project "${project.key}"`);
    }
    return environments;
  }

  /**
   * Writes definition changes. Where the variants' keys change, every environment's weights follow:
   * the ones `addressed` sets for its own, otherwise the weights given with the variants (or an equal
   * split); where they do not, environments keep theirs. Checked first in every environment: its
   * rules, overrides and the flags that require a variant of this one keep finding their variants.
   */
  private async writeDefinition(
    write: ConfigWrite,
    project: Project,
    definition: FlagDefinition,
    configs: FlagConfig[],
    input: DefinitionInput,
    addressed?: { environmentId: number; settings: Partial<FlagSettings> },
  ): Promise<FlagDefinition> {
    const changes: FlagDefinitionChanges = {
      ...(input.description !== undefined && { description: input.description }),
      ...(input.kind !== undefined && { kind: input.kind }),
      ...(input.tags !== undefined && { tags: input.tags }),
      ...(input.valueType !== undefined && { valueType: input.valueType }),
      ...(input.variants !== undefined && { variants: toVariantDefinitions(input.variants) }),
      ...(input.offVariant !== undefined && { offVariant: input.offVariant }),
    };
    if (Object.keys(changes).length === 0) return definition;
    checkValues({ ...definition, ...changes });
    const variants = changes.variants;
    if (variants && !sameKeys(variants, definition.variants)) {
      const given =
        input.variants!.every((v) => v.weight !== undefined) && variants.length > 0
          ? toSplits(input.variants!)
          : equalWeights(variants);
      for (const config of configs) {
        const settings = config.environmentId === addressed?.environmentId ? addressed.settings : {};
        const committed = await committedEnvironment(write, project.id, config.environmentId);
        checkVariantReferences(variants, settings.rules ?? config.rules, settings.overrides ?? config.overrides);
        checkDependentsKeep(committed, definition.name, variants);
        if (config.environmentId !== addressed?.environmentId)
          await write.updateFlagConfig(config.id, { weights: given });
      }
    }
    return write.updateFlag(definition.id, changes);
  }

  /** A settings write that changes what it refers to (rules, overrides, prerequisites) is checked against the rest. */
  private async checkSettings(
    write: ConfigWrite,
    projectId: number,
    definition: FlagDefinition,
    config: FlagConfig,
    changed: Partial<FlagSettings>,
    name: string,
  ): Promise<void> {
    // Status, percentage and weights (most writes) concern no other flag or segment.
    if (!changed.rules && !changed.overrides && !changed.prerequisites) return;
    const flag = flagOf(definition, config);
    checkVariantReferences(flag.variants, flag.rules, flag.overrides);
    if (!changed.rules && !changed.prerequisites) return;
    const committed = withFlag(await committedEnvironment(write, projectId, config.environmentId), flag);
    checkSegments(committed, flag.rules);
    if (changed.prerequisites) checkPrerequisites(committed, name, flag.prerequisites);
  }
}
