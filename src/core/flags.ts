/**
 * Flags: what a flag is (its definition) and how each environment sets it (its configuration),
 * and the two as one flag, which evaluation reads. Pure types and constructors: db/ maps rows to and
 * from them, the schemas map them to and from HTTP.
 */
import type { JsonValue } from './json.js';
import type { Condition } from './targeting.js';

/** What OpenFeature gets as a flag's value: its on/off state, or its variant's typed value. */
export const VALUE_TYPES = ['boolean', 'string', 'number', 'object'] as const;
export type FlagValueType = (typeof VALUE_TYPES)[number];

/** One arm of an A/B/n test. */
export interface Variant {
  key: string;
  /** Share of the users who get the flag, in basis points; a flag's variants add up to 10,000. */
  weightBasisPoints: number;
  /** Whatever the client needs for this arm (copy, colours, a config object). */
  payload: JsonValue;
  /** The flag's value for this arm, of the flag's value type; null for boolean flags. */
  value: JsonValue;
}

/** A share of a rule's users for one of the flag's variants. */
export interface VariantSplit {
  key: string;
  weightBasisPoints: number;
}

/** Tried in order; the first whose segment and conditions hold decides the flag for the user. */
export interface Rule {
  /** A segment's name; null for a rule with inline conditions only. */
  segment: string | null;
  conditions: Condition[];
  rolloutBasisPoints: number;
  /** Overrides the flag's variant weights for this rule's users; empty to keep them. */
  variants: VariantSplit[];
}

/** Another flag that must be on for the user (and, when given, on this variant) before this one applies. */
export interface Prerequisite {
  flag: string;
  variant: string | null;
}

/** Forces the flag on or off (and, when on, a variant) for one user. */
export interface Override {
  userId: string;
  enabled: boolean;
  variant: string | null;
}

/** How long a flag is expected to live, which tells when it has become stale. */
export const FLAG_KINDS = ['release', 'experiment', 'operational', 'kill_switch', 'permission'] as const;
export type FlagKind = (typeof FLAG_KINDS)[number];

/** Days a flag of each kind is expected to live; null for flags meant to stay (Unleash's lifetimes). */
export const FLAG_KIND_LIFETIME_DAYS: Record<FlagKind, number | null> = {
  release: 40,
  experiment: 40,
  operational: 7,
  kill_switch: null,
  permission: null,
};

/** A variant as the flag's definition holds it: its weights are per environment. */
export interface VariantDefinition {
  key: string;
  payload: JsonValue;
  value: JsonValue;
}

/** What a flag is, in every environment of its project. */
export interface FlagDefinition {
  id: number;
  projectId: number;
  name: string;
  description: string | null;
  kind: FlagKind;
  tags: string[];
  valueType: FlagValueType;
  variants: VariantDefinition[];
  /** The variant served (with its payload and value) to users the flag is off for; null for none. */
  offVariant: string | null;
  createdAt: Date;
  /** Raised by every write of this item: what a command was prepared against. */
  version: number;
  updatedAt: Date;
}

/** How a flag behaves in one environment. `weights` has one entry per variant of the definition, in its order. */
export interface FlagConfig {
  id: number;
  flagId: number;
  environmentId: number;
  status: boolean;
  rolloutBasisPoints: number;
  weights: VariantSplit[];
  rules: Rule[];
  overrides: Override[];
  prerequisites: Prerequisite[];
  /** Raised by every write of this item: what a command was prepared against. */
  version: number;
  updatedAt: Date;
}

/** A flag as one environment evaluates it: its definition and that environment's configuration together. */
export interface Flag {
  /** The configuration's id: this flag in this environment. */
  configId: number;
  flagId: number;
  environmentId: number;
  name: string;
  status: boolean;
  rolloutBasisPoints: number;
  description: string | null;
  kind: FlagKind;
  tags: string[];
  valueType: FlagValueType;
  /** Empty for a plain on/off flag. */
  variants: Variant[];
  /** The variant served to users the flag is off for; null for none. */
  offVariant: string | null;
  rules: Rule[];
  overrides: Override[];
  prerequisites: Prerequisite[];
  /** The definition's version, shared by the project's environments. */
  definitionVersion: number;
  /** This environment's configuration's version. */
  version: number;
  createdAt: Date;
  /** The later of the definition's and the configuration's last change. */
  updatedAt: Date;
}

/** Shared by every flag without variants (most of them); frozen, as flags in memory are never changed in place. */
const NO_VARIANTS: Variant[] = Object.freeze([]) as never[];

/**
 * The definition and one environment's configuration as one flag, built field by field: evaluation
 * reads these objects thousands of times a request, and a literal gives every flag the same fast shape.
 */
