import type { Clock } from './clock.js';

export interface HealthReport {
  databaseReachable: boolean;
  version: string;
  uptimeSeconds: number;
  authEnabled: boolean;
}

export class HealthService {
  private readonly startedAt: number;

  constructor(
    private readonly pingDatabase: () => Promise<void>,
    private readonly version: string,
    private readonly authEnabled: () => boolean,
    private readonly clock: Clock,
  ) {
    this.startedAt = clock.now();
  }

  async check(): Promise<HealthReport> {
    const databaseReachable = await this.pingDatabase().then(
      () => true,
      () => false,
    );
    return {
      databaseReachable,
      version: this.version,
      uptimeSeconds: Math.floor((this.clock.now() - this.startedAt) / 1000),
      authEnabled: this.authEnabled(),
    };
  }
}
