import { describe, expect, it } from 'vitest';
import { DEFAULT_EXPERIMENT_SETTINGS, type Environment, type Project } from '../../src/core/projects.js';
import type { FlagConfig, FlagDefinition } from '../../src/core/flags.js';
import type { Segment } from '../../src/core/segments.js';
import type { ConfigAtRevision, ConfigDelta } from '../../src/db/repositories.js';
import { systemClock } from '../../src/support/clock.js';
import { ConfigSnapshot } from '../../src/read-model/config-snapshot.js';

const epoch = new Date(0);
const project = (id: number, key: string): Project => ({
  id,
  key,
  name: key,
  description: null,
  experimentSettings: DEFAULT_EXPERIMENT_SETTINGS,
  version: 1,
  createdAt: epoch,
  updatedAt: epoch,
});
const environment = (id: number, projectId: number, key: string, position: number): Environment => ({
  id,
  projectId,
  key,
  name: key,
  position,
  version: 1,
  createdAt: epoch,
  updatedAt: epoch,
});
const definition = (id: number, name: string, fields: Partial<FlagDefinition> = {}): FlagDefinition => ({
  id,
  projectId: 1,
  name,
  description: null,
  kind: 'release',
  tags: [],
  valueType: 'boolean',
  variants: [],
  offVariant: null,
  version: 1,
  createdAt: epoch,
  updatedAt: epoch,
  ...fields,
});
const config = (id: number, flagId: number, environmentId: number, fields: Partial<FlagConfig> = {}): FlagConfig => ({
  id,
  flagId,
  environmentId,
  status: true,
  rolloutBasisPoints: 10_000,
  weights: [],
  rules: [],
  overrides: [],
  prerequisites: [],
  version: 1,
  updatedAt: epoch,
  ...fields,
});
const segment = (id: number, name: string, userIds: string[]): Segment => ({
  id,
  projectId: 1,
  name,
  description: null,
  conditions: [],
  userIds,
  version: 1,
  createdAt: epoch,
  updatedAt: epoch,
});

const PROJECTS = [project(1, 'default')];
const ENVIRONMENTS = [environment(1, 1, 'development', 0), environment(2, 1, 'production', 1)];

const everything = (revision: number, rows: Partial<ConfigAtRevision>): ConfigAtRevision => ({
  revision,
  projects: PROJECTS,
  environments: ENVIRONMENTS,
  flags: [],
  flagConfigs: [],
  apiKeys: [],
  segments: [],
  schedules: [],
  experiments: [],
  ...rows,
});

const none = { present: [], gone: [] };
const delta = (rows: Partial<ConfigDelta>): ConfigDelta => ({
  projects: none,
  environments: none,
  flags: none,
  flagConfigs: none,
  segments: none,
  experiments: none,
  apiKeys: none,
  schedules: none,
  ...rows,
});

