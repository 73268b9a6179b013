import type {
  Actor,
  Flag,
  FlagChanges,
  JsonValue,
  NewFlag,
  Override,
  Prerequisite,
  Rule,
  Variant,
  VariantSplit,
} from '../core/model.js';
import type { CommittedConfig, FlagRepository } from '../db/repositories.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { Condition } from '../core/targeting.js';
import { percentageToBasisPoints } from '../core/rollout.js';
import { MAX_PREREQUISITE_DEPTH } from '../core/evaluation.js';
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
    rolloutBasisPoints:
      input.rolloutPercentage === undefined ? undefined : percentageToBasisPoints(input.rolloutPercentage),
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
    variants: r.variants.map((v): VariantSplit => ({
      key: v.key,
      weightBasisPoints: percentageToBasisPoints(v.weight),
    })),
  }));

/**
 * Prerequisites name existing flags (and their variants), never lead back to the flag (a cycle is a
 * 409 that names it), and make no chain longer than MAX_PREREQUISITE_DEPTH links (a 400 that names
 * it), counting the flags that require this one as well as those it requires.
 */
function checkPrerequisites(committed: CommittedConfig, name: string, prerequisites: Prerequisite[]): void {
  for (const [i, prerequisite] of prerequisites.entries()) {
    if (prerequisite.flag === name) throw new ConflictError(`prerequisites would make a cycle: "${name}" → "${name}"`);
    const required = committed.flags.get(prerequisite.flag);
    if (!required) throw new ValidationError(`prerequisites/${i}/flag`, `no flag named "${prerequisite.flag}"`);
    if (prerequisite.variant !== null && !required.variants.some((v) => v.key === prerequisite.variant)) {
      throw new ValidationError(
        `prerequisites/${i}/variant`,
        `flag "${prerequisite.flag}" has no variant "${prerequisite.variant}"`,
      );
    }
  }
  const requires = (flag: string) =>
    (flag === name ? prerequisites : (committed.flags.get(flag)?.prerequisites ?? [])).map((p) => p.flag);

  // Depth-first from the flag through what it requires; each flag is explored once, so a wide,
  // layered graph costs its size, not its number of paths.
  const path: string[] = [];
  const explored = new Set<string>();
  const cycleFrom = (flag: string): string[] | undefined => {
    if (path.includes(flag)) return [...path.slice(path.indexOf(flag)), flag];
    if (explored.has(flag)) return undefined;
    path.push(flag);
    for (const next of requires(flag)) {
      const cycle = cycleFrom(next);
      if (cycle) return cycle;
    }
    path.pop();
    explored.add(flag);
    return undefined;
  };
  const cycle = cycleFrom(name);
  if (cycle) throw new ConflictError(`prerequisites would make a cycle: ${cycle.map((f) => `"${f}"`).join(' → ')}`);

  // The longest chain through the flag: the longest one down from it, after the longest one up to it.
  const chainDown = longestChain(name, requires);
  const dependents = new Map<string, string[]>();
  for (const other of committed.flags.values()) {
    if (other.name === name) continue;
    for (const p of other.prerequisites) dependents.set(p.flag, [...(dependents.get(p.flag) ?? []), other.name]);
  }
  const chainUp = longestChain(name, (flag) => dependents.get(flag) ?? []).reverse();
  const chain = [...chainUp, ...chainDown.slice(1)];
  if (chain.length - 1 > MAX_PREREQUISITE_DEPTH) {
    throw new ValidationError(
      'prerequisites',
      `would make a chain of ${chain.length - 1} prerequisites, longer than the ${MAX_PREREQUISITE_DEPTH} allowed: ` +
        chain.map((f) => `"${f}"`).join(' → '),
    );
  }
}

/** The longest path from `flag` along `next` (which has no cycles), as the flags on it, memoised per flag. */
function longestChain(flag: string, next: (flag: string) => string[]): string[] {
  const longest = new Map<string, string[]>();
  const from = (current: string): string[] => {
    const known = longest.get(current);
    if (known) return known;
    let best: string[] = [];
    for (const following of next(current)) {
      const chain = from(following);
      if (chain.length > best.length) best = chain;
    }
    const result = [current, ...best];
    longest.set(current, result);
    return result;
  };
  return from(flag);
}

