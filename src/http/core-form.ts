/**
 * The REST API's form of flag settings (snake_case, percentages with two decimals) and the core's
 * (camelCase, basis points), each way. The one module where a percentage becomes basis points: the
 * request schemas decode with it, so services get the core's types and never convert; responses and
 * commands' public form encode with it.
 */
import type { DefinitionFields, FlagChanges, NewFlag } from '../core/commands.js';
import type {
  FlagConfigChanges,
  FlagSettings,
  Override,
  Rule,
  VariantDefinition,
  VariantSplit,
} from '../core/flags.js';
import type { ScheduledSettings } from '../core/schedules.js';
import { basisPointsToPercentage, percentageToBasisPoints } from '../core/rollout.js';
import type { Condition } from '../core/targeting.js';
import type { JsonValue } from '../core/json.js';

export const toPercentage = basisPointsToPercentage;
export const toBasisPoints = percentageToBasisPoints;

export interface SplitBody {
  key: string;
  weight: number;
}

export interface RuleBody {
  segment?: string;
  conditions: Condition[];
  rollout_percentage: number;
  variants: SplitBody[];
}

export interface OverrideBody {
  user_id: string;
  enabled: boolean;
  variant: string | null;
}

export interface PrerequisiteBody {
  flag: string;
  variant: string | null;
}

export interface VariantBody {
  key: string;
  /** Left out where a definition splits its variants equally. */
  weight?: number;
  payload: JsonValue;
  /** Of the flag's value type; left out for boolean flags. */
  value?: JsonValue;
}

export interface SettingsBody {
  status?: boolean;
  rollout_percentage?: number;
  variants?: SplitBody[];
  rules?: RuleBody[];
  overrides?: OverrideBody[];
  prerequisites?: PrerequisiteBody[];
}

export interface DefinitionBody {
  description?: string | null;
  kind?: DefinitionFields['kind'];
  tags?: string[];
  value_type?: DefinitionFields['valueType'];
  variants?: VariantBody[];
  off_variant?: string | null;
}

export const fromSplit = (split: SplitBody): VariantSplit => ({
  key: split.key,
  weightBasisPoints: toBasisPoints(split.weight),
});
export const toSplit = (split: VariantSplit): SplitBody => ({
  key: split.key,
  weight: toPercentage(split.weightBasisPoints),
});

export const fromRule = (rule: RuleBody): Rule => ({
  segment: rule.segment ?? null,
  conditions: rule.conditions,
  rolloutBasisPoints: toBasisPoints(rule.rollout_percentage),
  variants: rule.variants.map(fromSplit),
});
/** As a request sends it: a rule without a segment leaves it out. */
export const toRule = (rule: Rule): RuleBody => ({
  ...(rule.segment !== null && { segment: rule.segment }),
  conditions: rule.conditions.map((c) => ({ ...c })),
  rollout_percentage: toPercentage(rule.rolloutBasisPoints),
  variants: rule.variants.map(toSplit),
});

export const fromOverride = (o: OverrideBody): Override => ({
  userId: o.user_id,
  enabled: o.enabled,
  variant: o.variant,
});
export const toOverride = (o: Override): OverrideBody => ({
  user_id: o.userId,
  enabled: o.enabled,
  variant: o.variant,
});

const toPrerequisite = (p: PrerequisiteBody): PrerequisiteBody => ({ flag: p.flag, variant: p.variant });

/** What the body sends of one environment's settings; what it leaves out is left out (unchanged). */
export function fromSettings(body: SettingsBody): FlagConfigChanges {
  return {
    ...(body.status !== undefined && { status: body.status }),
    ...(body.rollout_percentage !== undefined && { rolloutBasisPoints: toBasisPoints(body.rollout_percentage) }),
    ...(body.variants !== undefined && { weights: body.variants.map(fromSplit) }),
    ...(body.rules !== undefined && { rules: body.rules.map(fromRule) }),
    ...(body.overrides !== undefined && { overrides: body.overrides.map(fromOverride) }),
    ...(body.prerequisites !== undefined && { prerequisites: body.prerequisites.map(toPrerequisite) }),
  };
}

export function toSettings(changes: FlagConfigChanges): SettingsBody {
  return {
    ...(changes.status !== undefined && { status: changes.status }),
    ...(changes.rolloutBasisPoints !== undefined && { rollout_percentage: toPercentage(changes.rolloutBasisPoints) }),
    ...(changes.weights !== undefined && { variants: changes.weights.map(toSplit) }),
    ...(changes.rules !== undefined && { rules: changes.rules.map(toRule) }),
    ...(changes.overrides !== undefined && { overrides: changes.overrides.map(toOverride) }),
    ...(changes.prerequisites !== undefined && { prerequisites: changes.prerequisites.map(toPrerequisite) }),
  };
}

