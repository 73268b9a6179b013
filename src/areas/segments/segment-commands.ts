import type { CreateSegment, DeleteSegment, UpdateSegment } from '../../core/commands.js';
import type { Segment } from '../../core/segments.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { auditRecords } from '../audit/audit-records.js';
import type { CommandContext } from '../commands/command-pipeline.js';
import { type CommittedReads, committedEnvironment } from '../flags/flag-commands.js';
import type { ConfigWrite } from '../../db/repositories.js';

/** The writes segment commands make, and the reads they check them against. */
type SegmentWrites = Pick<
  ConfigWrite,
  'audit' | 'createSegment' | 'deleteSegment' | 'environments' | 'segment' | 'updateSegment'
> &
  CommittedReads;

export const segmentNotFound = (name: string) => new NotFoundError(`Segment "${name}" not found`);

async function createSegment(
  { payload }: CreateSegment,
  { write, project, actor }: CommandContext<SegmentWrites>,
): Promise<Segment> {
  const created = await write.createSegment({ projectId: project.id, ...payload });
  await write.audit({
    actor,
    action: 'segment.created',
    targetType: 'segment',
    target: payload.name,
    project: project.key,
    environment: null,
    before: null,
    after: auditRecords.segment(created),
  });
  return created;
}

async function updateSegment(
  { segment: name, payload }: UpdateSegment,
  { write, project, actor }: CommandContext<SegmentWrites>,
): Promise<Segment> {
  const before = await write.segment(project.id, name);
  if (!before) throw segmentNotFound(name);
  const after = await write.updateSegment(before.id, payload);
  await write.audit({
    actor,
    action: 'segment.updated',
    targetType: 'segment',
    target: name,
    project: project.key,
    environment: null,
    before: auditRecords.segment(before),
    after: auditRecords.segment(after),
  });
  return after;
}

/**
 * Refused (409) while a flag's rule uses it in any environment; checked in the delete's transaction,
 * so no rule saved meanwhile is left pointing at nothing.
 */
async function deleteSegment(
  { segment: name }: DeleteSegment,
  { write, project, actor }: CommandContext<SegmentWrites>,
) {
  const before = await write.segment(project.id, name);
  if (!before) throw segmentNotFound(name);
  for (const environment of await write.environments(project.id)) {
    const committed = await committedEnvironment(write, project.id, environment.id);
    const users = [...committed.flags.values()].filter((flag) => flag.rules.some((rule) => rule.segment === name));
    if (users.length > 0) {
      const names = users.map((f) => `"${f.name}"`).join(', ');
      throw new ConflictError(
        `Segment "${name}" is used by the rules of ${names} in "${environment.key}"; remove it from them first`,
      );
    }
  }
  await write.deleteSegment(before.id);
  await write.audit({
    actor,
    action: 'segment.deleted',
    targetType: 'segment',
    target: name,
    project: project.key,
    environment: null,
    before: auditRecords.segment(before),
    after: null,
  });
}

/** The segment commands' handlers. */
export const segmentCommands = {
  'segment.create': createSegment,
  'segment.update': updateSegment,
  'segment.delete': deleteSegment,
};
