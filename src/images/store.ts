/**
 * Where image bytes live: `<account_prefix><owner project>/<container>/<image id>` on Swiftlet's
 * object API. Writes and owner reads carry the user's token (X-Auth-Token) *and* the image service's
 * token (X-Service-Token); reads of images shared with other projects use the read-only credential
 * (a `<PREFIX>_reader_roles` role, spec D6), never a write-capable one.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { rawRequest, SwiftClient, SwiftClientError } from '../client/swift-client.js';
import type { ServiceCredential } from './identity.js';

export interface StoreOptions {
  swiftUrl: string;
  accountPrefix: string;
  container: string;
}

export interface ObjectListing {
  name: string;
  bytes: number;
  hash: string;
}

export class ImageStore {
  private maxSize?: number;

  constructor(readonly options: StoreOptions, private readonly service: ServiceCredential, private readonly reader: ServiceCredential) {}

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
    const info = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { swift?: { max_file_size?: number } };
    const max = info.swift?.max_file_size;
    if (typeof max !== 'number') throw new Error('Swiftlet /info has no swift.max_file_size');
    this.maxSize = max;
    return max;
  }

  /** Streams `body` into the owner's service account with composite tokens; returns Swift's ETag. */
  async put(owner: string, userToken: string, id: string, body: Readable, length?: number): Promise<string> {
    const c = this.client(owner, userToken, await this.service.get());
    await c.putContainer(this.options.container);
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (length !== undefined) headers['content-length'] = String(length);
    const r = await c.putObject(this.options.container, id, body, headers);
    return (r.headers['etag'] ?? '').replace(/"/g, '');
  }

  /** Opens the bytes for reading: composite tokens for the owner, the reader credential for everyone else. */
  async open(owner: string, id: string, asOwner: { userToken: string } | undefined, range?: string): Promise<{ status: number; headers: Record<string, string>; body: IncomingMessage }> {
    const c = asOwner
      ? this.client(owner, asOwner.userToken, await this.service.get())
      : this.client(owner, await this.reader.get());
    return c.request('GET', `${encodeURIComponent(this.options.container)}/${encodeURIComponent(id)}`, {
      headers: range ? { range } : {},
      accept: (s) => s === 200 || s === 206 || s === 416,
    });
  }

  /** Deletes the bytes with composite tokens; a missing object is fine. */
  async remove(owner: string, userToken: string, id: string): Promise<void> {
    const c = this.client(owner, userToken, await this.service.get());
    await c.call('DELETE', `${encodeURIComponent(this.options.container)}/${encodeURIComponent(id)}`, { accept: (s) => (s >= 200 && s < 300) || s === 404 });
  }

  /** Full listing of the owner's image container with the reader credential; [] when it does not exist. */
  async list(owner: string): Promise<ObjectListing[]> {
    const c = this.client(owner, await this.reader.get());
    const out: ObjectListing[] = [];
    let marker = '';
    for (;;) {
      let page: ({ name: string; bytes: number; hash: string } | { subdir: string })[];
      try {
        page = await c.listObjects(this.options.container, marker ? { marker, limit: '10000' } : { limit: '10000' });
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