/** The flags that require this one, by name. */
const dependentsOf = (committed: CommittedConfig, name: string): Flag[] =>
  [...committed.flags.values()]
    .filter((f) => f.prerequisites.some((p) => p.flag === name))
    .sort((a, b) => (a.name < b.name ? -1 : 1));

/** Flags that require a variant of this one keep finding it. */
function checkDependentsKeep(committed: CommittedConfig, name: string, variants: Variant[]): void {
  for (const dependent of dependentsOf(committed, name)) {
    for (const p of dependent.prerequisites) {
      if (p.flag === name && p.variant !== null && !variants.some((v) => v.key === p.variant)) {
        throw new ConflictError(
          `flag "${dependent.name}" requires variant "${p.variant}" of this flag; change its prerequisites first`,
        );
      }
    }
  }
}

/** Rules and overrides name the flag's own variants. */
function checkVariantReferences(variants: Variant[], rules: Rule[], overrides: Override[]): void {
  const keys = new Set(variants.map((v) => v.key));
  for (const [i, rule] of rules.entries()) {
    for (const [j, split] of rule.variants.entries()) {
      if (!keys.has(split.key))
        throw new ValidationError(`rules/${i}/variants/${j}/key`, `the flag has no variant "${split.key}"`);
    }
  }
  for (const [i, override] of overrides.entries()) {
    if (override.variant !== null && !keys.has(override.variant))
      throw new ValidationError(`overrides/${i}/variant`, `the flag has no variant "${override.variant}"`);
  }
}

/** Rules name existing segments. */
function checkSegments(committed: CommittedConfig, rules: Rule[]): void {
  for (const [i, rule] of rules.entries()) {
    if (rule.segment !== null && !committed.segmentNames.has(rule.segment))
      throw new ValidationError(`rules/${i}/segment`, `no segment named "${rule.segment}"`);
  }
}

/**
 * Writes go to the database first and then into this process's snapshot, so a client that writes
 * and then reads on the same instance sees its write. Reads come from the snapshot. What a write
 * checks against other flags and segments, it checks inside the write, on what is committed: two
 * writes at once (through one instance or two) could otherwise each pass against a snapshot that
 * holds neither, and together store what neither alone may, such as a cycle of prerequisites.
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
    checkVariantReferences(flag.variants, flag.rules, flag.overrides);
    // Reading every flag costs a write on 10,000 flags about 0.1 s: only writes that refer to others pay it.
    const refersToOthers = flag.prerequisites.length > 0 || flag.rules.some((rule) => rule.segment !== null);
    const { flag: created, revisions } = await this.flags.create(
      flag,
      actor,
      refersToOthers
        ? (committed) => {
            checkSegments(committed, flag.rules);
            checkPrerequisites(committed, name, flag.prerequisites);
          }
        : undefined,
    );
    this.snapshot.put(created, revisions);
    return created;
  }

  async update(name: string, input: UpdateFlagInput, actor: Actor): Promise<Flag> {
    const changes = toFlagChanges(input);
    // Status, percentage and description (most writes) concern no other flag or segment.
    const changesReferences = [changes.variants, changes.rules, changes.overrides, changes.prerequisites].some(
      (change) => change !== undefined,
    );
    const { flag, revisions } = await this.flags.update(
      name,
      changes,
      actor,
      changesReferences
        ? (committed) => {
            const current = committed.flags.get(name);
            if (!current) throw new NotFoundError(`Flag "${name}" not found`);
            // The flag as it will be: changed variants must still fit the rules and overrides kept.
            const rules = changes.rules ?? current.rules;
            checkVariantReferences(changes.variants ?? current.variants, rules, changes.overrides ?? current.overrides);
            checkSegments(committed, rules);
            if (changes.prerequisites) checkPrerequisites(committed, name, changes.prerequisites);
            if (changes.variants) checkDependentsKeep(committed, name, changes.variants);
          }
        : undefined,
    );
    this.snapshot.put(flag, revisions);
    return flag;
  }

  async delete(name: string, actor: Actor): Promise<void> {
    const revisions = await this.flags.delete(name, actor, (committed) => {
      const dependents = dependentsOf(committed, name);
      if (dependents.length > 0) {
        const names = dependents.map((f) => `"${f.name}"`).join(', ');
        throw new ConflictError(`Flag "${name}" is a prerequisite of ${names}; remove it from them first`);
      }
    });
    this.snapshot.remove(name, revisions);
  }
}
