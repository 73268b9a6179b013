import type { Flag, FlagDefinition, Override, Prerequisite, Rule } from '../../core/flags.js';
import type { JsonValue } from '../../core/json.js';
import { ConflictError, ValidationError } from '../../errors.js';
import { MAX_PREREQUISITE_DEPTH } from '../../core/evaluation.js';

/** The flags (as one environment has them) and the segments' names, as a write will leave them. */
export interface CommittedConfig {
  readonly flags: ReadonlyMap<string, Flag>;
  readonly segmentNames: ReadonlySet<string>;
}

/**
 * Prerequisites name existing flags (and their variants), never lead back to the flag (a cycle is a
 * 409 that names it), and make no chain longer than MAX_PREREQUISITE_DEPTH links (a 400 that names
 * it), counting the flags that require this one as well as those it requires.
 */
export function checkPrerequisites(committed: CommittedConfig, name: string, prerequisites: Prerequisite[]): void {
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
export const dependentsOf = (committed: CommittedConfig, name: string): Flag[] =>
  [...committed.flags.values()]
    .filter((f) => f.prerequisites.some((p) => p.flag === name))
    .sort((a, b) => (a.name < b.name ? -1 : 1));

/** Flags that require a variant of this one keep finding it. */
export function checkDependentsKeep(
  committed: CommittedConfig,
  name: string,
  variants: readonly { key: string }[],
): void {
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
export function checkVariantReferences(
  variants: readonly { key: string }[],
  rules: readonly Rule[],
  overrides: readonly Override[],
): void {
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
export function checkSegments(committed: CommittedConfig, rules: Rule[]): void {
  for (const [i, rule] of rules.entries()) {
    if (rule.segment !== null && !committed.segmentNames.has(rule.segment))
      throw new ValidationError(`rules/${i}/segment`, `no segment named "${rule.segment}"`);
  }
}

/**
 * Everything a flag's configuration in one environment must satisfy against the rest of it: its
 * rules and overrides name its variants, its rules name existing segments, and its prerequisites
 * exist and make neither a cycle nor too long a chain.
 */
export function checkFlag(committed: CommittedConfig, flag: Flag): void {
  checkVariantReferences(flag.variants, flag.rules, flag.overrides);
  checkSegments(committed, flag.rules);
  checkPrerequisites(committed, flag.name, flag.prerequisites);
}

/** What each check refused, instead of the first refusal alone: for promotions and imports, which list them all. */
export function problemsOf(checks: readonly (() => void)[]): string[] {
  const problems: string[] = [];
  for (const check of checks) {
    try {
      check();
    } catch (error) {
      if (!(error instanceof ConflictError || error instanceof ValidationError)) throw error;
      problems.push(error.message);
    }
  }
  return problems;
}

const isOfType: Record<Exclude<FlagDefinition['valueType'], 'boolean'>, (value: JsonValue) => boolean> = {
  string: (value) => typeof value === 'string',
  number: (value) => typeof value === 'number' && Number.isFinite(value),
  // OpenFeature's object values are any structure: an object or a list.
  object: (value) => value !== null && typeof value === 'object',
};

/**
 * A typed flag's variants each carry a value of its type, and it has at least one to serve; a
 * boolean flag's variants carry none (its value is whether it is on). The off variant is one of them.
 */
export function checkValues({
  valueType,
  variants,
  offVariant,
}: Pick<FlagDefinition, 'valueType' | 'variants' | 'offVariant'>): void {
  if (valueType === 'boolean') {
    const valued = variants.findIndex((v) => v.value !== null);
    if (valued >= 0) {
      throw new ValidationError(
        `variants/${valued}/value`,
        "a boolean flag's variants carry no value (its value is whether it is on); set value_type to give them one",
      );
    }
  } else {
    if (variants.length === 0) {
      throw new ValidationError('variants', `a ${valueType} flag needs variants, each with its ${valueType} value`);
    }
    const wrong = variants.findIndex((v) => !isOfType[valueType](v.value));
    if (wrong >= 0)
      throw new ValidationError(
        `variants/${wrong}/value`,
        `must be ${valueType === 'object' ? 'an' : 'a'} ${valueType}, as the flag's value_type says`,
      );
  }
  if (offVariant !== null && !variants.some((v) => v.key === offVariant)) {
    throw new ValidationError('off_variant', `the flag has no variant "${offVariant}"`);
  }
}
