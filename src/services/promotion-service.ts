import {
  type Actor,
  type Environment,
  type FieldChange,
  type Flag,
  type FlagDiff,
  flagOf,
  type Promotion,
  settingsOf,
} from '../core/model.js';
import type { ConfigWrite } from '../db/repositories.js';
import { NotFoundError, RefusedChangeError, ValidationError } from '../errors.js';
import { auditRecords, type FlagAuditRecord } from './audit-records.js';
import type { ConfigSnapshot, ProjectView } from './config-snapshot.js';
import type { ConfigWriter } from './config-writer.js';
import { checkFlag, problemsOf } from './flag-checks.js';
import { committedEnvironment } from './flag-commands.js';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Entries of two keyed lists, field by field: added, removed, changed. */
function keyedChanges<T>(
  prefix: string,
  before: readonly T[],
  after: readonly T[],
  keyOf: (item: T, index: number) => string,
): FieldChange[] {
  const was = new Map(before.map((item, i) => [keyOf(item, i), item]));
  const will = new Map(after.map((item, i) => [keyOf(item, i), item]));
  const changes: FieldChange[] = [];
  for (const [key, item] of will) {
    const old = was.get(key);
    if (old === undefined) changes.push({ field: `${prefix}${key}`, change: 'added', before: null, after: item });
    else if (!same(old, item)) changes.push({ field: `${prefix}${key}`, change: 'changed', before: old, after: item });
  }
  for (const [key, item] of was) {
    if (!will.has(key)) changes.push({ field: `${prefix}${key}`, change: 'removed', before: item, after: null });
  }
  return changes;
}

/**
 * What changes in `target`'s settings if it takes `source`'s, field by field, in the API's units:
 * status, percentage, each variant's weight, each rule (by position), each override (by user) and each
 * prerequisite (by flag). The definition (description, variants' keys and payloads) is the project's,
 * the same in both.
 */
export function diffSettings(target: Flag, source: Flag): FieldChange[] {
  const before: FlagAuditRecord = auditRecords.flag(target);
  const after: FlagAuditRecord = auditRecords.flag(source);
  const changes: FieldChange[] = [];
  for (const field of ['status', 'rollout_percentage'] as const) {
    if (before[field] !== after[field])
      changes.push({ field, change: 'changed', before: before[field], after: after[field] });
  }
  changes.push(
    ...keyedChanges(
      'variants.',
      before.variants.map((v) => ({ key: v.key, weight: v.weight })),
      after.variants.map((v) => ({ key: v.key, weight: v.weight })),
      (v) => `${v.key}.weight`,
    ).map((c) => ({
      ...c,
      before: (c.before as { weight: number } | null)?.weight ?? null,
      after: (c.after as { weight: number } | null)?.weight ?? null,
    })),
    ...keyedChanges('rules', before.rules, after.rules, (_, i) => `[${i}]`),
    ...keyedChanges('overrides.', before.overrides, after.overrides, (o) => o.user_id),
    ...keyedChanges('prerequisites.', before.prerequisites, after.prerequisites, (p) => p.flag),
  );
  return changes;
}

/**
 * Promotion within a project: the target environment takes the source's settings of one flag, or of
 * several (all by default), in one transaction with one audit entry. Checked first on the target as
 * it would be: a promotion that would leave a cycle or too long a chain of prerequisites, or a rule or
 * override naming what is not there, is refused with every problem listed, and nothing changes.
 */
export class PromotionService {
  constructor(
    private readonly writer: ConfigWriter,
    private readonly snapshot: ConfigSnapshot,
  ) {}

  /** The difference without changing anything, as the snapshot holds it. */
  diff(view: ProjectView, name: string, from: string, to: string): FlagDiff {
    const definition = view.definitions.get(name);
    if (!definition) throw new NotFoundError(`Flag "${name}" not found`);
    const [source, target] = [this.environment(view, from, 'from'), this.environment(view, to, 'to')];
    return { flagName: name, changes: diffSettings(this.flagIn(view, target, name), this.flagIn(view, source, name)) };
  }

