/**
 * The load `npm run soak` keeps up: loops that each pick their next request at random from a mix of
 * small and 256 KiB objects (GET, HEAD, PUT, DELETE), container listings, account and container
 * HEADs and now and then a static large object (two 1 MiB segments and a manifest: PUT, GET, DELETE
 * with its segments). Every answer is checked (status, and the length of every body read); a
 * failure is counted by kind and the loop goes on, so that a soak reports how often, not just
 * whether, something went wrong.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { SwiftClientError, type SwiftClient } from '../src/client/swift-client.js';

const SMALL = 4096;
const MEDIUM = 256 * 1024;
const SEGMENT = 1024 * 1024;
/** Objects kept per kind: beyond this a loop deletes rather than writes, so the data set stays bounded. */
const KEEP = { small: 2000, medium: 100 };

/**
 * Objects a loop may read or delete. A loop reading an object marks it, and a DELETE takes only an
 * unmarked one (out of the set before its request goes out), so no GET asks for an object being
 * deleted and every answer must be 2xx.
 */
class ObjectSet {
  private readonly names: string[] = [];
  private readonly reading = new Map<string, number>();
  get size(): number { return this.names.length; }
  add(name: string): void { this.names.push(name); }
  /** A random object, marked as being read until `done`. */
  borrow(): string | undefined {
    const name = this.names[Math.floor(Math.random() * this.names.length)];
    if (name !== undefined) this.reading.set(name, (this.reading.get(name) ?? 0) + 1);
    return name;
  }
  done(name: string): void {
    const n = (this.reading.get(name) ?? 1) - 1;
    if (n > 0) this.reading.set(name, n); else this.reading.delete(name);
  }
  /** The oldest object no loop is reading, taken out of the set. */
  take(): string | undefined {
    const i = this.names.findIndex((n) => !this.reading.has(n));
    return i < 0 ? undefined : this.names.splice(i, 1)[0];
  }
  all(): string[] { return [...this.names]; }
}

export interface SoakCounters {
  requests: number;
  /** `GET 503`, `ECONNRESET`, `short body`… → how many. */
  errors: Map<string, number>;
  /** The first few error messages, for the report. */
  samples: string[];
}

async function drain(body: Readable): Promise<number> {
  let n = 0;
  for await (const chunk of body) n += (chunk as Buffer).length;
  return n;
}

function kindOf(err: unknown): string {
  if (err instanceof SwiftClientError) return `${err.method} ${err.status}`;
  if (err instanceof Error) return (err as NodeJS.ErrnoException).code ?? err.message.slice(0, 60);
  return String(err);
}

export class SoakLoad {
  readonly counters: SoakCounters = { requests: 0, errors: new Map(), samples: [] };
  private readonly small = new ObjectSet();
  private readonly medium = new ObjectSet();
  private readonly smallBody = randomBytes(SMALL);
  private readonly mediumBody = randomBytes(MEDIUM);
  private readonly segmentBody = randomBytes(SEGMENT);
  private seq = 0;

  constructor(private readonly client: SwiftClient, readonly container: string) {}

  async setUp(): Promise<void> {
    await this.client.putContainer(this.container);
    await this.client.putContainer(`${this.container}-segments`);
  }

  /** Runs `concurrency` loops until `stop()` says so. */
  async run(concurrency: number, stop: () => boolean): Promise<void> {
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (!stop()) {
        try {
          await this.step();
        } catch (err) {
          const kind = kindOf(err);
          this.counters.errors.set(kind, (this.counters.errors.get(kind) ?? 0) + 1);
          if (this.counters.samples.length < 5) this.counters.samples.push(err instanceof Error ? err.message : String(err));
        }
      }
    }));
  }

  /** Deletes what the load left behind (for an endpoint that outlives the soak). */
  async cleanUp(): Promise<void> {
    for (const name of [...this.small.all(), ...this.medium.all()]) {
      await this.client.deleteObject(this.container, name).catch(() => undefined);
    }
    await this.client.call('DELETE', this.container, { accept: () => true }).catch(() => undefined);
    await this.client.call('DELETE', `${this.container}-segments`, { accept: () => true }).catch(() => undefined);
  }

  private count(): void { this.counters.requests++; }

  private async step(): Promise<void> {
    const dice = Math.random() * 100;
    if (dice < 35) return this.get(this.small, SMALL);
    if (dice < 45) return this.head();
    if (dice < 60) return this.small.size >= KEEP.small ? this.delete(this.small) : this.put(this.small, 'small', this.smallBody);
    if (dice < 68) return this.delete(this.small);
    if (dice < 74) return this.medium.size >= KEEP.medium ? this.delete(this.medium) : this.put(this.medium, 'medium', this.mediumBody);
    if (dice < 82) return this.get(this.medium, MEDIUM);
    if (dice < 85) return this.delete(this.medium);
    if (dice < 93) return this.list();
    if (dice < 98) return this.heads();
    return this.slo();
  }

  private async put(set: ObjectSet, kind: string, body: Buffer): Promise<void> {
    const name = `${kind}/${(this.seq++).toString(36).padStart(7, '0')}`;
    this.count();
    await this.client.putObject(this.container, name, body);
    set.add(name);
  }

  private async get(set: ObjectSet, size: number): Promise<void> {
    const name = set.borrow();
    if (name === undefined) return this.put(set, size === SMALL ? 'small' : 'medium', size === SMALL ? this.smallBody : this.mediumBody);
    try {
      this.count();
      const got = await drain((await this.client.getObject(this.container, name)).body);
      if (got !== size) throw new Error(`short body: GET ${name} gave ${got} of ${size} bytes`);
    } finally {
      set.done(name);
    }
  }

  private async head(): Promise<void> {
    const name = this.small.borrow();
    if (name === undefined) return;
    try {
      this.count();
      await this.client.headObject(this.container, name);
    } finally {
      this.small.done(name);
    }
  }

  private async delete(set: ObjectSet): Promise<void> {
    const name = set.take();
    if (name === undefined) return;
    this.count();
    await this.client.deleteObject(this.container, name);
  }

  private async list(): Promise<void> {
    this.count();
    const prefix = Math.random() < 0.5 ? 'small/' : 'medium/';
    await this.client.listObjects(this.container, { prefix, limit: '1000' });
  }

  private async heads(): Promise<void> {
    this.count();
    await this.client.call('HEAD', '');
    this.count();
    await this.client.call('HEAD', this.container);
  }

  /** A static large object's whole life: two segments, the manifest, a GET of it, a DELETE with its segments. */
  private async slo(): Promise<void> {
    const id = (this.seq++).toString(36);
    const segments = `${this.container}-segments`;
    const manifest: { path: string; size_bytes: number }[] = [];
    for (const part of ['0', '1']) {
      this.count();
      await this.client.putObject(segments, `${id}/${part}`, this.segmentBody);
      manifest.push({ path: `/${segments}/${id}/${part}`, size_bytes: SEGMENT });
    }
    this.count();
    await this.client.call('PUT', `${this.container}/slo-${id}`, { query: { 'multipart-manifest': 'put' }, body: JSON.stringify(manifest) });
    this.count();
    const got = await drain((await this.client.getObject(this.container, `slo-${id}`)).body);
    if (got !== 2 * SEGMENT) throw new Error(`short body: GET slo-${id} gave ${got} of ${2 * SEGMENT} bytes`);
    this.count();
    await this.client.call('DELETE', `${this.container}/slo-${id}`, { query: { 'multipart-manifest': 'delete' } });
  }
}
