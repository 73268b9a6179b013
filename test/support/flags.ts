import type { Flag } from '../../src/core/flags.js';

/** A flag as the core sees it: on for everyone and nothing else, unless `fields` say otherwise. */
export const flag = (name: string, fields: Partial<Flag> = {}): Flag => ({
  configId: 1,
  flagId: 1,
  environmentId: 1,
  name,
  kind: 'release',
  tags: [],
  valueType: 'boolean',
  offVariant: null,
  status: true,
  rolloutBasisPoints: 10_000,
  description: null,
  variants: [],
  rules: [],
  overrides: [],
  prerequisites: [],
  definitionVersion: 1,
  version: 1,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  ...fields,
});
