import pg from 'pg';

/**
 * Pushes "configuration changed somewhere" to this process, with the revision the change brought the
 * database to when known. Delivery is best effort: callers also poll.
 */
export interface ChangeFeed {
  start(onChange: (revision?: number) => void, onError: (error: Error) => void): Promise<void>;
  close(): Promise<void>;
}

/** SQLite serves one process, which sees its own writes; polling covers any other writer. */
export const silentChangeFeed: ChangeFeed = {
  start: async () => undefined,
  close: async () => undefined,
};

// Matches the pg_notify channel in prisma/postgresql/migrations/*_api_keys_audit_log.
const CHANNEL = 'config_changed';
const RECONNECT_DELAY_MS = 1000;

/**
 * LISTENs on a dedicated connection and reconnects after losing it (calling onChange, as changes may have been missed).
 */
export class PostgresChangeFeed implements ChangeFeed {
  private client: pg.Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly url: string) {}

  async start(onChange: (revision?: number) => void, onError: (error: Error) => void): Promise<void> {
    const connect = async (): Promise<void> => {
      const client = new pg.Client({ connectionString: this.url });
      // The trigger's payload is the new revision.
      client.on('notification', ({ payload }) => onChange(Number(payload) || undefined));
      client.on('error', () => undefined); // 'end' follows and schedules the reconnect
      client.on('end', () => {
        if (this.closed || this.client !== client) return;
        this.client = undefined;
        scheduleReconnect();
      });
      this.client = client;
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    };
    const scheduleReconnect = () => {
      if (this.closed || this.reconnectTimer) return;
      this.reconnectTimer = setTimeout(async () => {
        this.reconnectTimer = undefined;
        try {
          await connect();
          onChange();
        } catch (error) {
          onError(error as Error);
          await this.client?.end().catch(() => undefined);
          this.client = undefined;
          scheduleReconnect();
        }
      }, RECONNECT_DELAY_MS);
      this.reconnectTimer.unref();
    };
    await connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
  }
}
