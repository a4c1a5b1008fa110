/**
 * The body of the WAL flush thread (started by wal-flusher.ts): flushes the -wal file whenever the
 * event loop has asked for more than it last flushed, and sleeps on the shared counter otherwise.
 * It never returns to its own event loop; the event loop side learns of each flush from FLUSHED.
 */
import { fdatasyncSync, openSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { FAILED, FLUSHED, REQUESTED } from './wal-flusher.js';

export interface WalFlushThreadData {
  walPath: string;
  control: SharedArrayBuffer;
}

const { walPath, control: buffer } = workerData as WalFlushThreadData;
const control = new BigInt64Array(buffer);
// Read-only is enough for fdatasync; the file exists as long as the store's connection is open.
const fd = openSync(walPath, 'r');
let flushed = Atomics.load(control, FLUSHED);

for (;;) {
  const requested = Atomics.load(control, REQUESTED);
  if (requested === flushed) {
    Atomics.wait(control, REQUESTED, flushed); // returns at once if REQUESTED moved meanwhile
    continue;
  }
  try {
    fdatasyncSync(fd);
  } catch (err) {
    // Published before FLUSHED, so whoever sees this generation flushed also sees that it failed.
    Atomics.store(control, FAILED, 1n);
    parentPort?.postMessage(`flushing ${walPath} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  flushed = requested;
  Atomics.store(control, FLUSHED, flushed);
  Atomics.notify(control, FLUSHED);
}
