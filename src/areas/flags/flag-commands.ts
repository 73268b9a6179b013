import type {
  CreateFlag,
  CreateFlagDefinition,
  DefinitionFields,
  DeleteFlag,
  UpdateFlag,
  UpdateFlagDefinition,
  UpdateFlagSettings,
} from '../../core/commands.js';
import {
  equalWeights,
  type Flag,
  type FlagConfig,
  type FlagConfigChanges,
  type FlagDefinition,
  type FlagDefinitionChanges,
  flagOf,
  offSettings,
} from '../../core/flags.js';
import { type Environment, type Project } from '../../core/projects.js';
import type { ConfigWrite } from '../../db/repositories.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { auditRecords } from '../audit/audit-records.js';
import type { CommandContext } from '../commands/command-pipeline.js';
import {
  checkDependentsKeep,
  checkPrerequisites,
  checkSegments,
  checkValues,
  checkVariantReferences,
  type CommittedConfig,
  dependentsOf,
} from './flag-checks.js';

/** What committedEnvironment reads. */
export type CommittedReads = Pick<ConfigWrite, 'configsOfEnvironment' | 'flags' | 'segments'>;

/** The writes flag commands make, and the reads they check them against. */
type FlagWrites = Pick<
  ConfigWrite,
  | 'at'
  | 'audit'
  | 'configsOfEnvironment'
  | 'configsOfFlag'
  | 'createFlag'
  | 'createFlagConfig'
  | 'deleteFlag'
  | 'deleteFlagConfig'
  | 'deleteSchedule'
  | 'environments'
  | 'flag'
  | 'flags'
  | 'schedulesOfFlag'
  | 'segments'
  | 'updateFlag'
  | 'updateFlagConfig'
>;

type Committed = CommittedConfig & { definitions: Map<number, FlagDefinition>; configs: Map<number, FlagConfig> };

