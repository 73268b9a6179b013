import type { ImportProject } from '../../core/commands.js';
import {
  type DocumentFlag,
  type EnvironmentConfig,
  type FieldChange,
  type FlagsDocument,
  type ImportChange,
  type ImportResult,
  type Environment,
} from '../../core/projects.js';
import {
  equalWeights,
  type Flag,
  type FlagConfig,
  type FlagDefinition,
  type FlagSettings,
  flagOf,
  flagWithSettings,
  offSettings,
  settingsOf,
} from '../../core/flags.js';
import { type Segment } from '../../core/segments.js';
import type { ConfigWrite } from '../../db/repositories.js';
import { NotFoundError, RefusedChangeError } from '../../errors.js';
import type { ConfigSnapshot } from '../../read-model/config-snapshot.js';
import type { EnvironmentView, ProjectView } from '../../read-model/environment-view.js';
import type { CommandContext } from '../commands/command-pipeline.js';
import { checkFlag, type CommittedConfig, problemsOf } from '../flags/flag-checks.js';
import { diffSettings } from './promotion-service.js';
import { giveTurnIfHeld } from '../../support/event-loop.js';

/** What an export reads of the read model. */
export type DocumentViews = Pick<ConfigSnapshot, 'environment' | 'projectById'>;

/** The writes an import makes, and the reads it plans them from. */
type ImportWrites = Pick<
  ConfigWrite,
  | 'audit'
  | 'configsOfEnvironment'
  | 'createEnvironment'
  | 'createFlag'
  | 'createFlagConfig'
  | 'createSegment'
  | 'deleteFlag'
  | 'deleteFlagConfig'
  | 'deleteSchedule'
  | 'deleteSegment'
  | 'environments'
  | 'flags'
  | 'schedulesOfFlag'
  | 'segments'
  | 'updateFlag'
  | 'updateFlagConfig'
  | 'updateSegment'
>;

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A definition's fields, named as the API's JSON names them. */
const DEFINITION_FIELDS = {
  description: 'description',
  kind: 'kind',
  tags: 'tags',
  valueType: 'value_type',
  variants: 'variants',
  offVariant: 'off_variant',
} as const;

function definitionChanges(before: FlagDefinition | undefined, after: DocumentFlag): FieldChange[] {
  const fields = Object.keys(DEFINITION_FIELDS) as (keyof typeof DEFINITION_FIELDS)[];
  return fields
    .filter((field) => !same(before?.[field], after[field]))
    .map((field) => ({
      field: DEFINITION_FIELDS[field],
      change: before === undefined ? ('added' as const) : ('changed' as const),
      before: before?.[field] ?? null,
      after: after[field],
    }));
}

/**
 * Flags as code: a project exported as one document in a stable order (so it diffs well in git), and
 * imported back in one transaction. Merge adds and changes what the document holds; replace also
 * removes the flags and segments it does not. Importing the same document again changes nothing.
 */
export class FlagsAsCode {
  constructor(private readonly snapshot: DocumentViews) {}

  /** The project as the snapshot holds it; only the environments named, in the project's order, when given. */
  export(view: ProjectView, environmentKeys?: string[]): FlagsDocument {
    const environments = view.environments.filter(
      (e) => environmentKeys === undefined || environmentKeys.includes(e.key),
    );
    return {
      project: { key: view.project.key, name: view.project.name, description: view.project.description },
      environments: environments.map((e) => ({ key: e.key, name: e.name })),
      segments: view
        .allSegments()
        .map((s) => ({ name: s.name, description: s.description, conditions: s.conditions, userIds: s.userIds })),
      flags: view.allDefinitions().map((definition) => ({
        name: definition.name,
        description: definition.description,
        kind: definition.kind,
        tags: definition.tags,
        valueType: definition.valueType,
        variants: definition.variants,
        offVariant: definition.offVariant,
        environments: new Map(
          environments.flatMap((environment) => {
            const config = this.snapshot.environment(environment.id)?.configs.get(definition.id);
            return config ? [[environment.key, settingsOf(config)] as const] : [];
          }),
        ),
      })),
    };
  }

  /**
   * One environment's configuration, for in-process evaluation (GET /config), at least as new as
   * `given`. Every part comes from the snapshot's current state, read at once, so the document and
   * its revision always belong together even when a change swapped in after `given` was resolved.
   */
  exportEnvironment(given: EnvironmentView): EnvironmentConfig {
    const view = this.snapshot.environment(given.environment.id) ?? given;
    const project = this.snapshot.projectById(view.project.id);
    if (!project) throw new NotFoundError(`Project of environment "${view.environment.key}" not found`);
    return {
      revision: view.version.revision,
      environment: view.environment.key,
      document: this.export(project, [view.environment.key]),
      schedules: view.schedules.map(({ id, flagName, at, changes }) => ({ id, flagName, at, changes })),
      experiments: view
        .allExperiments()
        .filter((experiment) => experiment.status === 'running')
        .map(({ key, flagName }) => ({ key, flagName })),
    };
  }
}

