/**
 * Heap held by the in-memory snapshot, measured in a process of its own (run with --expose-gc): the
 * heap after a full collection with the rows loaded, less the same without them. Resident memory
 * (the service's rows in run.ts) also holds what loading them left in the heap, which V8 keeps.
 *
 * Prints one JSON line: {"flags": …, "configurations": …, "heap_mb": …}.
 */
import { DEFAULT_EXPERIMENT_SETTINGS, type Environment, type Project } from '../src/core/projects.js';
import type { FlagConfig, FlagDefinition } from '../src/core/flags.js';
import type { ConfigAtRevision } from '../src/db/repositories.js';
import { systemClock } from '../src/support/clock.js';
import { ConfigSnapshot } from '../src/read-model/config-snapshot.js';

const [projects, environmentsPerProject, flagsPerProject] = (process.argv[2] ?? '10,3,1000').split(',').map(Number);
const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error('run with node --expose-gc');

function rows(): ConfigAtRevision {
  const at = new Date();
  const all: ConfigAtRevision = {
    revision: 1,
    projects: [],
    environments: [],
    flags: [],
    flagConfigs: [],
    apiKeys: [],
    segments: [],
    schedules: [],
    experiments: [],
  };
  for (let p = 1; p <= projects; p++) {
    all.projects.push({
      id: p,
      key: `project_${p}`,
      name: `Project ${p}`,
      description: null,
      experimentSettings: DEFAULT_EXPERIMENT_SETTINGS,
      version: 1,
      createdAt: at,
      updatedAt: at,
    } satisfies Project);
    const environments: Environment[] = Array.from({ length: environmentsPerProject }, (_, e) => ({
      id: (p - 1) * environmentsPerProject + e + 1,
      projectId: p,
      key: `environment_${e}`,
      name: `Environment ${e}`,
      position: e,
      version: 1,
      createdAt: at,
      updatedAt: at,
    }));
    all.environments.push(...environments);
    for (let f = 0; f < flagsPerProject; f++) {
      const id = (p - 1) * flagsPerProject + f + 1;
      all.flags.push({
        id,
        projectId: p,
        name: `flag_${f}`,
        // Each its own string, as rows read from the database are.
        description: `Benchmark flag number ${f} of project ${p}`,
        kind: 'release',
        tags: [],
        valueType: 'boolean',
        variants: [],
        offVariant: null,
        version: 1,
        createdAt: at,
        updatedAt: at,
      } satisfies FlagDefinition);
      for (const environment of environments) {
        all.flagConfigs.push({
          id: all.flagConfigs.length + 1,
          flagId: id,
          environmentId: environment.id,
          status: true,
          rolloutBasisPoints: 5000,
          weights: [],
          rules: [],
          overrides: [],
          prerequisites: [],
          version: 1,
          updatedAt: at,
        } satisfies FlagConfig);
      }
    }
  }
  return all;
}

const heapMb = () => {
  collect();
  collect();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const before = heapMb();
const snapshot = new ConfigSnapshot(systemClock);
snapshot.replace(rows());
const after = heapMb();
// Read once, so nothing above is collected early.
if (!snapshot.environment(1)?.find('flag_0')) throw new Error('not loaded');
console.log(
  JSON.stringify({
    flags: projects * flagsPerProject,
    configurations: projects * flagsPerProject * environmentsPerProject,
    heap_mb: after - before,
  }),
);
