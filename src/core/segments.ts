/** Segments: named groups of users, by conditions or by id, that rules target. Pure types. */
import type { Condition } from './targeting.js';

export interface Segment {
  id: number;
  projectId: number;
  name: string;
  description: string | null;
  conditions: Condition[];
  userIds: string[];
  createdAt: Date;
  /** Raised by every write of this item: what a command was prepared against. */
  version: number;
  updatedAt: Date;
}

export type NewSegment = Omit<Segment, 'id' | 'createdAt' | 'updatedAt' | 'version'>;

export type SegmentChanges = Partial<Pick<Segment, 'description' | 'conditions' | 'userIds'>>;