/** What the document changes in the committed project, what would refuse it, and how to write it. */
async function planImport(write: ImportWrites, projectId: number, document: FlagsDocument, mode: 'merge' | 'replace') {
  const [environments, definitions, segments] = await Promise.all([
    write.environments(projectId),
    write.flags(projectId),
    write.segments(projectId),
  ]);
  const configs = new Map<number, Map<number, FlagConfig>>();
  for (const environment of environments) {
    configs.set(environment.id, new Map((await write.configsOfEnvironment(environment.id)).map((c) => [c.flagId, c])));
  }
  const changes: ImportChange[] = [];
  const steps: (() => Promise<void>)[] = [];

  // Environments the document names and the project lacks are added at the end, in its order.
  const finalEnvironments: (Environment | { id: number; key: string; name: string })[] = [...environments];
  let nextId = -1;
  for (const entry of document.environments) {
    if (environments.some((e) => e.key === entry.key)) continue;
    const placeholder = { id: nextId--, key: entry.key, name: entry.name };
    finalEnvironments.push(placeholder);
    changes.push({ type: 'environment', name: entry.key, change: 'added', fields: [] });
  }
  for (const flag of document.flags) {
    for (const key of flag.environments.keys()) {
      if (!finalEnvironments.some((e) => e.key === key)) {
        const placeholder = { id: nextId--, key, name: key };
        finalEnvironments.push(placeholder);
        changes.push({ type: 'environment', name: key, change: 'added', fields: [] });
      }
    }
  }

  // Segments.
  const segmentsByName = new Map(segments.map((s) => [s.name, s]));
  const finalSegmentNames = new Set(mode === 'replace' ? [] : segments.map((s) => s.name));
  for (const segment of document.segments) {
    finalSegmentNames.add(segment.name);
    const existing = segmentsByName.get(segment.name);
    const fields = { description: segment.description, conditions: segment.conditions, userIds: segment.userIds };
    if (!existing) {
      changes.push({ type: 'segment', name: segment.name, change: 'added', fields: [] });
      steps.push(async () => void (await write.createSegment({ projectId, ...segment })));
    } else if (
      !same(fields, { description: existing.description, conditions: existing.conditions, userIds: existing.userIds })
    ) {
      changes.push({ type: 'segment', name: segment.name, change: 'changed', fields: [] });
      steps.push(async () => void (await write.updateSegment(existing.id, fields)));
    }
  }
  const removedSegments: Segment[] =
    mode === 'replace' ? segments.filter((s) => !document.segments.some((d) => d.name === s.name)) : [];

  // Flags: the final definitions, then every environment's settings.
  const definitionsByName = new Map(definitions.map((d) => [d.name, d]));
  const documentFlags = new Map(document.flags.map((f) => [f.name, f]));
  const finalFlags = new Map<string, DocumentFlag>();
  if (mode === 'merge') {
    for (const definition of definitions) {
      finalFlags.set(definition.name, { ...definition, environments: new Map() });
    }
  }
  for (const flag of document.flags) finalFlags.set(flag.name, flag);
  const settingsIn = (flag: DocumentFlag, environment: { id: number; key: string }): FlagSettings => {
    const given = documentFlags.get(flag.name)?.environments.get(environment.key);
    if (given) return given;
    const existing = definitionsByName.get(flag.name);
    const config = existing && configs.get(environment.id)?.get(existing.id);
    if (config && same(config.weights.map((w) => w.key).sort(), flag.variants.map((v) => v.key).sort())) {
      return settingsOf(config);
    }
    if (config) return { ...settingsOf(config), weights: equalWeights(flag.variants) };
    return offSettings(equalWeights(flag.variants));
  };
  const finalConfigs = new Map<number, CommittedConfig>();
  // A plan over thousands of flags is long: each step gives the event loop its turn when due, so
  // evaluations are answered meanwhile.
  for (const environment of finalEnvironments) {
    const flags = new Map<string, Flag>();
    for (const flag of finalFlags.values()) {
      flags.set(flag.name, flagWithSettings(flag, settingsIn(flag, environment), environment.id));
      await giveTurnIfHeld();
    }
    finalConfigs.set(environment.id, { flags, segmentNames: finalSegmentNames });
  }

  for (const flag of [...finalFlags.values()].sort(byName)) {
    await giveTurnIfHeld();
    const existing = definitionsByName.get(flag.name);
    const fields = definitionChanges(existing, flag);
    for (const environment of finalEnvironments) {
      const after = finalConfigs.get(environment.id)!.flags.get(flag.name)!;
      const config = existing && configs.get(environment.id)?.get(existing.id);
      const before = config
        ? flagOf(existing, config)
        : flagWithSettings(flag, offSettings(after.variants), environment.id);
      for (const change of diffSettings(before, after)) {
        fields.push({ ...change, field: `${environment.key}.${change.field}` });
      }
    }
    if (!existing) changes.push({ type: 'flag', name: flag.name, change: 'added', fields });
    else if (fields.length > 0) changes.push({ type: 'flag', name: flag.name, change: 'changed', fields });
  }
  const removedFlags = mode === 'replace' ? definitions.filter((d) => !documentFlags.has(d.name)) : [];
  for (const flag of removedFlags) changes.push({ type: 'flag', name: flag.name, change: 'removed', fields: [] });
  for (const segment of removedSegments)
    changes.push({ type: 'segment', name: segment.name, change: 'removed', fields: [] });

  // Only flags that refer to something (a segment, another flag, a variant) can be broken by the rest.
  const problems: string[] = [];
  for (const environment of finalEnvironments) {
    const committed = finalConfigs.get(environment.id)!;
    for (const flag of committed.flags.values()) {
      if (flag.rules.length + flag.overrides.length + flag.prerequisites.length === 0) continue;
      await giveTurnIfHeld();
      for (const problem of problemsOf([() => checkFlag(committed, flag)])) {
        problems.push(`flag "${flag.name}" in "${environment.key}": ${problem}`);
      }
    }
  }

  const apply = async () => {
    for (const step of steps) await step();
    const createdEnvironments = new Map<number, Environment>();
    for (const [position, environment] of finalEnvironments.entries()) {
      if (environment.id < 0) {
        createdEnvironments.set(
          environment.id,
          await write.createEnvironment({ projectId, key: environment.key, name: environment.name, position }),
        );
      }
    }
    const environmentIdOf = (id: number) => (id < 0 ? createdEnvironments.get(id)!.id : id);
    for (const flag of finalFlags.values()) {
      const existing = definitionsByName.get(flag.name);
      const fields = {
        description: flag.description,
        kind: flag.kind,
        tags: flag.tags,
        valueType: flag.valueType,
        variants: flag.variants,
        offVariant: flag.offVariant,
      };
      const definition = !existing
        ? await write.createFlag({ projectId, name: flag.name, ...fields })
        : definitionChanges(existing, flag).length > 0
          ? await write.updateFlag(existing.id, fields)
          : existing;
      for (const environment of finalEnvironments) {
        const settings = settingsIn(flag, environment);
        const config = existing && configs.get(environment.id)?.get(existing.id);
        if (!config) {
          await write.createFlagConfig({
            flagId: definition.id,
            environmentId: environmentIdOf(environment.id),
            ...settings,
          });
        } else if (!same(settingsOf(config), settings)) {
          await write.updateFlagConfig(config.id, settings);
        }
      }
    }
    for (const flag of removedFlags) {
      for (const environment of environments) {
        const config = configs.get(environment.id)?.get(flag.id);
        if (config) await write.deleteFlagConfig(config.id);
      }
      for (const change of await write.schedulesOfFlag(
        environments.map((e) => e.id),
        flag.name,
      ))
        await write.deleteSchedule(change.id);
      await write.deleteFlag(flag.id);
    }
    for (const segment of removedSegments) await write.deleteSegment(segment.id);
  };
  return { changes, problems, apply };
}

/**
 * The document into the project in one transaction: checked on the project as it would be (every
 * problem listed, nothing written when there is one); a dry run answers the changes and writes nothing.
 */
async function importProject(
  { payload: { document, mode, dryRun } }: ImportProject,
  { write, project, actor }: CommandContext<ImportWrites>,
): Promise<ImportResult> {
  const plan = await planImport(write, project.id, document, mode);
  const result: ImportResult = { mode, changes: plan.changes, applied: false };
  if (plan.problems.length > 0)
    throw new RefusedChangeError('The document would leave the project broken', plan.problems);
  if (dryRun || plan.changes.length === 0) return result;
  await plan.apply();
  await write.audit({
    actor,
    action: 'project.imported',
    targetType: 'project',
    target: project.key,
    project: project.key,
    environment: null,
    before: null,
    after: { mode, changes: plan.changes.map((c) => ({ type: c.type, name: c.name, change: c.change })) },
  });
  return { ...result, applied: true };
}

/** The import's handler. */
export const importCommands = { 'project.import': importProject };