  async promote(
    view: ProjectView,
    request: { from: string; to: string; flags?: string[]; dryRun: boolean },
    actor: Actor,
    scope: 'flag' | 'environment',
  ): Promise<Promotion> {
    const { project } = view;
    const [source, target] = [this.environment(view, request.from, 'from'), this.environment(view, request.to, 'to')];
    if (source.id === target.id) throw new ValidationError('to', 'must be another environment than "from"');
    const run = async (write: ConfigWrite): Promise<Promotion> => {
      const [sourceConfig, targetConfig] = await Promise.all([
        committedEnvironment(write, project.id, source.id),
        committedEnvironment(write, project.id, target.id),
      ]);
      const names = request.flags ?? [...sourceConfig.flags.keys()].sort();
      for (const [i, name] of names.entries()) {
        if (!targetConfig.flags.has(name) || !sourceConfig.flags.has(name)) {
          throw scope === 'flag'
            ? new NotFoundError(`Flag "${name}" not found`)
            : new ValidationError(`flags/${i}`, `no flag named "${name}" in project "${project.key}"`);
        }
      }
      const diffs = names
        .map((name) => ({
          flagName: name,
          changes: diffSettings(targetConfig.flags.get(name)!, sourceConfig.flags.get(name)!),
        }))
        .filter((d) => d.changes.length > 0);
      // The target as it will be, then every promoted flag checked against it.
      const promoted = new Map(targetConfig.flags);
      for (const { flagName } of diffs) {
        const from = sourceConfig.flags.get(flagName)!;
        promoted.set(flagName, {
          ...from,
          configId: targetConfig.flags.get(flagName)!.configId,
          environmentId: target.id,
        });
      }
      const after = { ...targetConfig, flags: promoted };
      const problems = problemsOf(
        diffs.map(
          ({ flagName }) =>
            () =>
              checkFlag(after, promoted.get(flagName)!),
        ),
      );
      if (problems.length > 0) throw new RefusedChangeError(`Promoting to "${target.key}" would break it`, problems);
      const promotion = { from: source.key, to: target.key, flags: diffs, applied: !request.dryRun };
      if (request.dryRun || diffs.length === 0) return { ...promotion, applied: false };

      const before: Record<string, FlagAuditRecord> = {};
      const written: Record<string, FlagAuditRecord> = {};
      for (const { flagName } of diffs) {
        const definition = targetConfig.definitions.get(targetConfig.flags.get(flagName)!.flagId)!;
        const config = targetConfig.configs.get(definition.id)!;
        const updated = await write.updateFlagConfig(config.id, settingsOf(sourceConfig.configs.get(definition.id)!));
        before[flagName] = auditRecords.flag(flagOf(definition, config));
        written[flagName] = auditRecords.flag(flagOf(definition, updated));
      }
      const single = scope === 'flag' ? diffs[0].flagName : undefined;
      await write.audit({
        actor,
        action: single ? 'flag.promoted' : 'environment.promoted',
        targetType: single ? 'flag' : 'environment',
        target: single ?? target.key,
        project: project.key,
        environment: target.key,
        before: single ? { from: source.key, ...before[single] } : { from: source.key, flags: before },
        after: single ? { from: source.key, ...written[single] } : { from: source.key, flags: written },
      });
      return promotion;
    };
    // A dry run reads what is committed as a write would, and writes nothing.
    return this.writer.write(run);
  }

  private environment(view: ProjectView, key: string, field: 'from' | 'to'): Environment {
    const environment = view.environment(key);
    if (!environment) {
      throw new ValidationError(field, `environment "${key}" not found in project "${view.project.key}"`);
    }
    return environment;
  }

  private flagIn(view: ProjectView, environment: Environment, name: string): Flag {
    const definition = view.definitions.get(name)!;
    const config = this.snapshot.environment(environment.id)?.configs.get(definition.id);
    if (!config) throw new NotFoundError(`Flag "${name}" not found in "${environment.key}"`);
    return flagOf(definition, config);
  }
}
