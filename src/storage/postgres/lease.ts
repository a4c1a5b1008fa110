/**
 * One holder at a time among all nodes, for background work that must not run twice at once (the
 * janitor, the object expirer): a PostgreSQL session-level advisory lock, held on a connection of
 * its own for as long as this node does the work. Nothing to renew and nothing to expire: when the
 * holder's process dies, its connection closes, PostgreSQL releases the lock, and the next node to
 * ask gets it. (A holder cut off by the network keeps the lock until the server notices the dead
 * connection: TCP keepalive, enabled on both sides here.)
 *
 * Each node calls `tryAcquire()` before each pass of the work; it answers at once, never waits.
 */
import pg from 'pg';
import { isUnavailable, MetadataUnavailableError } from './errors.js';

export class AdvisoryLease {
  private client: pg.Client | undefined;

  /** `key`: an integer (below 2^53) naming the work, the same on every node. */
  constructor(private readonly url: string, private readonly key: number, private readonly connectTimeoutMs = 5000) {}

  /** Whether this node holds the lease now (acquiring it when free). */
  async tryAcquire(): Promise<boolean> {
    if (this.client) {
      // Still ours while the connection that took it is alive.
      try {
        await this.client.query('SELECT 1');
        return true;
      } catch {
        await this.drop();
      }
    }
    const client = new pg.Client({
      connectionString: this.url, connectionTimeoutMillis: this.connectTimeoutMs, keepAlive: true,
      query_timeout: this.connectTimeoutMs, application_name: 'swiftlet-lease',
    });
    // A connection lost while held is noticed by the next tryAcquire; this only keeps the error from
    // being unhandled.
    client.on('error', () => undefined);
    try {
      await client.connect();
      const { rows } = await client.query<{ held: boolean }>('SELECT pg_try_advisory_lock($1) AS held', [this.key]);
      if (rows[0]?.held === true) {
        this.client = client;
        return true;
      }
      await client.end();
      return false;
    } catch (err) {
      await client.end().catch(() => undefined);
      throw isUnavailable(err) ? new MetadataUnavailableError(0, err) : err;
    }
  }

  /** Gives the lease up (closing its connection releases the lock). */
  async release(): Promise<void> {
    await this.drop();
  }

  private async drop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
