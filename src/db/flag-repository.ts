/** What the services need from storage; the only shapes they see (never Prisma's types). */
export interface Flag {
  name: string;
  status: boolean;
  rolloutBasisPoints: number;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewFlag {
  name: string;
  status: boolean;
  rolloutBasisPoints: number;
  description: string | null;
}

export type FlagChanges = Partial<Omit<NewFlag, 'name'>>;

export interface FlagRepository {
  /** All flags, ordered by name (code point order, the same on every database). */
  list(): Promise<Flag[]>;
  find(name: string): Promise<Flag | null>;
  /** Throws ConflictError when the name is taken. */
  create(flag: NewFlag): Promise<Flag>;
  /** Throws NotFoundError when no flag has that name. */
  update(name: string, changes: FlagChanges): Promise<Flag>;
  /** Throws NotFoundError when no flag has that name. */
  delete(name: string): Promise<void>;
}
