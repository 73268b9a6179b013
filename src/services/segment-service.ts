import type { Actor, Segment, SegmentChanges } from '../core/model.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { auditRecords } from './audit-records.js';
import type { ProjectView } from './config-snapshot.js';
import type { ConfigWriter } from './config-writer.js';
import { committedEnvironment } from './flag-service.js';

export type SegmentInput = Pick<Segment, 'name' | 'description' | 'conditions' | 'userIds'>;

const segmentNotFound = (name: string) => new NotFoundError(`Segment "${name}" not found`);

/**
 * A project's segments. Like flags: writes go to the database, then into this process's snapshot;
 * reads come from the snapshot.
 */
export class SegmentService {
  constructor(private readonly writer: ConfigWriter) {}

  list(project: ProjectView): Segment[] {
    return project.allSegments();
  }

  get(project: ProjectView, name: string): Segment {
    const loaded = project.segments.get(name);
    if (!loaded) throw segmentNotFound(name);
    return loaded.segment;
  }

  async create({ project }: ProjectView, input: SegmentInput, actor: Actor): Promise<Segment> {
    return this.writer.write(
      async (write) => {
        const created = await write.createSegment({ projectId: project.id, ...input });
        await write.audit({
          actor,
          action: 'segment.created',
          targetType: 'segment',
          target: input.name,
          project: project.key,
          environment: null,
          before: null,
          after: auditRecords.segment(created),
        });
        return created;
      },
      { conflict: `A segment named "${input.name}" already exists` },
    );
  }

  async update({ project }: ProjectView, name: string, changes: SegmentChanges, actor: Actor): Promise<Segment> {
    return this.writer.write(async (write) => {
      const before = await write.segment(project.id, name);
      if (!before) throw segmentNotFound(name);
      const after = await write.updateSegment(before.id, changes);
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
    });
  }

  /**
   * Refused (409) while a flag's rule uses it in any environment; checked in the delete's transaction,
   * so no rule saved meanwhile is left pointing at nothing.
   */
  async delete({ project }: ProjectView, name: string, actor: Actor): Promise<void> {
    await this.writer.write(async (write) => {
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
    });
  }
}
