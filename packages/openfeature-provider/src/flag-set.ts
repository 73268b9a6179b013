import type { Lookups } from '../../../src/core/evaluation.js';
import { type EnvironmentConfig } from '../../../src/core/projects.js';
import { equalWeights, type Flag, flagWithSettings, offSettings } from '../../../src/core/flags.js';
import { withDueChanges } from '../../../src/core/schedules.js';
import type { SegmentDefinition } from '../../../src/core/targeting.js';

/**
 * One environment's configuration in memory, as the provider evaluates it: the same flags, segments
 * and pending scheduled changes the service's own snapshot holds (EnvironmentView), built from GET
 * /config or a flags-as-code document. Immutable: a new configuration builds a new set.
 */
export class FlagSet {
  private readonly flags: ReadonlyMap<string, Flag>;
  private readonly segments: ReadonlyMap<string, SegmentDefinition>;
  private readonly schedules: EnvironmentConfig['schedules'];
  /** When the first pending change is due (ms since the epoch); Infinity when none is pending. */
  private readonly nextDueAt: number;
  /** The running experiment's key, by flag name. */
  private readonly experiments: ReadonlyMap<string, string>;
  readonly revision: number;
  readonly lookups: Lookups = {
    segment: (name) => this.segments.get(name),
    flag: (name) => this.find(name),
  };

  constructor(
    config: EnvironmentConfig,
    private readonly now: () => number,
  ) {
    const { document, environment } = config;
    this.revision = config.revision;
    // A flag the document gives no settings for here is off, as an import would create it.
    this.flags = new Map(
      document.flags.map((flag) => [
        flag.name,
        flagWithSettings(flag, flag.environments.get(environment) ?? offSettings(equalWeights(flag.variants)), 0),
      ]),
    );
    this.segments = new Map(
      document.segments.map((s) => [s.name, { userIds: new Set(s.userIds), conditions: s.conditions }]),
    );
    this.schedules = [...config.schedules].sort((a, b) => a.at.getTime() - b.at.getTime());
    this.nextDueAt = this.schedules[0]?.at.getTime() ?? Infinity;
    this.experiments = new Map(config.experiments.map((e) => [e.flagName, e.key]));
  }

  get size(): number {
    return this.flags.size;
  }

  /** The flag as it answers now: with its due scheduled changes, as the service applies them. */
  find(name: string): Flag | undefined {
    const flag = this.flags.get(name);
    if (flag === undefined || this.nextDueAt === Infinity) return flag;
    const now = this.now();
    return this.nextDueAt > now ? flag : withDueChanges(flag, this.schedules, now);
  }

  /** The key of the flag's running experiment, if it has one. */
  runningExperiment(flagName: string): string | undefined {
    return this.experiments.get(flagName);
  }
}
