import { OverloadedError } from '../errors.js';

/**
 * This process's write transactions, run one at a time. Every write takes the revision row first
 * (config-store.ts), so they run one at a time in the database anyway; run at once, they each
 * held a pooled connection while they waited, and a burst of 400 PUTs ran the pool of 10 dry
 * (Prisma's P2028, then a 503). Queued here, they wait in memory instead, up to `limit` of them;
 * beyond that the write is refused as overloaded, with Retry-After.
 */
export class WriteQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  constructor(private readonly limit: number) {}

  run<T>(write: () => Promise<T>): Promise<T> {
    if (this.pending >= this.limit) {
      return Promise.reject(
        new OverloadedError(`${this.pending} writes are already waiting on this instance; try again shortly`),
      );
    }
    this.pending++;
    const result = this.tail.then(write);
    const done = () => void this.pending--;
    this.tail = result.then(done, done);
    return result;
  }
}
