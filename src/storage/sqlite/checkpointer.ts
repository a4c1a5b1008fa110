/**
 * WAL checkpoints for the metadata database, run on a thread of their own (checkpoint-thread.ts).
 *
 * Why not on the event loop: under a stream of small writes a checkpoint copies thousands of pages
 * and flushes the database file, 50-80 ms each second on the reference VM, during which no request
 * was served. On the thread the copy runs on another core and requests go on committing meanwhile
 * (a PASSIVE checkpoint takes no lock that writers wait for).
 */
import { OnDemandThread } from '../../threads/on-demand-thread.js';
import type { CheckpointReply, CheckpointThreadData } from './checkpoint-thread.js';

export interface CheckpointResult {
  /** Frames in the WAL when the checkpoint ran, and how many of them are now in the database. */
  walFrames: number;
  checkpointedFrames: number;
}

interface Pending {
  resolve: (result: CheckpointResult) => void;
  reject: (err: Error) => void;
}

export class WalCheckpointer {
  private readonly thread: OnDemandThread<null, CheckpointReply>;
  private running?: { promise: Promise<CheckpointResult>; settle: Pending };

  constructor(file: string) {
    const workerData: CheckpointThreadData = { file };
    this.thread = new OnDemandThread('checkpoint thread', new URL('./checkpoint-thread.js', import.meta.url), {
      message: (reply) => this.finish(reply.ok ? { ok: true, result: reply } : { ok: false, error: checkpointError(reply.message, reply.code) }),
      lost: (err) => this.finish({ ok: false, error: err }),
    }, { workerData });
  }

  /** Runs one checkpoint; a call while one is running shares it rather than queueing another. */
  checkpoint(): Promise<CheckpointResult> {
    if (this.running) return this.running.promise;
    let settle!: Pending;
    const promise = new Promise<CheckpointResult>((resolve, reject) => { settle = { resolve, reject }; });
    this.running = { promise, settle };
    this.thread.hold();
    this.thread.post(null);
    return promise;
  }

  async close(): Promise<void> {
    this.finish({ ok: false, error: new Error('checkpointer closed') });
    await this.thread.terminate();
  }

  private finish(outcome: { ok: true; result: CheckpointResult } | { ok: false; error: Error }): void {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    this.thread.release();
    if (outcome.ok) running.settle.resolve({ walFrames: outcome.result.walFrames, checkpointedFrames: outcome.result.checkpointedFrames });
    else running.settle.reject(outcome.error);
  }
}

/** The thread's failure with SQLite's code kept (SQLITE_FULL: the database file could not grow; retried later). */
function checkpointError(message: string, code: string | undefined): Error {
  const err = new Error(`checkpoint failed: ${message}`) as Error & { code?: string };
  if (code !== undefined) err.code = code;
  return err;
}
