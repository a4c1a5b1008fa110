/**
 * The shared clocks rate limiting keeps per key (Swift keeps them in memcached): for each key, the
 * time (in clock ticks) at which the next request may run. Every worker process of a data directory
 * shares one small SQLite file, so a limit holds for the total, not per process. The file needs no
 * durability (a lost clock only forgives a few requests), so it is written without fsync.
 */
import Database from 'better-sqlite3';

export interface RateClock {
  /**
   * Books one request of `step` ticks on `key` at `now` and returns how many ticks it must wait, or
   * undefined (with nothing booked) when that wait would reach `maxWait` (Swift: within 1% of a
   * second of max_sleep_time_seconds). A clock that lags more than
   * `buffer` ticks behind `now` restarts at `now` (idle time is not saved up beyond the buffer).
   */
  book(key: string, now: number, step: number, buffer: number, maxWait: number): Promise<number | undefined>;
  close(): void;
}

/**
 * Swift's _get_sleep_time once memcached's incr has booked `step` and returned `running`: the ticks
 * to wait, or undefined when that would reach `maxWait` (refused: the booking is taken back), and
 * the value the clock must be set to when it changes (a clock idle past `buffer` restarts at now).
 * Every RateClock runs this inside the transaction that made the booking.
 */
export function settleBooking(running: number, now: number, step: number, buffer: number, maxWait: number): { wait: number | undefined; next: number | undefined } {
  let next: number | undefined;
  let wait = 0;
  if (now - running > buffer) next = now + step;
  else wait = Math.max(running - now - step, 0);
  if (wait >= maxWait) return { wait: undefined, next: (next ?? running) - step };
  return { wait, next };
}

export class SqliteRateClock implements RateClock {
  private readonly db: Database.Database;
  private readonly bookTx: Database.Transaction<(key: string, now: number, step: number, buffer: number, maxWait: number) => number | undefined>;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = OFF');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec('CREATE TABLE IF NOT EXISTS clocks (key TEXT PRIMARY KEY, next INTEGER NOT NULL) WITHOUT ROWID');
    const add = this.db.prepare<[string, number], { next: number }>(
      'INSERT INTO clocks (key, next) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET next = next + excluded.next RETURNING next');
    const set = this.db.prepare<[number, string]>('UPDATE clocks SET next = ? WHERE key = ?');
    // Swift's _get_sleep_time, as one transaction: memcached's incr, then the set it may need.
    this.bookTx = this.db.transaction((key: string, now: number, step: number, buffer: number, maxWait: number) => {
      const { wait, next } = settleBooking(add.get(key, step)?.next ?? step, now, step, buffer, maxWait);
      if (next !== undefined) set.run(next, key);
      return wait;
    });
  }

  async book(key: string, now: number, step: number, buffer: number, maxWait: number): Promise<number | undefined> {
    return this.bookTx.immediate(key, now, step, buffer, maxWait);
  }

  close(): void {
    this.db.close();
  }
}
