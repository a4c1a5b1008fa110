/**
 * Where access log lines go: standard output or a file, written in batches off the event loop.
 *
 * Lines queue in memory; one write at a time goes to libuv's thread pool (fs.write), carrying every
 * line queued since the previous one, and a write starts at most FLUSH_DELAY_MS after the first
 * line it carries was queued, so a write covers many requests and the event loop never waits for
 * the disk. (Writing as soon as the previous write ended made one write per request or two under a
 * small-object load: 4 % of the server's CPU in fs.write's own overhead, measured.) A file is opened with O_APPEND: each write lands whole at the end
 * of the file, so several worker processes appending to the same file never overwrite or split
 * each other's lines. Standard output may be a pipe shared by the workers, where only writes of at
 * most PIPE_BUF (4096) bytes are atomic: batches to it are cut at line ends below that size.
 *
 * `reopen()` (SIGHUP, after logrotate renamed the file) closes the file once the write in flight is
 * done and opens the path again, so lines go to the new file from then on and none is lost.
 * Lines still queued when the process exits are written synchronously on 'exit'.
 */
import { closeSync, openSync, write, writeSync, constants } from 'node:fs';

/** Past this much queued (a disk that stopped), lines are dropped and counted rather than filling memory. */
const MAX_QUEUED_BYTES = 64 * 1024 * 1024;
/** How long a line may wait for the lines after it: one write per interval under load. */
const FLUSH_DELAY_MS = 50;
/** Queued past this, the next write starts without waiting for the delay. */
const WRITE_AT_ONCE_BYTES = 256 * 1024;
/** At most this much per write to a file. */
const MAX_FILE_WRITE = 1024 * 1024;
/** Writes to a pipe above this size may interleave with other processes' writes (POSIX PIPE_BUF). */
const PIPE_BUF = 4096;

export class LogSink {
  private fd: number;
  private queue: string[] = [];
  private queuedBytes = 0;
  private writing = false;
  private reopenWanted = false;
  private dropped = 0;
  private closed = false;
  /** The write waiting for FLUSH_DELAY_MS to pass. */
  private timer: NodeJS.Timeout | undefined;

  /** `path` undefined: standard output. */
  constructor(private readonly path: string | undefined) {
    this.fd = path === undefined ? 1 : LogSink.open(path);
    process.on('exit', () => this.flushSync());
  }

  private static open(path: string): number {
    return openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o640);
  }

  /** Queues one line (without its newline). */
  line(text: string): void {
    if (this.closed) return;
    if (this.queuedBytes > MAX_QUEUED_BYTES) {
      if (this.dropped++ === 0) console.error('access log: the log cannot keep up (disk stalled?); lines are dropped until it does');
      return;
    }
    this.queue.push(`${text}\n`);
    this.queuedBytes += text.length + 1;
    this.schedule();
  }

  /** A write in FLUSH_DELAY_MS, unless one is in flight (it schedules the next when it ends) or due. */
  private schedule(): void {
    if (this.writing || this.timer !== undefined || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.writeNext();
    }, FLUSH_DELAY_MS);
    // Lines still queued at exit are written by flushSync.
    this.timer.unref();
  }

  /** After the file was renamed (logrotate): continue in a new file at the configured path. */
  reopen(): void {
    if (this.path === undefined) return;
    this.reopenWanted = true;
    if (this.writing) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.writeNext();
  }

  private takeBatch(): Buffer {
    const limit = this.path === undefined ? PIPE_BUF : MAX_FILE_WRITE;
    let size = 0;
    let n = 0;
    while (n < this.queue.length) {
      const next = Buffer.byteLength(this.queue[n] ?? '');
      if (n > 0 && size + next > limit) break;
      size += next;
      n++;
    }
    const lines = this.queue.splice(0, n);
    const text = lines.join('');
    this.queuedBytes -= text.length;
    return Buffer.from(text, 'utf8');
  }

  private writeNext(): void {
    if (this.reopenWanted && this.path !== undefined) {
      this.reopenWanted = false;
      try {
        const fresh = LogSink.open(this.path);
        closeSync(this.fd);
        this.fd = fresh;
      } catch (err) {
        console.error(`access log: cannot reopen ${this.path}, still writing to the old file:`, (err as Error).message);
      }
    }
    if (this.queue.length === 0) {
      this.writing = false;
      return;
    }
    this.writing = true;
    this.writeAll(this.takeBatch(), 0);
  }

  private writeAll(buf: Buffer, offset: number): void {
    write(this.fd, buf, offset, buf.length - offset, null, (err, written) => {
      if (err) {
        // The batch is lost (a full disk); later lines are tried again.
        if (this.dropped++ === 0) console.error('access log: write failed, lines are lost:', err.message);
        this.afterWrite();
        return;
      }
      if (offset + written < buf.length) this.writeAll(buf, offset + written);
      else {
        if (this.dropped > 0) {
          console.error(`access log: writing again (${this.dropped} lines lost)`);
          this.dropped = 0;
        }
        this.afterWrite();
      }
    });
  }

  /** The next write: at once for a reopen or a full batch, else after the delay (more lines join it). */
  private afterWrite(): void {
    this.writing = false;
    if (this.reopenWanted || this.queuedBytes >= WRITE_AT_ONCE_BYTES) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.writeNext();
    } else this.schedule();
  }

  /** Writes what is still queued, synchronously (process exit). */
  flushSync(): void {
    if (this.closed) return;
    this.closed = true;
    const text = this.queue.join('');
    this.queue = [];
    if (text === '') return;
    try {
      writeSync(this.fd, text);
    } catch {
      // Exiting: nowhere left to report it.
    }
  }
}
