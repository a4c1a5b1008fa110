/**
 * The body of the checkpoint thread (started by checkpointer.ts): moves committed WAL frames into
 * the database file through a connection of its own, so that the copy and its two flushes (WAL
 * before, database after) run beside the event loop instead of inside it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export type CheckpointReply =
  | { ok: true; walFrames: number; checkpointedFrames: number }
  | { ok: false; message: string; code?: string };
export interface CheckpointThreadData { file: string }

const port = parentPort;
if (!port) throw new Error('checkpoint-thread.js runs only as a worker thread');
const { file } = workerData as CheckpointThreadData;
const db = new Database(file, { fileMustExist: true });
db.pragma('busy_timeout = 10000');
// A checkpoint syncs the WAL before copying and the database after under FULL and NORMAL alike;
// FULL says so without relying on the build's default.
db.pragma('synchronous = FULL');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

port.on('message', () => {
  let reply: CheckpointReply;
  try {
    // PASSIVE: copies what no reader still needs, never waits for readers or writers.
    const row = checkpoint.get() as { busy: number; log: number; checkpointed: number };
    reply = { ok: true, walFrames: row.log, checkpointedFrames: row.checkpointed };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    reply = { ok: false, message: err instanceof Error ? err.message : String(err), ...(typeof code === 'string' ? { code } : {}) };
  }
  port.postMessage(reply);
});
