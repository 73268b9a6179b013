export interface HealthReport {
  databaseReachable: boolean;
  version: string;
  uptimeSeconds: number;
  authEnabled: boolean;
}

export class HealthService {
  private readonly startedAt = Date.now();

  constructor(
    private readonly pingDatabase: () => Promise<void>,
    private readonly version: string,
    private readonly authEnabled: () => boolean,
  ) {}

  async check(): Promise<HealthReport> {
    const databaseReachable = await this.pingDatabase().then(
      () => true,
      () => false,
    );
    return {
      databaseReachable,
      version: this.version,
      uptimeSeconds: Math.floor((Date.now() - this.startedAt) / 1000),
      authEnabled: this.authEnabled(),
    };
  }
}
