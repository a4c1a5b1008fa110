/**
 * Container listings rendered as Swift writes them. A page holds up to 10 000 entries, tens of
 * milliseconds of work: a backend that can read from another thread renders them there (see
 * sqlite/listing-threads.ts), so one big listing does not hold up every other request; the default
 * renders on the event loop.
 */
import type { ListOptions } from './contracts.js';
import type { ListingFormat, RenderedListing } from '../swift/listing-format.js';

export interface ListingRequest {
  account: string;
  container: string;
  options: ListOptions;
  format: ListingFormat;
}

export interface ObjectListings {
  render(request: ListingRequest): Promise<RenderedListing>;
  close(): Promise<void>;
}

/** Renders on the calling thread, with the metadata store's own renderer. */
export function listingsOnEventLoop(render: (request: ListingRequest) => Promise<RenderedListing>): ObjectListings {
  return {
    render,
    async close() {},
  };
}
