/**
 * Where image bytes live: `<account_prefix><owner project>/<container>/<image id>` on Swiftlet's
 * object API. Writes and owner reads carry the user's token (X-Auth-Token) *and* the image service's
 * token (X-Service-Token); reads of images shared with other projects use the read-only credential
 * (a `<PREFIX>_reader_roles` role, docs/auth-rules.md D6), never a write-capable one.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { rawRequest, SwiftClient, SwiftClientError } from '../client/swift-client.js';
import type { ServiceCredential } from './identity.js';

export interface StoreOptions {
  swiftUrl: string;
  accountPrefix: string;
  container: string;
  /** Container for the segments of large images, in the same account. */
  segmentContainer: string;
  /** Bytes per segment (capped at the object size limit). */
  segmentSize: number;
  /** The manifest written over the segments: static (?multipart-manifest=put) or dynamic (X-Object-Manifest); default: static when /info lists `slo`. */
  manifest?: 'dlo' | 'slo';
}

export interface ObjectListing {
  name: string;
  bytes: number;
  hash: string;
}

/** What an upload left in the store. */
export interface Stored {
  /** The ETag Swiftlet gave the image object (a plain object's MD5; for a manifest, the large object's ETag). */
  etag: string;
  /** 0 for one plain object, else the number of segments behind the manifest. */
  segments: number;
  /** Total bytes stored. */
  bytes: number;
  /** Size of every segment but the last (0 when not segmented). */
  segmentBytes: number;
}

/** One object being written: a PUT fed through a PassThrough, with the MD5 of what went in. */
class ObjectWriter {
  readonly pass = new PassThrough();
  readonly md5 = createHash('md5');
  bytes = 0;
  readonly done: Promise<string>;

  constructor(put: (body: Readable) => Promise<string>) {
    this.done = put(this.pass);
    // A refused PUT must not leave the writer waiting for 'drain' forever.
    this.done.catch(() => this.pass.destroy());
  }

  async write(chunk: Buffer): Promise<void> {
    this.bytes += chunk.length;
    this.md5.update(chunk);
    if (!this.pass.write(chunk)) {
      await Promise.race([once(this.pass, 'drain'), this.done.then(() => { throw new Error('the object store ended the upload early'); })]);
    }
  }

  /** Ends the body and checks Swiftlet's ETag against the MD5 of what was sent. */
  async finish(): Promise<string> {
    this.pass.end();
    const etag = await this.done;
    const md5 = this.md5.digest('hex');
    if (etag !== md5) throw new StoreMismatch(`the object store stored MD5 ${etag}, ${md5} was sent`);
    return etag;
  }
}

/** The store kept something other than what was sent (checksum or size). */
export class StoreMismatch extends Error {}

const segmentName = (id: string, n: number) => `${id}/${String(n).padStart(8, '0')}`;

export class ImageStore {
  private maxSize?: number;
  private manifestKind: 'dlo' | 'slo' = 'dlo';

  constructor(readonly options: StoreOptions, private readonly service: ServiceCredential, private readonly reader: ServiceCredential) {}

  /** Swiftlet answered 401: the service token is not reused. */
  serviceRefused(): void {
    this.service.invalidate();
  }

  account(owner: string): string {
    return `${this.options.accountPrefix}${owner}`;
  }

  private client(owner: string, token: string, serviceToken?: string): SwiftClient {
    return new SwiftClient({ storageUrl: `${this.options.swiftUrl}/v1/${encodeURIComponent(this.account(owner))}`, token }, serviceToken);
  }

  /** The largest object Swiftlet accepts (`/info` → swift.max_file_size), fetched once. */
  async maxObjectSize(): Promise<number> {
    if (this.maxSize !== undefined) return this.maxSize;
    const res = await rawRequest('GET', `${this.options.swiftUrl}/info`, {});
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const info = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { swift?: { max_file_size?: number }; slo?: unknown };
    const max = info.swift?.max_file_size;
    if (typeof max !== 'number') throw new Error('Swiftlet /info has no swift.max_file_size');
    // Static large objects when the object API offers them, else a dynamic manifest.
    this.manifestKind = this.options.manifest ?? (info.slo !== undefined ? 'slo' : 'dlo');
    this.maxSize = max;
    return max;
  }

