/**
 * Durability for commits made with `synchronous = NORMAL`: SQLite then writes the WAL without
 * flushing it, and this class flushes it (fdatasync of the -wal file) on libuv's thread pool, so the
 * event loop keeps serving while the disk works. One flush covers every commit written before it
 * started, across all processes sharing the file: a caller that arrives while a flush is running
 * waits for the next one, which is shared by everyone who arrived meanwhile.
 *
 * Why this is as durable as `synchronous = FULL`: FULL differs from NORMAL in WAL mode only by
 * syncing the WAL at each commit; a commit's frames are valid after a crash once they and every frame
 * before them are on stable storage, which is what a later fdatasync of the whole file guarantees.
 * Checkpoints still sync the WAL before and the database after copying, so a WAL that is reset
 * never held the only copy of a commit.
 */
import { fdatasync, open } from 'node:fs';
import { promisify } from 'node:util';

const openAsync = promisify(open);
const fdatasyncAsync = promisify(fdatasync);

export class WalSync {
  private fd?: Promise<number>;
  private running?: Promise<void>;
  private queued?: Promise<void>;

  constructor(private readonly walPath: string) {}

  /** Resolves once every WAL frame this process wrote before the call is on stable storage. */
  sync(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.running) return this.start();
    // The running flush may have started before our frames were written: ride on the next one.
    const after = this.running.catch(() => undefined).then(() => {
      this.queued = undefined;
      return this.start();
    });
    this.queued = after;
    return after;
  }

  private start(): Promise<void> {
    const flush = this.flushOnce().finally(() => {
      if (this.running === flush) this.running = undefined;
    });
    this.running = flush;
    return flush;
  }

  private async flushOnce(): Promise<void> {
    // The WAL file lives as long as any connection is open (ours is), so one descriptor serves for good.
    this.fd ??= openAsync(this.walPath, 'r');
    await fdatasyncAsync(await this.fd);
  }
}
