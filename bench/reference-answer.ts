import type { Flag } from '../src/core/flags.js';

// What the reference servers share: the bare and floor servers' answer (the service's JSON shape
// for a flag at 50%), and the flags the benchmark evaluates.
export type BenchParams = { Params: { user_id: string; flag_name: string } };

const ROLLOUT_BP = 5000;

export function fixedRolloutAnswer(params: BenchParams['Params'], bucket: number) {
  const enabled = bucket < ROLLOUT_BP;
  return {
    user_id: params.user_id,
    flag_name: params.flag_name,
    enabled,
    reason: enabled ? 'IN_ROLLOUT' : 'OUT_OF_ROLLOUT',
    bucket: bucket / 100,
    variant: null,
    payload: null,
    value: enabled,
  };
}

/** A plain on/off flag at a percentage, as the benchmark seeds them: no targeting, no variants. */
export function plainFlag(name: string, rolloutBasisPoints: number): Flag {
  const epoch = new Date(0);
  return {
    configId: 0,
    flagId: 0,
    environmentId: 0,
    name,
    kind: 'release',
    tags: [],
    valueType: 'boolean',
    offVariant: null,
    status: true,
    rolloutBasisPoints,
    description: null,
    variants: [],
    rules: [],
    overrides: [],
    prerequisites: [],
    definitionVersion: 1,
    version: 1,
    createdAt: epoch,
    updatedAt: epoch,
  };
}
