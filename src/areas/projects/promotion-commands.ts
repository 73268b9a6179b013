import type { PromoteEnvironment, PromoteFlag } from '../../core/commands.js';
import { type Environment, type Promotion } from '../../core/projects.js';
import { flagOf, settingsOf } from '../../core/flags.js';
import { NotFoundError, RefusedChangeError, ValidationError } from '../../errors.js';
import { auditRecords, type FlagAuditRecord } from '../audit/audit-records.js';
import type { CommandContext } from '../commands/command-pipeline.js';
import { checkFlag, problemsOf } from '../flags/flag-checks.js';
import { type CommittedReads, committedEnvironment } from '../flags/flag-commands.js';
import { diffSettings } from './promotion-service.js';
import type { ConfigWrite } from '../../db/repositories.js';

/** The writes promotions make, and the reads they check them against. */
type PromotionWrites = Pick<ConfigWrite, 'audit' | 'environments' | 'updateFlagConfig'> & CommittedReads;

/**
 * Promotion within a project: the target environment takes the source's settings of one flag, or of
 * several (all by default), in one transaction with one audit entry. Checked first on the target as
 * it would be: a promotion that would leave a cycle or too long a chain of prerequisites, or a rule or
 * override naming what is not there, is refused with every problem listed, and nothing changes. A dry
 * run reads what is committed as a write would, and writes nothing.
 */
async function promote(
  { write, project, actor }: CommandContext<PromotionWrites>,
  request: { from: string; to: string; flags: string[] | null; dryRun: boolean },
  what: 'flag' | 'environment',
): Promise<Promotion> {
  const environments = await write.environments(project.id);
  const find = (key: string, field: 'from' | 'to'): Environment => {
    const environment = environments.find((e) => e.key === key);
    if (!environment) throw new ValidationError(field, `environment "${key}" not found in project "${project.key}"`);
    return environment;
  };
  const [source, target] = [find(request.from, 'from'), find(request.to, 'to')];
  if (source.id === target.id) throw new ValidationError('to', 'must be another environment than "from"');
  const [sourceConfig, targetConfig] = await Promise.all([
    committedEnvironment(write, project.id, source.id),
    committedEnvironment(write, project.id, target.id),
  ]);
  const names = request.flags ?? [...sourceConfig.flags.keys()].sort();
  for (const [i, name] of names.entries()) {
    if (!targetConfig.flags.has(name) || !sourceConfig.flags.has(name)) {
      throw what === 'flag'
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
    promoted.set(flagName, { ...from, configId: targetConfig.flags.get(flagName)!.configId, environmentId: target.id });
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
  const single = what === 'flag' ? diffs[0].flagName : undefined;
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
}

/** The promotions' handlers. */
export const promotionCommands = {
  'environment.promote': ({ payload }: PromoteEnvironment, context: CommandContext<PromotionWrites>) =>
    promote(context, payload, 'environment'),
  'flag.promote': ({ flag, payload }: PromoteFlag, context: CommandContext<PromotionWrites>) =>
    promote(context, { ...payload, flags: [flag] }, 'flag'),
};