export function flagOf(definition: FlagDefinition, config: FlagConfig): Flag {
  const weightOf = (key: string) => config.weights.find((w) => w.key === key)?.weightBasisPoints ?? 0;
  return {
    configId: config.id,
    flagId: definition.id,
    environmentId: config.environmentId,
    name: definition.name,
    status: config.status,
    rolloutBasisPoints: config.rolloutBasisPoints,
    description: definition.description,
    kind: definition.kind,
    tags: definition.tags,
    valueType: definition.valueType,
    offVariant: definition.offVariant,
    variants:
      definition.variants.length === 0
        ? NO_VARIANTS
        : definition.variants.map((v) => ({
            key: v.key,
            weightBasisPoints: weightOf(v.key),
            payload: v.payload,
            value: v.value,
          })),
    rules: config.rules,
    overrides: config.overrides,
    prerequisites: config.prerequisites,
    definitionVersion: definition.version,
    version: config.version,
    createdAt: definition.createdAt,
    updatedAt: config.updatedAt > definition.updatedAt ? config.updatedAt : definition.updatedAt,
  };
}

/**
 * A flag from a definition and settings that are not stored rows: a document's (flags as code, GET
 * /config), or settings being checked before they are saved.
 */
export const flagWithSettings = (
  definition: Omit<FlagDefinition, 'id' | 'projectId' | 'createdAt' | 'updatedAt' | 'version'>,
  settings: FlagSettings,
  environmentId: number,
): Flag =>
  flagOf(
    { ...definition, id: 0, projectId: 0, version: 0, createdAt: new Date(0), updatedAt: new Date(0) },
    { ...settings, id: 0, flagId: 0, environmentId, version: 0, updatedAt: new Date(0) },
  );

/** What an environment sets of a flag, out of its configuration row: to copy to another environment. */
export const settingsOf = (config: FlagConfig): FlagSettings => ({
  status: config.status,
  rolloutBasisPoints: config.rolloutBasisPoints,
  weights: config.weights,
  rules: config.rules,
  overrides: config.overrides,
  prerequisites: config.prerequisites,
});

/** Variants split equally (in basis points; the first ones take the remainder). */
export function equalWeights(variants: readonly { key: string }[]): VariantSplit[] {
  const share = Math.floor(10_000 / Math.max(variants.length, 1));
  const remainder = 10_000 - share * variants.length;
  return variants.map((v, i) => ({ key: v.key, weightBasisPoints: share + (i < remainder ? 1 : 0) }));
}

/** A flag off in an environment: what a new environment or a new flag elsewhere starts with. */
export const offSettings = (weights: VariantSplit[]): FlagSettings => ({
  status: false,
  rolloutBasisPoints: 10_000,
  weights,
  rules: [],
  overrides: [],
  prerequisites: [],
});

export type NewFlagDefinition = Omit<FlagDefinition, 'id' | 'createdAt' | 'updatedAt' | 'version'>;

export type FlagDefinitionChanges = Partial<
  Pick<FlagDefinition, 'description' | 'kind' | 'tags' | 'valueType' | 'variants' | 'offVariant'>
>;

export type NewFlagConfig = Omit<FlagConfig, 'id' | 'updatedAt' | 'version'>;

/** The configuration fields one environment sets. */
export type FlagSettings = Pick<
  FlagConfig,
  'status' | 'rolloutBasisPoints' | 'weights' | 'rules' | 'overrides' | 'prerequisites'
>;

export type FlagConfigChanges = Partial<FlagSettings>;

/** Why a flag is stale: past its kind's expected lifetime, or not evaluated for a long time; null when it is not. */
export type StaleReason = { reason: 'past_expected_lifetime' | 'not_evaluated'; detail: string } | null;

const DAY_MS = 86_400_000;
/** A flag not evaluated in any environment for this long is stale. */
export const UNUSED_AFTER_DAYS = 30;

/**
 * Stale: older than its kind's expected lifetime, or not evaluated in any environment for
 * UNUSED_AFTER_DAYS (counted from its creation when it never was). `lastEvaluated` is ms since the
 * epoch by environment id.
 */
export function staleness(
  flag: Pick<FlagDefinition, 'kind' | 'createdAt'>,
  lastEvaluated: ReadonlyMap<number, number> | undefined,
  now: number,
): StaleReason {
  const lifetime = FLAG_KIND_LIFETIME_DAYS[flag.kind];
  const ageDays = (now - flag.createdAt.getTime()) / DAY_MS;
  if (lifetime !== null && ageDays > lifetime) {
    const article = /^[aeiou]/.test(flag.kind) ? 'an' : 'a';
    const age = Math.floor(ageDays);
    return {
      reason: 'past_expected_lifetime',
      detail: `${article} ${flag.kind} flag is expected to live ${lifetime} days; this one is ${age} days old`,
    };
  }
  const lastUse = Math.max(flag.createdAt.getTime(), ...(lastEvaluated?.values() ?? []));
  const idleDays = (now - lastUse) / DAY_MS;
  if (idleDays > UNUSED_AFTER_DAYS) {
    const since = lastEvaluated && lastEvaluated.size > 0 ? 'evaluated' : 'evaluated since it was created';
    return { reason: 'not_evaluated', detail: `not ${since} in any environment for ${Math.floor(idleDays)} days` };
  }
  return null;
}
