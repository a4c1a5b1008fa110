/**
 * A whole-object GET body that verifies the bytes it sends against the record's MD5 etag (Swift's
 * object server checks the same on a full read). Every byte but the object's last goes out as it is
 * read; the last waits for the verdict. On a mismatch, or when the blob ends short, the stream fails
 * instead: the edge then cuts the connection, so the client sees a short body, never wrong bytes
 * delivered as complete, and `onDamaged` is told (to quarantine the object).
 *
 * Large objects are hashed on the MD5 thread (md5-offload.ts), beside the event loop that sends them.
 * Once a GET has proven an etag's bytes, later GETs of it compare a CRC-32 of what they send with the
 * proven bytes' (md5-check.ts), far cheaper than the MD5 and with the same verdict on damage.
 */
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { md5OnEventLoop, md5OnThread, OFFLOAD_MIN_BYTES } from '../fs/md5-offload.js';
import { integrityCounters } from './counters.js';
import { DamagedObjectError, provenCrcOf, rememberProven } from './md5-check.js';

/** `onDamaged` settles before the body fails (a quarantine done by then is seen by the client's retry). */
export function verifiedBody(source: Readable, size: number, md5: string, onDamaged: (detail: string) => Promise<void>): Readable {
  // Bytes already proven against this etag: a CRC-32 on the event loop tells whether these are they.
  const proven = provenCrcOf(md5);
  const hash = proven !== undefined ? undefined : size >= OFFLOAD_MIN_BYTES ? md5OnThread() : md5OnEventLoop();
  let crc = 0;
  let seen = 0;
  let held: Buffer | undefined;
  let verdict = false;
  const fail = (detail: string, done: TransformCallback) => {
    integrityCounters.getsDamaged++;
    void onDamaged(detail).finally(() => done(new DamagedObjectError(detail)));
  };
  const verify = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      seen += chunk.length;
      if (seen > size) return fail(`more than the recorded ${size} bytes`, done);
      crc = crc32(chunk, crc);
      let wait: Promise<void> | undefined;
      try {
        wait = hash?.update(chunk);
      } catch (err) {
        return done(err as Error);
      }
      let out = chunk;
      if (seen === size) {
        held = chunk.subarray(chunk.length - 1);
        out = chunk.subarray(0, chunk.length - 1);
      }
      if (wait) wait.then(() => done(null, out), done);
      else done(null, out);
    },
    flush(done: TransformCallback) {
      (hash ? hash.digest() : Promise.resolve(undefined)).then((hex) => {
        verdict = true;
        if (seen < size) return fail(`the blob ends after ${seen} of ${size} bytes`, done);
        if (hex === undefined ? crc !== proven : hex !== md5) {
          return fail(hex === undefined ? `the bytes read are not those proven to have MD5 ${md5} (CRC-32)` : `MD5 ${hex} of the bytes read is not the etag ${md5}`, done);
        }
        if (hex !== undefined) rememberProven(md5, crc);
        integrityCounters.getsVerified++;
        done(null, held);
      }, done);
    },
  });
  // A body cut short (client gone, read error) leaves the MD5 thread's state for this read to forget.
  verify.once('close', () => { if (!verdict) hash?.abandon(); });
  return pipeline(source, verify, () => undefined);
}
