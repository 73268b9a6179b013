import type { Segment } from '../../core/segments.js';
import type { ProjectView } from '../../read-model/environment-view.js';
import { segmentNotFound } from './segment-commands.js';

/** A project's segments, as this process's snapshot holds them; they change through commands (segment-commands.ts). */
export class SegmentService {
  list(project: ProjectView): Segment[] {
    return project.allSegments();
  }

  get(project: ProjectView, name: string): Segment {
    const loaded = project.segments.get(name);
    if (!loaded) throw segmentNotFound(name);
    return loaded.segment;
  }
}
