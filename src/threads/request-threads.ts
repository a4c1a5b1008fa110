/**
 * Requests answered by worker threads: up to `count` OnDemandThreads running one script, each
 * request tagged with an id its reply echoes. A request goes to the thread with the fewest in flight
 * (the first one when all are idle); since a thread starts at its first request, a second thread
 * starts only when the first is busy. A thread that dies fails the requests it held, and the next
 * request sent to it starts it again. The listing and password threads are this.
 */
import type { WorkerOptions } from 'node:worker_threads';
import { OnDemandThread } from './on-demand-thread.js';

/** What a thread answers: its result, or why it could not. */
export type ThreadAnswer = { id: number } & ({ ok: true } | { ok: false; message: string });

interface Pending<Result> {
  resolve: (result: Result) => void;
  reject: (err: Error) => void;
}

interface Slot<Request, Reply, Result> {
  thread: OnDemandThread<Request & { id: number }, Reply>;
  pending: Map<number, Pending<Result>>;
}

export class RequestThreads<Request extends object, Reply extends ThreadAnswer, Result> {
  private readonly slots: Slot<Request, Reply, Result>[];
  private nextId = 1;

  /**
   * `what` names the work in errors ("listing failed: …"); `result` turns a successful reply into
   * what the caller gets.
   */
  constructor(
    what: string, url: URL, count: number,
    result: (reply: Extract<Reply, { ok: true }>) => Result,
    options: WorkerOptions = {},
  ) {
    this.slots = Array.from({ length: Math.max(1, count) }, () => {
      const pending = new Map<number, Pending<Result>>();
      const thread: OnDemandThread<Request & { id: number }, Reply> = new OnDemandThread(`${what} thread`, url, {
        message: (reply) => {
          const p = pending.get(reply.id);
          if (!p) return;
          pending.delete(reply.id);
          thread.release();
          if (reply.ok) p.resolve(result(reply as Extract<Reply, { ok: true }>));
          else p.reject(new Error(`${what} failed: ${reply.message}`));
        },
        lost: (err) => failAll(pending, err),
      }, options);
      return { thread, pending };
    });
  }

  request(request: Request): Promise<Result> {
    let least = this.slots[0] as Slot<Request, Reply, Result>;
    for (const s of this.slots) if (s.pending.size < least.pending.size) least = s;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      least.pending.set(id, { resolve, reject });
      least.thread.hold();
      least.thread.post({ ...request, id });
    });
  }

  /** Fails what is in flight with `reason`, then stops the threads. */
  async close(reason: Error): Promise<void> {
    for (const s of this.slots) failAll(s.pending, reason);
    await Promise.all(this.slots.map((s) => s.thread.terminate()));
  }
}

function failAll<Result>(pending: Map<number, Pending<Result>>, err: Error): void {
  for (const p of pending.values()) p.reject(err);
  pending.clear();
}
