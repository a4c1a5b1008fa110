/**
 * Group commit: object writes that arrive in the same turn of the event loop are applied in one
 * IMMEDIATE transaction. The transaction commits with `synchronous = NORMAL` (no flush while the
 * event loop waits), then WalFlusher flushes the WAL on its thread; each caller's promise settles
 * only after that flush, so a 2xx still means durable. Meanwhile the event loop keeps accepting and
 * committing the next writes, which share the next flush. Every write runs in its own savepoint, so
 * one failing write does not undo the others.
 */
import type { Db } from './database.js';
import { WalFlusher } from './wal-flusher.js';
import { countCommitBatch, metricsOn, observeWalFlush } from '../../observe/meters.js';

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommitter {
  private queue: Pending[] = [];
  private scheduled = false;
  /** Callers holding commits back (see `hold`). */
  private holds = 0;
  private readonly wal: WalFlusher;
  private readonly syncNormal;
  private readonly syncFull;
  /** Built once: better-sqlite3 makes several functions for every `transaction()` call. */
  private readonly applyBatch;
  /** Called inside `applyBatch`'s transaction, so it runs each write in a savepoint of its own. */
  private readonly applyOne;

  constructor(db: Db, private readonly maxBatch = 256) {
    this.wal = new WalFlusher(`${db.name}-wal`);
    this.syncNormal = db.prepare('PRAGMA synchronous = NORMAL');
    this.syncFull = db.prepare('PRAGMA synchronous = FULL');
    this.applyOne = db.transaction((write: () => unknown) => write());
    this.applyBatch = db.transaction((batch: Pending[], outcomes: Outcome[]) => {
      for (const op of batch) {
        try {
          outcomes.push({ ok: true, value: this.applyOne(op.run) });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
    });
  }

  submit<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: write, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Commits the writes queued so far now, rather than at the setImmediate that `submit` scheduled;
   * returns how many it committed (their promises settle after the flush, as always).
   */
  commitQueued(): number {
    if (this.holds > 0) return 0;
    const queued = Math.min(this.queue.length, this.maxBatch);
    if (queued > 0) this.flush();
    return queued;
  }

  /**
   * Keeps queued writes from committing until the returned function is called (once; later calls do
   * nothing); they queue meanwhile and commit together after. Reads go on. For the checkpointer's
   * catch-up before a WAL restart (wal-restart.ts), which needs a moment without new frames.
   */
  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      if (this.holds === 0 && this.queue.length > 0 && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    };
  }

  /** Answers the writers whose commits are flushed by now, without waiting for the flusher's notification. */
  settleFlushed(): void {
    this.wal.settleFlushed();
  }

  /** Waits for the commits made so far to be flushed, then stops the flush thread. */
  close(): Promise<void> {
    return this.wal.close();
  }

  private flush(): void {
    this.scheduled = false;
    this.wal.settleFlushed();
    if (this.queue.length === 0) return; // committed early by commitQueued
    if (this.holds > 0) return; // the release schedules the next flush
    const batch = this.queue.splice(0, this.maxBatch);
    if (this.queue.length > 0) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    const outcomes: Outcome[] = [];
    // Only this transaction skips the commit-time flush; every other write of the connection keeps FULL.
    this.syncNormal.run();
    try {
      this.applyBatch.immediate(batch, outcomes);
    } catch (error) {
      for (const op of batch) op.reject(error);
      return;
    } finally {
      this.syncFull.run();
    }
    countCommitBatch(batch.length);
    const flushStarted = metricsOn() ? performance.now() : 0;
    this.wal.sync().then(
      () => batch.forEach((op, i) => {
        if (i === 0 && flushStarted > 0) observeWalFlush((performance.now() - flushStarted) / 1000);
        const o = outcomes[i];
        if (o?.ok) op.resolve(o.value);
        else op.reject(o?.error);
      }),
      // The commit is not known to be durable: nobody may be told it succeeded.
      (error: unknown) => { for (const op of batch) op.reject(error); },
    );
  }
}