describe('ConfigSnapshot', () => {
  it('starts empty at revision -1, then holds each environment’s flags in name order', () => {
    const snapshot = new ConfigSnapshot(systemClock);
    expect(snapshot.revision).toBe(-1);
    expect(snapshot.environment(2)).toBeUndefined();
    snapshot.replace(
      everything(7, {
        flags: [definition(1, 'b'), definition(2, 'a'), definition(3, 'C')],
        flagConfigs: [config(1, 1, 2), config(2, 2, 2), config(3, 3, 2), config(4, 2, 1, { status: false })],
      }),
    );
    expect(snapshot.revision).toBe(7);
    const production = snapshot.environment(2)!;
    expect(production.all().map((f) => f.name)).toEqual(['C', 'a', 'b']);
    expect(production.find('a')).toMatchObject({ name: 'a', status: true, configId: 2, environmentId: 2 });
    expect(production.find('z')).toBeUndefined();
    expect(
      snapshot
        .environment(1)!
        .all()
        .map((f) => [f.name, f.status]),
    ).toEqual([['a', false]]);
    expect(snapshot.project('default')!.environments.map((e) => e.key)).toEqual(['development', 'production']);
  });

  it('applies local writes at once to the environments they touch, keeps the revision and counts them', () => {
    const snapshot = new ConfigSnapshot(systemClock);
    snapshot.replace(everything(3, { flags: [definition(1, 'a')], flagConfigs: [config(1, 1, 1), config(2, 1, 2)] }));
    const development = snapshot.environment(1);
    snapshot.applyLocal(delta({ flagConfigs: { present: [config(2, 1, 2, { status: false })], gone: [] } }));
    expect(snapshot.environment(2)!.find('a')?.status).toBe(false);
    // The other environment's view is the very same object: nothing there changed.
    expect(snapshot.environment(1)).toBe(development);
    // A definition is every environment's.
    snapshot.applyLocal(delta({ flags: { present: [definition(1, 'a', { description: 'new' })], gone: [] } }));
    expect(snapshot.environment(1)!.find('a')?.description).toBe('new');
    expect(snapshot.environment(2)!.find('a')?.description).toBe('new');
    expect(snapshot.revision).toBe(3);
    expect(snapshot.localWriteCount).toBe(2);
    // With the write's revisions, and nothing else committed meanwhile, the snapshot moves with it.
    snapshot.applyLocal(delta({}), { before: 3, after: 5 });
    expect(snapshot.revision).toBe(5);
  });

  it('never changes a view a reader already holds', () => {
    const snapshot = new ConfigSnapshot(systemClock);
    snapshot.replace(everything(1, { flags: [definition(1, 'a')], flagConfigs: [config(1, 1, 2)] }));
    const held = snapshot.environment(2)!.all();
    snapshot.applyLocal(delta({ flags: { present: [definition(2, 'b')], gone: [] } }));
    snapshot.applyLocal(delta({ flagConfigs: { present: [config(2, 2, 2)], gone: [] } }));
    snapshot.replace(everything(2, {}));
    expect(held.map((f) => f.name)).toEqual(['a']);
  });

  it('gives each project’s environments that project’s segments only', () => {
    const snapshot = new ConfigSnapshot(systemClock);
    snapshot.replace(
      everything(1, {
        projects: [...PROJECTS, project(2, 'other')],
        environments: [...ENVIRONMENTS, environment(3, 2, 'production', 0)],
        segments: [segment(1, 'beta', ['u1']), { ...segment(2, 'beta', ['u2']), projectId: 2 }],
      }),
    );
    expect([...snapshot.environment(2)!.segment('beta')!.userIds]).toEqual(['u1']);
    expect([...snapshot.environment(3)!.segment('beta')!.userIds]).toEqual(['u2']);
    snapshot.applyLocal(delta({ segments: { present: [], gone: [2] } }));
    expect(snapshot.environment(3)!.segment('beta')).toBeUndefined();
    expect(snapshot.environment(2)!.segment('beta')).toBeDefined();
  });
});

describe('ConfigSnapshot, changes merged into each environment', () => {
  it('holds, after any mix of local writes and read changes, what a full load of the same rows holds', () => {
    // A fixed linear congruential sequence: the same mix on every run.
    let seed = 20261127;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const names = ['A', 'Z', 'a', 'a_b', 'ab', 'b', 'beta', 'zz', 'é', '🚩'];
    const definitions = new Map<number, FlagDefinition>();
    const configs = new Map<number, FlagConfig>();
    const snapshot = new ConfigSnapshot(systemClock);
    snapshot.replace(everything(0, {}));
    for (let step = 1; step <= 500; step++) {
      const flagId = random(names.length) + 1;
      const environmentId = random(2) + 1;
      const configId = flagId * 10 + environmentId;
      const change = random(5);
      let rows: Partial<ConfigDelta>;
      if (change === 0) {
        const written = definition(flagId, names[flagId - 1], { description: `step ${step}` });
        definitions.set(flagId, written);
        rows = { flags: { present: [written], gone: [] } };
      } else if (change === 1) {
        definitions.delete(flagId);
        const gone = [...configs.values()].filter((c) => c.flagId === flagId).map((c) => c.id);
        for (const id of gone) configs.delete(id);
        rows = { flags: { present: [], gone: [flagId] }, flagConfigs: { present: [], gone } };
      } else if (change === 2) {
        configs.delete(configId);
        rows = { flagConfigs: { present: [], gone: [configId] } };
      } else {
        const written = config(configId, flagId, environmentId, { status: step % 2 === 0 });
        configs.set(configId, written);
        rows = { flagConfigs: { present: [written], gone: [] } };
      }
      if (random(2) === 0) snapshot.applyLocal(delta(rows));
      else snapshot.applyChanges({ revision: step, ...delta(rows) });
      const fresh = new ConfigSnapshot(systemClock);
      fresh.replace(everything(step, { flags: [...definitions.values()], flagConfigs: [...configs.values()] }));
      for (const id of [1, 2]) {
        expect(snapshot.environment(id)!.all(), `step ${step}, environment ${id}`).toEqual(
          fresh.environment(id)!.all(),
        );
        for (const name of names) {
          expect(snapshot.environment(id)!.find(name), `step ${step}, ${name}`).toEqual(
            fresh.environment(id)!.find(name),
          );
        }
      }
    }
  });
});