/** The flags of one environment and the segments of its project, as committed: what its writes are checked against. */
export async function committedEnvironment(
  write: CommittedReads,
  projectId: number,
  environmentId: number,
): Promise<Committed> {
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

const sameKeys = (a: readonly { key: string }[], b: readonly { key: string }[]) =>
  a.length === b.length && a.every((v) => b.some((w) => w.key === v.key));

export const flagNotFound = (name: string) => new NotFoundError(`Flag "${name}" not found`);

/** Weights name every variant of the flag, and only those. */
export function checkWeightKeys(settings: FlagConfigChanges, definition: Pick<FlagDefinition, 'variants'>): void {
  if (settings.weights && !sameKeys(settings.weights, definition.variants)) {
    const keys = definition.variants.map((v) => `"${v.key}"`).join(', ') || 'none';
    throw new ValidationError(
      'variants',
      `must give a weight to each of the flag's variants (${keys}), and only those`,
    );
  }
}

const definitionChanges = ({ weights: _weights, ...fields }: Partial<DefinitionFields>): FlagDefinitionChanges =>
  fields;

/** Settings that name other flags or segments: only writes of these read the rest of the environment. */
const refersToOthers = (settings: FlagConfigChanges) =>
  settings.prerequisites !== undefined || settings.rules !== undefined;

/**
 * A flag changed as one command says: its definition for the project and, where one environment is
 * addressed, that environment's settings. Everything it checks is read first, once, and checked on the
 * flag as the write will leave it; then it writes. Where the variants' keys change, every environment's
 * weights follow: those the addressed environment sets for itself, otherwise the weights given with
 * the variants (or an equal split); every environment is checked to keep finding its variants (its
 * rules, overrides, and the flags that require a variant of this one).
 */
async function changeFlag(
  write: FlagWrites,
  project: Project,
  name: string,
  fields: Partial<DefinitionFields>,
  addressed?: { environment: Environment; settings: FlagConfigChanges },
): Promise<{ definition: FlagDefinition; before?: Flag; after?: Flag }> {
  const definition = await write.flag(project.id, name);
  if (!definition) throw flagNotFound(name);
  const configs = await write.configsOfFlag(definition.id);
  const changes = definitionChanges(fields);
  const changed = { ...definition, ...changes };
  if (Object.keys(changes).length > 0) checkValues(changed);

  const keysChange = changes.variants !== undefined && !sameKeys(changes.variants, definition.variants);
  const settings = addressed?.settings ?? {};
  const own = addressed && configs.find((c) => c.environmentId === addressed.environment.id);
  if (addressed && !own) throw flagNotFound(name);
  const committedOf = new Map<number, Committed>();
  const committed = async (environmentId: number) => {
    if (!committedOf.has(environmentId))
      committedOf.set(environmentId, await committedEnvironment(write, project.id, environmentId));
    return committedOf.get(environmentId)!;
  };
  if (keysChange) {
    for (const config of configs) {
      const set = config.environmentId === addressed?.environment.id ? settings : {};
      checkVariantReferences(changed.variants, set.rules ?? config.rules, set.overrides ?? config.overrides);
      checkDependentsKeep(await committed(config.environmentId), name, changed.variants);
    }
  }
  let after: Flag | undefined;
  if (own) {
    checkWeightKeys(settings, changed);
    after = flagOf(changed, { ...own, ...settings });
    if (settings.rules || settings.overrides || settings.prerequisites)
      checkVariantReferences(after.variants, after.rules, after.overrides);
    if (refersToOthers(settings)) {
      const others = withFlag(await committed(own.environmentId), after);
      checkSegments(others, after.rules);
      if (settings.prerequisites) checkPrerequisites(others, name, after.prerequisites);
    }
  }

  const written = Object.keys(changes).length > 0 ? await write.updateFlag(definition.id, changes) : definition;
  if (keysChange) {
    const given = fields.weights ?? equalWeights(changed.variants);
    for (const config of configs) {
      if (config.id !== own?.id) await write.updateFlagConfig(config.id, { weights: given });
    }
  }
  if (!own) return { definition: written };
  const ownAfter =
    Object.keys(settings).length > 0 || keysChange ? await write.updateFlagConfig(own.id, settings) : own;
  return { definition: written, before: flagOf(definition, own), after: flagOf(written, ownAfter) };
}

async function auditFlagUpdate(context: CommandContext<FlagWrites>, before: Flag, after: Flag): Promise<Flag> {
  await context.write.audit({
    actor: context.actor,
    action: 'flag.updated',
    targetType: 'flag',
    target: after.name,
    project: context.project.key,
    environment: context.environment!.key,
    before: auditRecords.flag(before),
    after: auditRecords.flag(after),
  });
  return after;
}

/** The seed's create: the definition, this environment's settings, and the flag off in the project's others. */
async function createFlag({ payload }: CreateFlag, context: CommandContext<FlagWrites>): Promise<Flag> {
  const { write, project, actor } = context;
  const environment = context.environment!;
  const { name, definition, settings } = payload;
  const { weights: _weights, ...fields } = definition;
  const fresh = { ...fields, projectId: project.id, name };
  checkValues(fresh);
  const flag = flagOf(
    { ...fresh, id: 0, version: 1, createdAt: write.at, updatedAt: write.at },
    { ...settings, id: 0, flagId: 0, environmentId: environment.id, version: 1, updatedAt: write.at },
  );
  checkVariantReferences(flag.variants, flag.rules, flag.overrides);
  // Reading every flag costs a write on 10,000 flags about 0.1 s: only writes that refer to others pay it.
  const [environments, committed] = await Promise.all([
    write.environments(project.id),
    refersToOthers(settings) ? committedEnvironment(write, project.id, environment.id) : undefined,
  ]);
  if (committed) {
    checkSegments(committed, flag.rules);
    checkPrerequisites(committed, name, flag.prerequisites);
  }
  const stored = await write.createFlag(fresh);
  let created: Flag | undefined;
  for (const each of environments) {
    const config = await write.createFlagConfig({
      flagId: stored.id,
      environmentId: each.id,
      ...(each.id === environment.id ? settings : offSettings(settings.weights)),
    });
    if (each.id === environment.id) created = flagOf(stored, config);
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
}

/** A definition, off in every environment of the project, its variants split as given or equally. */
async function createDefinition(
  { payload }: CreateFlagDefinition,
  { write, project, actor }: CommandContext<FlagWrites>,
) {
  const { name, weights, rolloutBasisPoints, ...fields } = payload;
  const fresh = { ...fields, projectId: project.id, name };
  checkValues(fresh);
  const environments = await write.environments(project.id);
  const definition = await write.createFlag(fresh);
  for (const environment of environments) {
    await write.createFlagConfig({
      flagId: definition.id,
      environmentId: environment.id,
      ...offSettings(weights ?? equalWeights(fields.variants)),
      rolloutBasisPoints,
    });
  }
  await write.audit({
    actor,
    action: 'flag.created',
    targetType: 'flag',
    target: name,
    project: project.key,
    environment: null,
    before: null,
    after: auditRecords.definition(definition),
  });
  return definition;
}

/** The seed's update: definition fields for the whole project, settings for this environment. */
async function updateFlag({ flag, payload }: UpdateFlag, context: CommandContext<FlagWrites>): Promise<Flag> {
  const { write, project } = context;
  const { before, after } = await changeFlag(write, project, flag, payload.definition, {
    environment: context.environment!,
    settings: payload.settings,
  });
  return auditFlagUpdate(context, before!, after!);
}

/** The definition alone: description, kind, tags and variants (their payloads; weights where the keys change). */
async function updateDefinition(
  { flag, payload }: UpdateFlagDefinition,
  { write, project, actor }: CommandContext<FlagWrites>,
) {
  const before = await write.flag(project.id, flag);
  const { definition } = await changeFlag(write, project, flag, payload);
  await write.audit({
    actor,
    action: 'flag.updated',
    targetType: 'flag',
    target: flag,
    project: project.key,
    environment: null,
    before: auditRecords.definition(before!),
    after: auditRecords.definition(definition),
  });
  return definition;
}

/** One environment's settings of a flag; weights name every variant of the flag. */
async function updateSettings(
  { flag, payload }: UpdateFlagSettings,
  context: CommandContext<FlagWrites>,
): Promise<Flag> {
  const { write, project } = context;
  const { before, after } = await changeFlag(
    write,
    project,
    flag,
    {},
    {
      environment: context.environment!,
      settings: payload,
    },
  );
  return auditFlagUpdate(context, before!, after!);
}

/** Deletes the flag from its project: its definition, every environment's configuration and schedules. */
async function deleteFlag(
  { flag: name }: DeleteFlag,
  { write, project, environment, actor }: CommandContext<FlagWrites>,
) {
  const definition = await write.flag(project.id, name);
  if (!definition) throw flagNotFound(name);
  const [configs, environments] = await Promise.all([
    write.configsOfFlag(definition.id),
    write.environments(project.id),
  ]);
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
}

/** The flag commands' handlers. */
export const flagCommands = {
  'flag.create': createFlag,
  'flag.update': updateFlag,
  'flag_definition.create': createDefinition,
  'flag_definition.update': updateDefinition,
  'flag.delete': deleteFlag,
  'flag_settings.update': updateSettings,
};
