import type { Environment, FieldChange, FlagDiff } from '../../core/projects.js';
import type { Flag } from '../../core/flags.js';
import { flagOf } from '../../core/flags.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { auditRecords, type FlagAuditRecord } from '../audit/audit-records.js';
import type { ConfigSnapshot } from '../../read-model/config-snapshot.js';
import type { ProjectView } from '../../read-model/environment-view.js';

/** What promotion previews read of the read model. */
export type PromotionViews = Pick<ConfigSnapshot, 'environment'>;

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

/** What a promotion would change, as the snapshot holds it; promoting is a command (promotion-commands.ts). */
export class PromotionService {
  constructor(private readonly snapshot: PromotionViews) {}

  /** The difference without changing anything, as the snapshot holds it. */
  diff(view: ProjectView, name: string, from: string, to: string): FlagDiff {
    const definition = view.definitions.get(name);
    if (!definition) throw new NotFoundError(`Flag "${name}" not found`);
    const [source, target] = [this.environment(view, from, 'from'), this.environment(view, to, 'to')];
    return { flagName: name, changes: diffSettings(this.flagIn(view, target, name), this.flagIn(view, source, name)) };
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
