/**
 * A lease on a PostgreSQL session-level advisory lock: of all nodes asking, one holds it at a time.
 * The lock belongs to one dedicated connection, so it is released by the server when that node dies
 * or loses its connection, and another node's next `holds()` takes it over. Used so that jobs that
 * must run once per cluster (the expirer, the orphan sweeper, key rotation) run on exactly one node.
 */
import pg from 'pg';

export class PostgresLease {
  private client: pg.Client | undefined;
  private held = false;

  /** `key`: the advisory lock's number, one per kind of lease. */
  constructor(private readonly url: string, private readonly key: number, private readonly timeoutMs = 5_000) {}

  /** Whether this node holds the lease now (taking it when free); false when PostgreSQL is unreachable. */
  async holds(): Promise<boolean> {
    try {
      const client = this.client ?? (await this.connect());
      if (this.held) {
        // Still connected means still held: the server keeps a session lock until the session ends.
        await client.query('SELECT 1');
      } else {
        const res = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [this.key]);
        this.held = res.rows[0]?.ok === true;
      }
      return this.held;
    } catch {
      this.drop();
      return false;
    }
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.url, connectionTimeoutMillis: this.timeoutMs, query_timeout: this.timeoutMs,
      keepAlive: true, application_name: 'swiftlet-lease',
    });
    client.on('error', () => this.drop());
    await client.connect();
    this.client = client;
    this.held = false;
    return client;
  }

  private drop(): void {
    const client = this.client;
    this.client = undefined;
    this.held = false;
    void client?.end().catch(() => undefined);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.held = false;
    await client?.end().catch(() => undefined);
  }
}
