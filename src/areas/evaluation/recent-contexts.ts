import { IMPACT_WINDOW_MS } from '../../core/impact.js';
import type { Attributes } from '../../core/targeting.js';
import type { Clock } from '../../support/clock.js';
/** A user counts for every flag once they evaluated more than this many one by one (keeps each entry small). */
export const MAX_FLAGS_PER_CONTEXT = 32;
/** Characters (keys, strings, and 8 per other value) a context's attributes may hold to be sampled. */
export const MAX_CONTEXT_CHARACTERS = 1024;
/**
 * Evaluations sampled per second and environment, at most (a token bucket of this size, refilled at
 * this rate): every evaluation while traffic is light, a steady trickle under load. Recording every
 * request of a busy instance cost 21% of single-flag evaluation (npm run bench: a new user per
 * request churns 10,000 entries through the old generation); at this rate the cost is noise, and
 * 100 a second still fills 10,000 users in under two minutes.
 */
export const SAMPLES_PER_SECOND = 100;

export interface SampledContext {
  readonly userId: string;
  attributes: Attributes | undefined;
  seenAt: number;
  /** The flags (by id) the user evaluated one by one; null once they evaluated all of them at once. */
  flagIds: Set<number> | null;
}

/** What recording needs of the caller: where it evaluated, for whom, and which flag (none: every flag). */
export interface ContextRecorder {
  record(environmentId: number, userId: string, attributes: Attributes | undefined, flagId?: number): void;
}

/** How many of `value`'s characters are left of `budget` (negative once over), stopping as soon as it is over. */
function charactersLeft(value: unknown, budget: number): number {
  if (typeof value === 'string') return budget - value.length;
  if (value === null || typeof value !== 'object') return budget - 8;
  if (Array.isArray(value)) {
    for (const item of value) if ((budget = charactersLeft(item, budget)) < 0) return budget;
    return budget;
  }
  for (const key in value) {
    budget = charactersLeft((value as Record<string, unknown>)[key], budget - key.length);
    if (budget < 0) return budget;
  }
  return budget;
}

interface EnvironmentSample {
  readonly users: Map<string, SampledContext>;
  tokens: number;
  refilledAt: number;
}

/**
 * A sample of the users evaluated lately in each environment, with their attributes, for the impact
 * preview: what a change to a flag would do to the people who use it. Bounded: at most `capacity`
 * users per environment (the oldest go first), each with at most MAX_CONTEXT_CHARACTERS of attributes
 * (larger contexts are not sampled) and MAX_FLAGS_PER_CONTEXT flag ids; at most SAMPLES_PER_SECOND
 * evaluations recorded per environment. A bulk evaluation records the user once, for every flag.
 */
export class RecentContexts implements ContextRecorder {
  private readonly byEnvironment = new Map<number, EnvironmentSample>();

  constructor(
    private readonly clock: Clock,
    private readonly capacity: number,
  ) {}

  record(environmentId: number, userId: string, attributes: Attributes | undefined, flagId?: number): void {
    if (this.capacity === 0) return;
    const now = this.clock.now();
    let sample = this.byEnvironment.get(environmentId);
    if (sample === undefined) {
      sample = { users: new Map(), tokens: SAMPLES_PER_SECOND, refilledAt: now };
      this.byEnvironment.set(environmentId, sample);
    }
    if (sample.tokens < 1) {
      sample.tokens = Math.min(
        SAMPLES_PER_SECOND,
        sample.tokens + ((now - sample.refilledAt) * SAMPLES_PER_SECOND) / 1000,
      );
      sample.refilledAt = now;
      if (sample.tokens < 1) return;
    }
    sample.tokens--;
    if (attributes !== undefined && charactersLeft(attributes, MAX_CONTEXT_CHARACTERS) < 0) return;
    const { users } = sample;
    const known = users.get(userId);
    if (known !== undefined) {
      known.attributes = attributes;
      known.seenAt = now;
      if (known.flagIds !== null) {
        if (flagId === undefined || known.flagIds.size >= MAX_FLAGS_PER_CONTEXT) known.flagIds = null;
        else known.flagIds.add(flagId);
      }
      // Seen again: to the back of the queue, so the oldest users leave first.
      users.delete(userId);
      users.set(userId, known);
      return;
    }
    if (users.size >= this.capacity) users.delete(users.keys().next().value!);
    users.set(userId, { userId, attributes, seenAt: now, flagIds: flagId === undefined ? null : new Set([flagId]) });
  }

  /** The users who evaluated the flag in the environment within the window, most recent last. */
  usersOf(environmentId: number, flagId: number): SampledContext[] {
    const since = this.clock.now() - IMPACT_WINDOW_MS;
    const sample = this.byEnvironment.get(environmentId);
    if (sample === undefined) return [];
    return [...sample.users.values()].filter(
      (user) => user.seenAt >= since && (user.flagIds === null || user.flagIds.has(flagId)),
    );
  }
}