const fromVariant = (v: VariantBody): VariantDefinition => ({ key: v.key, payload: v.payload, value: v.value ?? null });

/** The variants' weights, where every variant has one; null where none has (an equal split). */
const weightsOf = (variants: VariantBody[]): VariantSplit[] | null =>
  variants.length > 0 && variants.every((v) => v.weight !== undefined)
    ? variants.map((v) => fromSplit({ key: v.key, weight: v.weight! }))
    : null;

/** What the body sends of a flag's definition; what it leaves out is left out (unchanged). */
export function fromDefinition(body: DefinitionBody): Partial<DefinitionFields> {
  return {
    ...(body.description !== undefined && { description: body.description }),
    ...(body.kind !== undefined && { kind: body.kind }),
    ...(body.tags !== undefined && { tags: body.tags }),
    ...(body.value_type !== undefined && { valueType: body.value_type }),
    ...(body.variants !== undefined && { variants: body.variants.map(fromVariant), weights: weightsOf(body.variants) }),
    ...(body.off_variant !== undefined && { offVariant: body.off_variant }),
  };
}

export function toDefinition(fields: Partial<DefinitionFields>): DefinitionBody {
  const weightOf = (key: string) => fields.weights?.find((w) => w.key === key)?.weightBasisPoints;
  return {
    ...(fields.description !== undefined && { description: fields.description }),
    ...(fields.kind !== undefined && { kind: fields.kind }),
    ...(fields.tags !== undefined && { tags: fields.tags }),
    ...(fields.valueType !== undefined && { value_type: fields.valueType }),
    ...(fields.variants !== undefined && {
      variants: fields.variants.map((v) => {
        const weight = weightOf(v.key);
        return {
          key: v.key,
          ...(weight !== undefined && { weight: toPercentage(weight) }),
          payload: v.payload,
          ...(v.value !== null && { value: v.value }),
        };
      }),
    }),
    ...(fields.offVariant !== undefined && { off_variant: fields.offVariant }),
  };
}

/** A whole definition: every field given (the schema's defaults filled in). */
export const fromWholeDefinition = (body: Required<DefinitionBody>): DefinitionFields =>
  fromDefinition(body) as DefinitionFields;

/** The seed's create and update bodies: the definition's fields and one environment's settings side by side. */
export type FlagBody = DefinitionBody & Omit<SettingsBody, 'variants'> & { flag_name?: string };

const definitionPart = ({ description, kind, tags, value_type, variants, off_variant }: FlagBody): DefinitionBody => ({
  description,
  kind,
  tags,
  value_type,
  variants,
  off_variant,
});

const settingsPart = ({ status, rollout_percentage, rules, overrides, prerequisites, variants }: FlagBody) =>
  fromSettings({
    status,
    rollout_percentage,
    rules,
    overrides,
    prerequisites,
    // The seed's variants carry this environment's weights with the definition.
    variants: variants?.map((v) => ({ key: v.key, weight: v.weight ?? 0 })),
  });

export function fromFlagChanges(body: FlagBody): FlagChanges {
  return { definition: fromDefinition(definitionPart(body)), settings: settingsPart(body) };
}

export function toFlagChanges({ definition, settings }: FlagChanges): FlagBody {
  const { variants: _weights, ...rest } = toSettings(settings);
  return { ...toDefinition(definition), ...rest };
}

export function fromNewFlag(body: Required<FlagBody>): NewFlag {
  const definition = fromWholeDefinition(definitionPart(body) as Required<DefinitionBody>);
  return {
    name: body.flag_name,
    definition: { ...definition, weights: definition.weights ?? [] },
    settings: settingsPart(body) as FlagSettings,
  };
}

export function toNewFlag({ name, definition, settings }: NewFlag): FlagBody {
  const { variants: _weights, ...rest } = toSettings(settings);
  return { flag_name: name, ...toDefinition(definition), ...rest };
}

/** What a scheduled change sets, as the core holds it. */
export function fromScheduledSettings(set: { status?: boolean; rollout_percentage?: number }): ScheduledSettings {
  return {
    ...(set.status !== undefined && { status: set.status }),
    ...(set.rollout_percentage !== undefined && { rolloutBasisPoints: toBasisPoints(set.rollout_percentage) }),
  };
}

/** What a scheduled change sets, as the API writes it. */
export function toScheduledSettings(changes: ScheduledSettings): { status?: boolean; rollout_percentage?: number } {
  return {
    ...(changes.status !== undefined && { status: changes.status }),
    ...(changes.rolloutBasisPoints !== undefined && { rollout_percentage: toPercentage(changes.rolloutBasisPoints) }),
  };
}