  /** Bytes per segment: the configured size, never above the object size limit. */
  async segmentBytes(): Promise<number> {
    return Math.min(this.options.segmentSize, await this.maxObjectSize());
  }

  /**
   * Streams `body` into the owner's service account with composite tokens. Up to one segment's worth
   * it is one object, `<container>/<id>`; beyond that the bytes go to `<segment container>/<id>/00000001…`
   * and `<container>/<id>` becomes a dynamic large object manifest (X-Object-Manifest) over them.
   * With an unknown length the first segment's worth is written as the plain object; only when more
   * follows is it copied (server-side) to the first segment. Every segment's ETag is checked against
   * the MD5 of what was sent, and the manifest's length and ETag against the segments.
   */
  async put(owner: string, userToken: string, id: string, body: AsyncIterable<Buffer>, length?: number): Promise<Stored> {
    const c = this.client(owner, userToken, await this.service.get());
    const segmentSize = await this.segmentBytes();
    const { container, segmentContainer } = this.options;
    await c.putContainer(container);
    const putTo = (cont: string, name: string, len?: number) => async (stream: Readable): Promise<string> => {
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
      if (len !== undefined) headers['content-length'] = String(len);
      const r = await c.putObject(cont, name, stream, headers);
      return (r.headers['etag'] ?? '').replace(/"/g, '');
    };
    // Before the first segment is written: the segment container exists, and leftovers of an earlier,
    // failed attempt are gone (they must not become part of this image).
    const prepareSegments = async () => {
      await c.putContainer(segmentContainer);
      await this.removeSegments(c, id);
    };
    if (length !== undefined && length > segmentSize) await prepareSegments();
    const sizeOf = (n: number) => (length === undefined ? undefined : Math.min(segmentSize, length - (n - 1) * segmentSize));
    // The first writer: the plain object, or segment 1 when the length says it will be segmented.
    let n = 1;
    let writer = length !== undefined && length > segmentSize
      ? new ObjectWriter(putTo(segmentContainer, segmentName(id, 1), sizeOf(1)))
      : new ObjectWriter(putTo(container, id, length));
    let plain = !(length !== undefined && length > segmentSize);
    const etags: string[] = [];
    let total = 0;
    try {
      for await (const raw of body) {
        let chunk = raw;
        while (chunk.length > 0) {
          if (writer.bytes === segmentSize) {
            etags.push(await writer.finish());
            if (plain) {
              // More than one segment's worth of an unknown length: the plain object becomes segment 1.
              await prepareSegments();
              const copied = await c.call('PUT', `${encodeURIComponent(segmentContainer)}/${segmentName(id, 1).split('/').map(encodeURIComponent).join('/')}`, {
                headers: { 'x-copy-from': `/${encodeURIComponent(container)}/${encodeURIComponent(id)}` },
              });
              const copiedEtag = (copied.headers['etag'] ?? '').replace(/"/g, '');
              if (copiedEtag !== etags[0]) throw new StoreMismatch(`segment 1 was copied as ${copiedEtag}, ${etags[0] ?? '?'} was written`);
              plain = false;
            }
            n += 1;
            writer = new ObjectWriter(putTo(segmentContainer, segmentName(id, n), sizeOf(n)));
          }
          const room = segmentSize - writer.bytes;
          const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
          chunk = chunk.length > room ? chunk.subarray(room) : Buffer.alloc(0);
          total += piece.length;
          await writer.write(piece);
        }
      }
      etags.push(await writer.finish());
    } catch (err) {
      writer.pass.destroy();
      await writer.done.catch(() => undefined);
      throw err;
    }
    if (length !== undefined && total !== length) throw new StoreMismatch(`${total} bytes arrived, ${length} were announced`);
    if (plain) return { etag: etags[0] ?? '', segments: 0, bytes: total, segmentBytes: 0 };
    if (this.manifestKind === 'slo') {
      // A static large object manifest listing every segment with its ETag and size.
      const manifest = etags.map((etag, i) => ({
        path: `/${segmentContainer}/${segmentName(id, i + 1)}`, etag,
        size_bytes: i < etags.length - 1 ? segmentSize : total - segmentSize * (etags.length - 1),
      }));
      await c.call('PUT', `${encodeURIComponent(container)}/${encodeURIComponent(id)}`, {
        query: { 'multipart-manifest': 'put' }, body: JSON.stringify(manifest), headers: { 'content-type': 'application/octet-stream' },
      });
    } else {
      // A dynamic large object manifest: a zero-byte object naming the segments' prefix.
      await c.putObject(container, id, '', {
        'content-type': 'application/octet-stream',
        'x-object-manifest': `${encodeURIComponent(segmentContainer)}/${encodeURIComponent(id)}/`,
      });
    }
    const head = await c.call('HEAD', `${encodeURIComponent(container)}/${encodeURIComponent(id)}`);
    const expected = createHash('md5').update(etags.join('')).digest('hex');
    const etag = (head.headers['etag'] ?? '').replace(/"/g, '');
    if (Number(head.headers['content-length']) !== total || etag !== expected) {
      throw new StoreMismatch(`the large object reads as ${head.headers['content-length'] ?? '?'} bytes, ETag ${etag}; ${total} bytes, ETag ${expected} were stored`);
    }
    return { etag, segments: etags.length, bytes: total, segmentBytes: segmentSize };
  }

  /** Deletes every segment under `<id>/` in the segment container (composite tokens); none is fine. */
  private async removeSegments(c: SwiftClient, id: string): Promise<void> {
    for (;;) {
      let page;
      try {
        page = await c.listObjects(this.options.segmentContainer, { prefix: `${id}/`, limit: '1000' });
      } catch (err) {
        if (err instanceof SwiftClientError && err.status === 404) return;
        throw err;
      }
      const names = page.filter((o): o is ObjectListing => 'name' in o).map((o) => o.name);
      if (names.length === 0) return;
      for (const name of names) {
        await c.call('DELETE', `${encodeURIComponent(this.options.segmentContainer)}/${name.split('/').map(encodeURIComponent).join('/')}`, {
          accept: (s) => (s >= 200 && s < 300) || s === 404,
        });
      }
    }
  }

  /** Opens the bytes for reading: composite tokens for the owner, the reader credential for everyone else. */
  async open(owner: string, id: string, asOwner: { userToken: string } | undefined, range?: string, segment?: number): Promise<{ status: number; headers: Record<string, string>; body: IncomingMessage }> {
    const c = asOwner
      ? this.client(owner, asOwner.userToken, await this.service.get())
      : this.client(owner, await this.reader.get());
    const path = segment === undefined
      ? `${encodeURIComponent(this.options.container)}/${encodeURIComponent(id)}`
      : `${encodeURIComponent(this.options.segmentContainer)}/${segmentName(id, segment).split('/').map(encodeURIComponent).join('/')}`;
    return c.request('GET', path, {
      headers: range ? { range } : {},
      accept: (s) => s === 200 || s === 206 || s === 416,
    });
  }

  /** Deletes the bytes with composite tokens: the object (or manifest) and any segments; missing ones are fine. */
  async remove(owner: string, userToken: string, id: string): Promise<void> {
    const c = this.client(owner, userToken, await this.service.get());
    await c.call('DELETE', `${encodeURIComponent(this.options.container)}/${encodeURIComponent(id)}`, { accept: (s) => (s >= 200 && s < 300) || s === 404 });
    await this.removeSegments(c, id);
  }

  /** Full listing of the owner's image container (or segment container) with the reader credential; [] when it does not exist. */
  async list(owner: string, which: 'images' | 'segments' = 'images'): Promise<ObjectListing[]> {
    const c = this.client(owner, await this.reader.get());
    const container = which === 'images' ? this.options.container : this.options.segmentContainer;
    const out: ObjectListing[] = [];
    let marker = '';
    for (;;) {
      let page: ({ name: string; bytes: number; hash: string } | { subdir: string })[];
      try {
        page = await c.listObjects(container, marker ? { marker, limit: '10000' } : { limit: '10000' });
      } catch (err) {
        if (err instanceof SwiftClientError && err.status === 404) return out;
        throw err;
      }
      const objects = page.filter((o): o is ObjectListing => 'name' in o);
      if (objects.length === 0) return out;
      out.push(...objects);
      marker = objects[objects.length - 1]?.name ?? '';
    }
  }
}
