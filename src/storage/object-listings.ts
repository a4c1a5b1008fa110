/**
 * Container listings rendered as Swift writes them. A page holds up to 10 000 entries, tens of
 * milliseconds of work: a backend that can read from another thread renders them there (see
 * sqlite/listing-threads.ts), so one big listing does not hold up every other request; the default
 * renders on the event loop.
 */
import type { ListOptions, MetadataStore } from './contracts.js';
import { renderObjectListing, type ListingFormat, type RenderedListing } from '../swift/listing-format.js';

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

/** Lists through the metadata store and renders on the calling thread. */
export function listingsOnEventLoop(meta: MetadataStore): ObjectListings {
  return {
    async render({ account, container, options, format }) {
      return renderObjectListing(format, container, await meta.listObjects(account, container, options));
    },
    async close() {},
  };
}
