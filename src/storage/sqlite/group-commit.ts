/**
 * Group commit: object writes that arrive in the same turn of the event loop are applied in one
 * IMMEDIATE transaction, so one WAL fsync makes all of them durable (synchronous = FULL) instead of
 * one fsync each. Every write runs in its own savepoint, so one failing write does not undo the
 * others; each caller's promise settles only after the shared commit, so a 2xx still means durable.
 */
import type { Db } from './database.js';

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(private readonly db: Db, private readonly maxBatch = 256) {}

  submit<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: write, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue.splice(0, this.maxBatch);
    if (this.queue.length > 0) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.db.transaction(() => {
        for (const op of batch) {
          try {
            outcomes.push({ ok: true, value: this.db.transaction(op.run)() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      }).immediate();
    } catch (error) {
      for (const op of batch) op.reject(error);
      return;
    }
    batch.forEach((op, i) => {
      const o = outcomes[i];
      if (o?.ok) op.resolve(o.value);
      else op.reject(o?.error);
    });
  }
}
