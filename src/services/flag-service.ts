import type { Actor, Flag, FlagRepository, JsonValue, Variant } from '../db/repositories.js';
import { NotFoundError } from '../errors.js';
import { percentageToBasisPoints } from '../rollout.js';
import type { FlagSnapshot } from './flag-snapshot.js';

export interface VariantInput {
  key: string;
  /** Percentage, at most two decimals. */
  weight: number;
  payload: JsonValue;
}

export interface CreateFlagInput {
  name: string;
  status: boolean;
  rolloutPercentage: number;
  description: string | null;
  variants: VariantInput[];
}

export interface UpdateFlagInput {
  status?: boolean;
  rolloutPercentage?: number;
  description?: string | null;
  variants?: VariantInput[];
}

const toVariants = (variants: VariantInput[]): Variant[] =>
  variants.map((v) => ({ key: v.key, weightBasisPoints: percentageToBasisPoints(v.weight), payload: v.payload }));

/**
 * Writes go to the database first and then into this process's snapshot, so a client that writes
 * and then reads on the same instance sees its write. Reads come from the snapshot.
 */
export class FlagService {
  constructor(
    private readonly flags: FlagRepository,
    private readonly snapshot: FlagSnapshot,
  ) {}

  list(): readonly Flag[] {
    return this.snapshot.all();
  }

  get(name: string): Flag {
    const flag = this.snapshot.find(name);
    if (!flag) throw new NotFoundError(`Flag "${name}" not found`);
    return flag;
  }

  async create(input: CreateFlagInput, actor: Actor): Promise<Flag> {
    const flag = await this.flags.create({
      name: input.name,
      status: input.status,
      rolloutBasisPoints: percentageToBasisPoints(input.rolloutPercentage),
      description: input.description,
      variants: toVariants(input.variants),
    }, actor);
    this.snapshot.put(flag);
    return flag;
  }

  async update(name: string, input: UpdateFlagInput, actor: Actor): Promise<Flag> {
    const flag = await this.flags.update(name, {
      status: input.status,
      rolloutBasisPoints: input.rolloutPercentage === undefined ? undefined : percentageToBasisPoints(input.rolloutPercentage),
      description: input.description,
      variants: input.variants === undefined ? undefined : toVariants(input.variants),
    }, actor);
    this.snapshot.put(flag);
    return flag;
  }

  async delete(name: string, actor: Actor): Promise<void> {
    await this.flags.delete(name, actor);
    this.snapshot.remove(name);
  }
}
