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

/** All flags as of one revision of the flags table. */
export interface FlagsAtRevision {
  revision: number;
  flags: Flag[];
}

export interface FlagRepository {
  /** The flags table's revision, bumped by the database on every change: cheap to poll. */
  revision(): Promise<number>;
  /** Every flag and the revision they are at (or newer: a later poll then reloads again). */
  loadAll(): Promise<FlagsAtRevision>;
  /** All flags, in no particular order. */
  list(): Promise<Flag[]>;
  /** Throws ConflictError when the name is taken. */
  create(flag: NewFlag): Promise<Flag>;
  /** Throws NotFoundError when no flag has that name. */
  update(name: string, changes: FlagChanges): Promise<Flag>;
  /** Throws NotFoundError when no flag has that name. */
  delete(name: string): Promise<void>;
}
