/**
 * Container listings rendered on worker threads, each reading the metadata database through a
 * read-only connection of its own (listing-thread.ts). A 10 000-entry page takes tens of
 * milliseconds to read and write out; on the event loop that time would hold up every other request,
 * and on a thread it runs on another core.
 *
 * Consistency is the event loop's own: a thread's connection reads the last committed state, so a
 * listing asked for after a write was acknowledged shows it, and each listing reads one snapshot.
 * A thread that dies fails the listings it held (500) and is started again for the next one.
 */
import { Worker } from 'node:worker_threads';
import type { RenderedListing } from '../../swift/listing-format.js';
import type { ListingRequest, ObjectListings } from '../object-listings.js';
import type { ThreadData, ThreadReply, ThreadRequest } from './listing-thread.js';

interface Pending {
  resolve: (listing: RenderedListing) => void;
  reject: (err: Error) => void;
}

class ListingThread {
  private worker?: Worker;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly file: string) {}

  get load(): number {
    return this.pending.size;
  }

  render(request: ThreadRequest): Promise<RenderedListing> {
    return new Promise((resolve, reject) => {
      const worker = this.started();
      this.pending.set(request.id, { resolve, reject });
      // Only a thread with listings in flight keeps the process alive.
      if (this.pending.size === 1) worker.ref();
      worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    for (const p of this.pending.values()) p.reject(new Error('listings closed'));
    this.pending.clear();
    if (worker) await worker.terminate();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const data: ThreadData = { file: this.file };
    const worker = new Worker(new URL('./listing-thread.js', import.meta.url), { workerData: data });
    worker.unref();
    worker.on('message', (reply: ThreadReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.ok) p.resolve({ body: Buffer.from(reply.body.buffer, reply.body.byteOffset, reply.body.byteLength), empty: reply.empty });
      else p.reject(new Error(`listing failed: ${reply.message}`));
    });
    worker.on('error', (err) => this.lost(worker, err));
    worker.on('exit', (code) => this.lost(worker, new Error(`listing thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  /** Fails every listing the thread held; the next listing starts a new one. */
  private lost(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

export class SqliteListingThreads implements ObjectListings {
  private readonly threads: ListingThread[];
  private nextId = 1;

  /** `file`: the metadata database; `count`: threads, each started at its first listing. */
  constructor(file: string, count: number) {
    this.threads = Array.from({ length: Math.max(1, count) }, () => new ListingThread(file));
  }

  render(request: ListingRequest): Promise<RenderedListing> {
    let least = this.threads[0] as ListingThread;
    for (const t of this.threads) if (t.load < least.load) least = t;
    return least.render({ ...request, id: this.nextId++ });
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()));
  }
}
