/**
 * The body of a listing thread (started by listing-threads.ts): renders container listings from a
 * read-only connection of its own, one request at a time, and hands each body back as bytes it
 * transfers (not copies) to the event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { ListingRequest } from '../object-listings.js';
import { ListingQueries } from './listing-queries.js';

export interface ThreadRequest extends ListingRequest { id: number }
export type ThreadReply =
  | { id: number; ok: true; body: Uint8Array; empty: boolean }
  | { id: number; ok: false; message: string };
export interface ThreadData { file: string }

const port = parentPort;
if (!port) throw new Error('listing-thread.js runs only as a worker thread');
const { file } = workerData as ThreadData;
const db = new Database(file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 10000');
const queries = new ListingQueries(db);
const begin = db.prepare('BEGIN');
const commit = db.prepare('COMMIT');

let queue: Promise<void> = Promise.resolve();
port.on('message', (req: ThreadRequest) => {
  queue = queue.then(() => answer(req));
});

async function answer(req: ThreadRequest): Promise<void> {
  let reply: ThreadReply;
  let transfer: ArrayBuffer[] = [];
  try {
    // One snapshot for every page of the listing (a delimiter listing may read several).
    begin.run();
    let rendered;
    try {
      rendered = await queries.renderObjects(req);
    } finally {
      commit.run();
    }
    const body = ownBytes(rendered.body);
    reply = { id: req.id, ok: true, body, empty: rendered.empty };
    transfer = [body.buffer as ArrayBuffer];
  } catch (err) {
    reply = { id: req.id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  port?.postMessage(reply, transfer);
}

/** The body's UTF-8 bytes in an ArrayBuffer of their own, which can be transferred. */
function ownBytes(body: string | Buffer): Uint8Array {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  if (bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength) return bytes;
  // A small Buffer is a view into a slab shared with others: transferring it would take theirs too.
  const own = Buffer.allocUnsafeSlow(bytes.byteLength);
  bytes.copy(own);
  return own;
}
