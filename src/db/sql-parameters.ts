import type { DatabaseProvider } from '../config.js';

/**
 * Collects parameters and names each with the provider's placeholder. SQLite's "?" is positional:
 * add them in the order their placeholders appear in the text.
 */
export class SqlParameters {
  readonly values: unknown[] = [];
  constructor(private readonly provider: DatabaseProvider) {}

  add(value: unknown): string {
    this.values.push(value);
    return this.provider === 'postgresql' ? `$${this.values.length}` : '?';
  }
}

/** Raw rows' numbers arrive as bigint, Decimal-like objects or numbers depending on the driver. */
export const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
