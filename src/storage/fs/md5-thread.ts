/**
 * The body of the MD5 thread (started by md5-offload.ts): keeps one MD5 state per upload, feeds
 * it the bytes it is sent in order, acknowledges each batch by sending its buffer back for reuse,
 * and answers a digest request with the hex digest.
 */
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

export type Md5Request =
  | { op: 'update'; id: number; bytes: Uint8Array; length: number }
  | { op: 'digest'; id: number }
  | { op: 'drop'; id: number };
export type Md5Reply =
  | { op: 'ack'; id: number; bytes: Uint8Array }
  | { op: 'digest'; id: number; hex: string };

const port = parentPort;
if (!port) throw new Error('md5-thread.js runs only as a worker thread');
const hashes = new Map<number, Hash>();

port.on('message', (m: Md5Request) => {
  if (m.op === 'update') {
    let hash = hashes.get(m.id);
    if (!hash) hashes.set(m.id, hash = createHash('md5'));
    hash.update(m.bytes.subarray(0, m.length));
    const reply: Md5Reply = { op: 'ack', id: m.id, bytes: m.bytes };
    port.postMessage(reply, [m.bytes.buffer as ArrayBuffer]);
  } else if (m.op === 'digest') {
    const hash = hashes.get(m.id) ?? createHash('md5');
    hashes.delete(m.id);
    const reply: Md5Reply = { op: 'digest', id: m.id, hex: hash.digest('hex') };
    port.postMessage(reply);
  } else {
    hashes.delete(m.id);
  }
});
