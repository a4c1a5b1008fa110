/// <reference lib="es2024.sharedmemory" />
/**
 * Durability for commits made with `synchronous = NORMAL`: SQLite then writes the WAL without
 * flushing it, and this class flushes it (fdatasync of the -wal file) on a thread of its own
 * (wal-flush-thread.ts), so the event loop keeps serving while the disk works. A flush covers every
 * commit written before it started, across all processes sharing the file.
 *
 * Why this is as durable as `synchronous = FULL`: FULL differs from NORMAL in WAL mode only by
 * syncing the WAL at each commit; a commit's frames are valid after a crash once they and every frame
 * before them are on stable storage, which is what a later fdatasync of the whole file guarantees.
 * Checkpoints still sync the WAL before and the database after copying, so a WAL that is reset
 * never held the only copy of a commit.
 *
 * Why a thread of its own and not libuv's pool: handing each flush to the pool cost the event loop
 * a queue lock and a wake-up of a sleeping pool thread per commit, and each completion another
 * wake-up; on the reference VM (where waking a thread is dear) that was a tenth of the event loop's
 * time under small deletes. Here the two sides share counters in a SharedArrayBuffer: the event loop
 * raises REQUESTED after each commit, the thread flushes, publishes FLUSHED, and loops at once while
 * more was requested meanwhile; it sleeps only when there is nothing to flush. One flush runs at a
 * time and covers every commit written before it began, so under load flushes group themselves, and
 * each one is fast (this disk: ~0.45 ms at depth 1, ~1 ms at depth 3-8). The event loop hears of a
 * finished flush from `Atomics.waitAsync`, which is delivered only when it next polls for I/O, and
 * sooner from `settleFlushed`, which the store calls as requests go by (see there).
 *
 * A failed flush stops the flusher for good: every waiting and later caller is refused. After
 * fdatasync reports an error, Linux may have dropped the dirty pages and a later fdatasync can
 * succeed without them on disk ("fsyncgate"), so no later success would prove anything. Writes then
 * fail (5xx) until the process restarts and SQLite recovers the WAL; reads go on.
 */
import { OnDemandThread } from '../../threads/on-demand-thread.js';
import type { WalFlushThreadData } from './wal-flush-thread.js';

/** Slots of the shared control array (BigInt64, so the generations never wrap). */
export const REQUESTED = 0;
export const FLUSHED = 1;
export const FAILED = 2;
const CONTROL_SLOTS = 3;

interface Waiter {
  generation: bigint;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class WalFlusher {
  private readonly control = new BigInt64Array(new SharedArrayBuffer(CONTROL_SLOTS * BigInt64Array.BYTES_PER_ELEMENT));
  /** Started by the first caller; each waiting caller holds it (and so the process) until settled. */
  private readonly thread: OnDemandThread<never, string>;
  private requested = 0n;
  /** Callers in generation order; each is settled once FLUSHED reaches its generation. */
  private waiters: Waiter[] = [];
  private watching = false;
  private failure?: Error;

  constructor(private readonly walPath: string) {
    const workerData: WalFlushThreadData = { walPath, control: this.control.buffer as SharedArrayBuffer };
    this.thread = new OnDemandThread('WAL flush thread', new URL('./wal-flush-thread.js', import.meta.url), {
      message: (report) => console.error(report), // why a flush failed; FAILED already says that it did
      // Nobody waiting can be told their commit is durable; the next call starts a new thread.
      lost: (err) => { for (const w of this.waiters.splice(0)) w.reject(err); },
    }, { workerData });
  }

  /** Resolves once every WAL frame this process wrote before the call is on stable storage. */
  sync(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.thread.hold(); // starts the thread if need be, before it is asked for anything
    const generation = ++this.requested;
    Atomics.store(this.control, REQUESTED, generation);
    Atomics.notify(this.control, REQUESTED);
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ generation, resolve, reject });
      if (!this.watching) this.settle();
    });
  }

  /** Waits for the flushes callers are waiting on, then stops the thread. */
  async close(): Promise<void> {
    // A flush asked for now covers every commit of the callers still waiting.
    if (this.waiters.length > 0) await this.sync().catch(() => undefined);
    await this.thread.terminate();
  }

  /**
   * Settles, without waiting, the callers whose commits are already flushed: one atomic load when
   * none is. The notification below reaches the event loop only when it next polls for I/O, which
   * under load is a whole turn later (~0.3 ms on the reference VM, half of a flush); the store
   * calls this at points every request passes, so a finished flush is answered in the same turn.
   */
  settleFlushed(): void {
    if (this.waiters.length > 0) this.settleUpTo(Atomics.load(this.control, FLUSHED));
  }

  /** Settles the callers whose generation is at most `flushed` (all of them, rejected, once a flush failed). */
  private settleUpTo(flushed: bigint): void {
    if (Atomics.load(this.control, FAILED) !== 0n) this.failure ??= new Error(`flushing ${this.walPath} failed: writes are refused until restart`);
    let ready = 0;
    while (ready < this.waiters.length && (this.failure || (this.waiters[ready]?.generation ?? 0n) <= flushed)) ready++;
    for (const w of this.waiters.splice(0, ready)) {
      this.thread.release();
      if (this.failure) w.reject(this.failure);
      else w.resolve();
    }
  }

  /**
   * Settles the callers whose generation is flushed, then, if any remain, waits for FLUSHED to move
   * (one wait at a time, however often settleFlushed runs meanwhile).
   *
   * The wait is armed on the very reading the callers were judged by. Reading FLUSHED again for the
   * wait would lose a flush that finished between the two readings: the wait would then be for a
   * change that has already happened, and the callers it covers would hang until some later write
   * moved FLUSHED again (seen as a writer process that never exited, test/storage-conformance).
   */
  private readonly settle = (): void => {
    this.watching = false;
    const flushed = Atomics.load(this.control, FLUSHED);
    this.settleUpTo(flushed);
    if (this.waiters.length === 0) return;
    this.watching = true;
    const wait = Atomics.waitAsync(this.control, FLUSHED, flushed);
    if (wait.async) void wait.value.then(this.settle);
    else queueMicrotask(this.settle);
  };
}
