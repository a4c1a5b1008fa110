/**
 * The body of a password thread (started by passwords.ts): derives scrypt keys, one at a time.
 *
 * scrypt's working memory (16 MiB at N = 16384, r = 8) comes from the allocator of the thread that
 * runs it, and glibc keeps a thread's freed memory for that thread. Run on libuv's pool, every pool
 * thread that ever hashed a password kept 16-32 MiB resident: 8 concurrent logins took an idle
 * server from 98 to 231 MB for good (`npm start` runs 32 pool threads). Here only the password
 * threads keep it, and scrypt's ~50 ms of CPU no longer holds a pool thread that file I/O waits for.
 */
import { scryptSync } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

export interface DeriveRequest { id: number; password: string; salt: Uint8Array; N: number; r: number; p: number; keyLength: number }
export type DeriveReply = { id: number; ok: true; key: Uint8Array } | { id: number; ok: false; message: string };

/** Above what N = 16384, r = 8 needs (16 MiB), below what a hostile stored hash could make it take. */
const MAX_MEMORY = 64 * 1024 * 1024;

const port = parentPort;
if (!port) throw new Error('password-thread.js runs only as a worker thread');
port.on('message', (req: DeriveRequest) => {
  let reply: DeriveReply;
  try {
    const key = scryptSync(req.password, req.salt, req.keyLength, { N: req.N, r: req.r, p: req.p, maxmem: MAX_MEMORY });
    reply = { id: req.id, ok: true, key };
  } catch (err) {
    reply = { id: req.id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
