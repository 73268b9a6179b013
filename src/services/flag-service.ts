import type { Actor, Flag, FlagChanges, FlagRepository, JsonValue, NewFlag, Override, Prerequisite, Rule, Variant, VariantSplit } from '../db/repositories.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { Condition } from '../targeting.js';
import { percentageToBasisPoints } from '../rollout.js';
import type { ConfigSnapshot } from './config-snapshot.js';

export interface VariantInput {
  key: string;
  /** Percentage, at most two decimals. */
  weight: number;
  payload: JsonValue;
}

export interface RuleInput {
  segment?: string;
  conditions: Condition[];
  rolloutPercentage: number;
  variants: { key: string; weight: number }[];
}

export interface CreateFlagInput {
  name: string;
  status: boolean;
  rolloutPercentage: number;
  description: string | null;
  variants: VariantInput[];
  rules: RuleInput[];
  overrides: Override[];
  prerequisites: Prerequisite[];
}

export type UpdateFlagInput = Partial<Omit<CreateFlagInput, 'name'>>;

const toVariants = (variants: VariantInput[]): Variant[] =>
  variants.map((v) => ({ key: v.key, weightBasisPoints: percentageToBasisPoints(v.weight), payload: v.payload }));

/** Percentages to basis points; what the input leaves out stays undefined (unchanged). */
function toFlagChanges(input: UpdateFlagInput): FlagChanges {
  return {
    status: input.status,
    rolloutBasisPoints: input.rolloutPercentage === undefined ? undefined : percentageToBasisPoints(input.rolloutPercentage),
    description: input.description,
    variants: input.variants && toVariants(input.variants),
    rules: input.rules && toRules(input.rules),
    overrides: input.overrides,
    prerequisites: input.prerequisites,
  };
}

const toRules = (rules: RuleInput[]): Rule[] =>
  rules.map((r) => ({
    segment: r.segment ?? null,
    conditions: r.conditions,
    rolloutBasisPoints: percentageToBasisPoints(r.rolloutPercentage),
    variants: r.variants.map((v): VariantSplit => ({ key: v.key, weightBasisPoints: percentageToBasisPoints(v.weight) })),
  }));

/**
 * Writes go to the database first and then into this process's snapshot, so a client that writes
 * and then reads on the same instance sees its write. Reads come from the snapshot.
 */
export class FlagService {
  constructor(
    private readonly flags: FlagRepository,
    private readonly snapshot: ConfigSnapshot,
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
    const { name, ...fields } = input;
    const flag: NewFlag = { name, ...(toFlagChanges(fields) as Required<FlagChanges>) };
    this.checkReferences(flag.variants, flag.rules, flag.overrides);
    this.checkPrerequisites(name, flag.prerequisites);
    const created = await this.flags.create(flag, actor);
    this.snapshot.put(created);
    return created;
  }

  async update(name: string, input: UpdateFlagInput, actor: Actor): Promise<Flag> {
    const current = this.get(name);
    const changes = toFlagChanges(input);
    // The flag as it will be: changed variants must still fit the rules and overrides kept.
    this.checkReferences(changes.variants ?? current.variants, changes.rules ?? current.rules, changes.overrides ?? current.overrides);
    if (changes.prerequisites) this.checkPrerequisites(name, changes.prerequisites);
    if (changes.variants) this.checkDependentsKeep(name, changes.variants);
    const flag = await this.flags.update(name, changes, actor);
    this.snapshot.put(flag);
    return flag;
  }

  /**
   * Prerequisites name existing flags (and their variants), and never lead back to the flag: a cycle
   * is a 409 that names it.
   */
  private checkPrerequisites(name: string, prerequisites: Prerequisite[]): void {
    for (const [i, prerequisite] of prerequisites.entries()) {
      if (prerequisite.flag === name) throw new ConflictError(`prerequisites would make a cycle: "${name}" → "${name}"`);
      const required = this.snapshot.find(prerequisite.flag);
      if (!required) throw new ValidationError(`prerequisites/${i}/flag`, `no flag named "${prerequisite.flag}"`);
      if (prerequisite.variant !== null && !required.variants.some((v) => v.key === prerequisite.variant)) {
        throw new ValidationError(`prerequisites/${i}/variant`, `flag "${prerequisite.flag}" has no variant "${prerequisite.variant}"`);
      }
    }
    // Depth-first from each prerequisite, through the saved flags, looking for a way back.
    const requires = (flag: string) => (flag === name ? prerequisites : (this.snapshot.find(flag)?.prerequisites ?? [])).map((p) => p.flag);
    const path: string[] = [name];
    const visit = (flag: string): string[] | undefined => {
      if (flag === name) return [...path, name];
      if (path.includes(flag)) return undefined;
      path.push(flag);
      for (const next of requires(flag)) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
      path.pop();
      return undefined;
    };
    for (const first of requires(name)) {
      const cycle = visit(first);
      if (cycle) throw new ConflictError(`prerequisites would make a cycle: ${cycle.map((f) => `"${f}"`).join(' → ')}`);
    }
  }

  /** Flags that require a variant of this one keep finding it. */
  private checkDependentsKeep(name: string, variants: Variant[]): void {
    for (const dependent of this.snapshot.all()) {
      for (const p of dependent.prerequisites) {
        if (p.flag === name && p.variant !== null && !variants.some((v) => v.key === p.variant)) {
          throw new ConflictError(`flag "${dependent.name}" requires variant "${p.variant}" of this flag; change its prerequisites first`);
        }
      }
    }
  }

  /** Rules name existing segments and variants; overrides name variants. */
  private checkReferences(variants: Variant[], rules: Rule[], overrides: Override[]): void {
    const keys = new Set(variants.map((v) => v.key));
    for (const [i, rule] of rules.entries()) {
      if (rule.segment !== null && !this.snapshot.segment(rule.segment)) throw new ValidationError(`rules/${i}/segment`, `no segment named "${rule.segment}"`);
      for (const [j, split] of rule.variants.entries()) {
        if (!keys.has(split.key)) throw new ValidationError(`rules/${i}/variants/${j}/key`, `the flag has no variant "${split.key}"`);
      }
    }
    for (const [i, override] of overrides.entries()) {
      if (override.variant !== null && !keys.has(override.variant)) throw new ValidationError(`overrides/${i}/variant`, `the flag has no variant "${override.variant}"`);
    }
  }

  async delete(name: string, actor: Actor): Promise<void> {
    const dependents = this.snapshot.all().filter((f) => f.prerequisites.some((p) => p.flag === name));
    if (dependents.length > 0) {
      throw new ConflictError(`Flag "${name}" is a prerequisite of ${dependents.map((f) => `"${f.name}"`).join(', ')}; remove it from them first`);
    }
    await this.flags.delete(name, actor);
    this.snapshot.remove(name);
  }
}
