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
    // Swift's _get_sleep_time, as one transaction: memcached's incr, then the set or decr it may need.
    this.bookTx = this.db.transaction((key: string, now: number, step: number, buffer: number, maxWait: number) => {
      const running = add.get(key, step)?.next ?? step;
      let wait = 0;
      if (now - running > buffer) set.run(now + step, key);
      else wait = Math.max(running - now - step, 0);
      if (wait >= maxWait) {
        set.run(running - step, key);
        return undefined;
      }
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
