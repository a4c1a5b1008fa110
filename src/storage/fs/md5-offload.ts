/**
 * MD5 of large uploads computed on a thread beside the event loop. Hashing runs at ~700 MiB/s on
 * one core here, so a 300 MB/s upload spends nearly half of the event loop's time in it; on the MD5
 * thread that time runs on another core while the event loop reads the socket and writes the file.
 *
 * Bytes are copied into 1 MiB batches whose buffers are transferred (not copied) to the thread and
 * come back with its acknowledgement for reuse. An upload with more than MAX_IN_FLIGHT bytes not yet
 * hashed waits (backpressure), so memory stays flat however fast the socket is. If the thread dies,
 * every upload using it fails (its digest rejects): no object is stored with an unknown ETag.
 */
import { createHash } from 'node:crypto';
import { OnDemandThread } from '../../threads/on-demand-thread.js';
import type { Md5Reply, Md5Request } from './md5-thread.js';

/** An MD5 being computed: `update` returns a promise when the caller should wait before sending more. */
export interface StreamingMd5 {
  update(chunk: Buffer): Promise<void> | undefined;
  digest(): Promise<string>;
  /** Forgets the hash of an upload that failed. */
  abandon(): void;
}

/** Below this many bytes the thread is not worth its messages: hashed on the event loop. */
export const OFFLOAD_MIN_BYTES = 4 * 1024 * 1024;
const BATCH_BYTES = 1024 * 1024;
const MAX_IN_FLIGHT = 4 * BATCH_BYTES;
/** Batch buffers kept for reuse (a new 1 MiB buffer costs page faults; a kept one costs memory). */
const SPARE_BATCHES = 4;

export function md5OnEventLoop(): StreamingMd5 {
  const hash = createHash('md5');
  return {
    update(chunk) { hash.update(chunk); return undefined; },
    async digest() { return hash.digest('hex'); },
    abandon() {},
  };
}

interface Upload {
  inFlight: number;
  /** Settles when inFlight falls back under the limit (or the thread is lost). */
  drained?: { resolve: () => void; reject: (err: Error) => void };
  digested?: { resolve: (hex: string) => void; reject: (err: Error) => void };
}

class Md5Thread {
  private readonly uploads = new Map<number, Upload>();
  private readonly spare: Uint8Array[] = [];
  private nextId = 1;
  private readonly thread = new OnDemandThread<Md5Request, Md5Reply>('MD5 thread', new URL('./md5-thread.js', import.meta.url), {
    message: (m) => this.receive(m),
    lost: (err) => this.failAll(err),
  });

  start(): StreamingMd5 {
    const id = this.nextId++;
    const upload: Upload = { inFlight: 0 };
    this.uploads.set(id, upload);
    this.thread.hold();
    let batch = this.buffer();
    let used = 0;
    const send = (m: Md5Request, transfer: ArrayBuffer[] = []) => {
      // Gone from the map: the thread holding this upload's MD5 state was lost.
      if (!this.uploads.has(id)) throw new Error('the MD5 thread was lost');
      this.thread.post(m, transfer);
    };
    const flush = () => {
      upload.inFlight += batch.byteLength;
      send({ op: 'update', id, bytes: batch, length: used }, [batch.buffer as ArrayBuffer]);
      batch = this.buffer();
      used = 0;
    };
    return {
      update: (chunk) => {
        for (let at = 0; at < chunk.length;) {
          const n = Math.min(chunk.length - at, batch.byteLength - used);
          batch.set(chunk.subarray(at, at + n), used);
          used += n;
          at += n;
          if (used === batch.byteLength) flush();
        }
        if (upload.inFlight <= MAX_IN_FLIGHT) return undefined;
        return new Promise<void>((resolve, reject) => { upload.drained = { resolve, reject }; });
      },
      digest: () => new Promise<string>((resolve, reject) => {
        upload.digested = { resolve, reject };
        try {
          if (used > 0) flush();
          send({ op: 'digest', id });
        } catch (err) {
          this.finish(id);
          reject(err as Error);
        }
      }),
      abandon: () => {
        if (!this.uploads.has(id)) return;
        this.finish(id);
        this.thread.post({ op: 'drop', id });
      },
    };
  }

  private buffer(): Uint8Array {
    return this.spare.pop() ?? new Uint8Array(BATCH_BYTES);
  }

  private finish(id: number): void {
    if (this.uploads.delete(id)) this.thread.release();
  }

  private receive(m: Md5Reply): void {
    const upload = this.uploads.get(m.id);
    if (m.op === 'ack') {
      if (this.spare.length < SPARE_BATCHES) this.spare.push(m.bytes);
      if (!upload) return;
      upload.inFlight -= m.bytes.byteLength;
      if (upload.drained && upload.inFlight <= MAX_IN_FLIGHT) {
        const { resolve } = upload.drained;
        upload.drained = undefined;
        resolve();
      }
    } else if (upload) {
      this.finish(m.id);
      upload.digested?.resolve(m.hex);
    }
  }

  /** Fails every upload the thread was hashing; the next upload starts a new thread. */
  private failAll(err: Error): void {
    for (const upload of this.uploads.values()) {
      upload.drained?.reject(err);
      upload.digested?.reject(err);
    }
    this.uploads.clear();
  }
}

let shared: Md5Thread | undefined;

/** An MD5 computed on the process's MD5 thread (started at first use, idle threads do not keep the process alive). */
export function md5OnThread(): StreamingMd5 {
  shared ??= new Md5Thread();
  return shared.start();
}
