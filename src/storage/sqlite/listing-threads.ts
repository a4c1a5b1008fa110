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
import { RequestThreads } from '../../threads/request-threads.js';
import type { ThreadData, ThreadReply } from './listing-thread.js';

export class SqliteListingThreads implements ObjectListings {
  private readonly threads: RequestThreads<ListingRequest, ThreadReply, RenderedListing>;

  /** `file`: the metadata database; `count`: threads, each started at its first listing. */
  constructor(file: string, count: number) {
    const workerData: ThreadData = { file };
    this.threads = new RequestThreads<ListingRequest, ThreadReply, RenderedListing>('listing', new URL('./listing-thread.js', import.meta.url), count,
      (reply) => ({ body: Buffer.from(reply.body.buffer, reply.body.byteOffset, reply.body.byteLength), empty: reply.empty }),
      { workerData });
  }

  render(request: ListingRequest): Promise<RenderedListing> {
    return this.threads.request(request);
  }

  close(): Promise<void> {
    return this.threads.close(new Error('listings closed'));
  }
}
