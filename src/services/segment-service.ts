import type { Actor, NewSegment, Segment, SegmentChanges } from '../core/model.js';
import type { CommittedConfig, SegmentRepository } from '../db/repositories.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { ConfigSnapshot } from './config-snapshot.js';

/** Like flags: writes go to the database, then into this process's snapshot; reads come from the snapshot. */
export class SegmentService {
  constructor(
    private readonly segments: SegmentRepository,
    private readonly snapshot: ConfigSnapshot,
  ) {}

  list(): Segment[] {
    return this.snapshot.allSegments();
  }

  get(name: string): Segment {
    const loaded = this.snapshot.segment(name);
    if (!loaded) throw new NotFoundError(`Segment "${name}" not found`);
    return loaded.segment;
  }

  async create(segment: NewSegment, actor: Actor): Promise<Segment> {
    const created = await this.segments.create(segment, actor);
    this.snapshot.putSegment(created.name, created);
    return created;
  }

  async update(name: string, changes: SegmentChanges, actor: Actor): Promise<Segment> {
    const updated = await this.segments.update(name, changes, actor);
    this.snapshot.putSegment(name, updated);
    return updated;
  }

  /**
   * Refused (409) while a flag's rule uses it; checked in the delete's transaction, so no rule saved meanwhile is left
   * pointing at nothing.
   */
  async delete(name: string, actor: Actor): Promise<void> {
    await this.segments.delete(name, actor, (committed) => refuseWhileUsed(committed, name));
    this.snapshot.putSegment(name, undefined);
  }
}

function refuseWhileUsed(committed: CommittedConfig, segment: string): void {
  const users = [...committed.flags.values()].filter((flag) => flag.rules.some((rule) => rule.segment === segment));
  if (users.length > 0) {
    const names = users.map((f) => `"${f.name}"`).join(', ');
    throw new ConflictError(`Segment "${segment}" is used by the rules of ${names}; remove it from them first`);
  }
}
