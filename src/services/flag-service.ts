import type { Flag, FlagRepository } from '../db/flag-repository.js';
import { NotFoundError } from '../errors.js';
import { percentageToBasisPoints } from '../rollout.js';

export interface CreateFlagInput {
  name: string;
  status: boolean;
  rolloutPercentage: number;
  description: string | null;
}

export interface UpdateFlagInput {
  status?: boolean;
  rolloutPercentage?: number;
  description?: string | null;
}

export class FlagService {
  constructor(private readonly flags: FlagRepository) {}

  list(): Promise<Flag[]> {
    return this.flags.list();
  }

  async get(name: string): Promise<Flag> {
    const flag = await this.flags.find(name);
    if (!flag) throw new NotFoundError(`Flag "${name}" not found`);
    return flag;
  }

  create(input: CreateFlagInput): Promise<Flag> {
    return this.flags.create({
      name: input.name,
      status: input.status,
      rolloutBasisPoints: percentageToBasisPoints(input.rolloutPercentage),
      description: input.description,
    });
  }

  update(name: string, input: UpdateFlagInput): Promise<Flag> {
    return this.flags.update(name, {
      status: input.status,
      rolloutBasisPoints: input.rolloutPercentage === undefined ? undefined : percentageToBasisPoints(input.rolloutPercentage),
      description: input.description,
    });
  }

  delete(name: string): Promise<void> {
    return this.flags.delete(name);
  }
}
