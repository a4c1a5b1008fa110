/**
 * Bytes [start, end] of an S3 object as a stream: one ranged GET, its body passed through as it
 * arrives (never buffered whole). Destroying the stream cancels the request and frees its
 * connection. Failures of the service surface as BackendUnavailableError on the stream.
 */
import { PassThrough, Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isNotFound, unavailable } from './errors.js';

export function rangeStream(client: S3Client, bucket: string, key: string, start: number, end: number): Readable {
  if (end < start) return Readable.from([]);
  const out = new PassThrough({ highWaterMark: 256 * 1024 });
  const cancel = new AbortController();
  let body: Readable | undefined;
  out.once('close', () => {
    // The consumer went away early: no request or body may outlive the stream. (After a complete
    // body there is nothing to cancel, and the connection goes back to the pool for reuse.)
    if (out.readableEnded) return;
    cancel.abort();
    body?.destroy();
  });
  client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end}` }), { abortSignal: cancel.signal })
    .then((res) => {
      if (!(res.Body instanceof Readable)) throw new Error('GET answered without a body stream');
      body = res.Body;
      if (out.destroyed) { body.destroy(); return; }
      const expected = end - start + 1;
      if (res.ContentLength !== expected) {
        body.destroy();
        throw new Error(`ranged GET of ${key} answered ${res.ContentLength} bytes, not ${expected}`);
      }
      body.on('error', (err) => out.destroy(unavailable(err, `GET ${key}`)));
      body.pipe(out);
    })
    .catch((err: unknown) => {
      if (out.destroyed) return;
      // The blob went away under an open reader: only another node's delete can do that (this
      // process defers deletes of blobs it is reading; see blob-store.ts).
      out.destroy(isNotFound(err) ? new Error(`blob ${key} was deleted while being read`) : unavailable(err, `GET ${key}`));
    });
  return out;
}
