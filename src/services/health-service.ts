export interface HealthReport {
  databaseReachable: boolean;
  version: string;
  uptimeSeconds: number;
}

export class HealthService {
  private readonly startedAt = Date.now();

  constructor(
    private readonly pingDatabase: () => Promise<void>,
    private readonly version: string,
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
    };
  }
}
