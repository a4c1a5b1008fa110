/**
 * Rate limiting's clocks (middleware/ratelimit/counters.ts) on the cluster's identity database, so
 * a limit holds for all nodes together. The table is UNLOGGED: it needs no durability (a lost clock
 * only forgives a few requests) and so costs no WAL flush per request.
 */
import { settleBooking, type RateClock } from '../../middleware/ratelimit/counters.js';
import type { Shards } from './shards.js';

const SCHEMA = 'CREATE UNLOGGED TABLE IF NOT EXISTS ratelimit_clocks (key text COLLATE "C" PRIMARY KEY, next bigint NOT NULL)';

export class PostgresRateClock implements RateClock {
  private ready: Promise<unknown> | undefined;

  /** `db`: the identity connection (PostgresIdentityStore.connection). */
  constructor(private readonly db: Shards) {}

  async book(key: string, now: number, step: number, buffer: number, maxWait: number): Promise<number | undefined> {
    this.ready ??= this.db.query(0, SCHEMA).catch((err: unknown) => { this.ready = undefined; throw err; });
    await this.ready;
    // Swift's _get_sleep_time as one transaction: memcached's incr (the row lock orders concurrent
    // bookings), then the set it may need.
    return this.db.transaction(0, async (tx) => {
      const booked = await tx.query<{ next: number }>(
        `INSERT INTO ratelimit_clocks AS c (key, next) VALUES ($1, $2)
           ON CONFLICT (key) DO UPDATE SET next = c.next + excluded.next RETURNING c.next`, [key, step]);
      const { wait, next } = settleBooking(Number(booked[0]?.next ?? step), now, step, buffer, maxWait);
      if (next !== undefined) await tx.query('UPDATE ratelimit_clocks SET next = $1 WHERE key = $2', [next, key]);
      return wait;
    });
  }

  close(): void {}
}
