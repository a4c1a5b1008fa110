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
import type { RenderedListing } from '../../swift/listing-format.js';
import type { ListingRequest, ObjectListings } from '../object-listings.js';
import { OnDemandThread } from '../../threads/on-demand-thread.js';
import type { ThreadData, ThreadReply, ThreadRequest } from './listing-thread.js';

interface Pending {
  resolve: (listing: RenderedListing) => void;
  reject: (err: Error) => void;
}

class ListingThread {
  private readonly pending = new Map<number, Pending>();
  private readonly thread: OnDemandThread<ThreadRequest, ThreadReply>;

  constructor(file: string) {
    const workerData: ThreadData = { file };
    this.thread = new OnDemandThread('listing thread', new URL('./listing-thread.js', import.meta.url), {
      message: (reply) => this.settle(reply),
      lost: (err) => this.failAll(err),
    }, { workerData });
  }

  get load(): number {
    return this.pending.size;
  }

  render(request: ThreadRequest): Promise<RenderedListing> {
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      this.thread.hold();
      this.thread.post(request);
    });
  }

  async close(): Promise<void> {
    this.failAll(new Error('listings closed'));
    await this.thread.terminate();
  }

  private settle(reply: ThreadReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    this.thread.release();
    if (reply.ok) p.resolve({ body: Buffer.from(reply.body.buffer, reply.body.byteOffset, reply.body.byteLength), empty: reply.empty });
    else p.reject(new Error(`listing failed: ${reply.message}`));
  }

  /** Fails every listing the thread held; the next listing starts a new one. */
  private failAll(err: Error): void {
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
