/**
 * Benchmark workloads over the Swift v1 API, runnable against any Swift endpoint. Each workload
 * runs `concurrency` loops until the deadline and records the latency of every operation; any
 * non-2xx answer fails the run loudly.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { SwiftClient } from '../src/client/swift-client.js';
import { describeMixed, describeReadAfterWrite, runMixed, runReadAfterWrite, type MixedOptions } from './mixed.js';

export interface WorkloadOptions {
  client: SwiftClient;
  /** For `composite`: the client carrying a service token, aimed at the SERVICE_ account. */
  serviceClient?: SwiftClient;
  concurrency: number;
  durationSeconds: number;
  size: number;
  log: (line: string) => void;
  /** The server's CPU time so far (ms), when the bench can see its processes. */
  serverCpuMs?: () => number;
  /** Told of the measured phase (for a progress bar). */
  meter?: PhaseMeter;
}

/** The measured phase of a workload: its start with its planned length, each operation, its end. */
export interface PhaseMeter {
  start(seconds: number): void;
  op(): void;
  end(): void;
}

export interface WorkloadResult {
  workload: string;
  ops: number;
  seconds: number;
  bytes: number;
  latenciesMs: number[];
  errors: number;
  note?: string;
  /** Workloads that mix reads and writes: their reads' rates as fractions of an idle rate measured in the same run. */
  readFractions?: Record<string, number>;
  /** More lines to print (per operation type, per time slice). */
  detail?: string[];
}

export const WORKLOADS = ['put-small', 'get-small', 'head', 'delete', 'put-large', 'get-large', 'list', 'list-delimiter', 'composite', 'composite-baseline', 'mixed', 'read-after-write'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

const runId = () => `bench-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

async function timed(deadline: number, concurrency: number, op: (worker: number, i: number) => Promise<number>, meter?: PhaseMeter): Promise<{ ops: number; bytes: number; latenciesMs: number[]; seconds: number }> {
  const latenciesMs: number[] = [];
  let bytes = 0;
  meter?.start((deadline - Date.now()) / 1000);
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    for (let i = 0; Date.now() < deadline; i++) {
      const t0 = process.hrtime.bigint();
      const n = await op(w, i);
      if (n < 0) return; // the workload ran out of work
      latenciesMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      bytes += n;
      meter?.op();
    }
  }));
  meter?.end();
  return { ops: latenciesMs.length, bytes, latenciesMs, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

async function consume(body: Readable): Promise<number> {
  let n = 0;
  for await (const chunk of body) n += (chunk as Buffer).length;
  return n;
}

/** A body of `size` bytes generated in 1 MiB chunks, never held whole in memory. */
function streamOf(size: number, chunk: Buffer): Readable {
  let left = size;
  return new Readable({
    read() {
      if (left <= 0) { this.push(null); return; }
      const n = Math.min(left, chunk.length);
      left -= n;
      this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  });
}

/**
 * PUTs `obj-0000000`, `obj-0000001`… and returns their names: `count` of them, or with `forSeconds`,
 * as many as the endpoint stores in that time (at least `count`, at most `maximum`).
 */
async function prefill(client: SwiftClient, container: string, count: number, body: Buffer, concurrency: number,
  more?: { forSeconds: number; maximum: number }): Promise<string[]> {
  const until = more ? Date.now() + more.forSeconds * 1000 : 0;
  const wanted = (n: number) => n < count || (more !== undefined && n < more.maximum && Date.now() < until);
  const names: string[] = [];
  await Promise.all(Array.from({ length: Math.min(concurrency, 32) }, async () => {
    while (wanted(names.length)) {
      const name = `obj-${String(names.length).padStart(7, '0')}`;
      names.push(name);
      await client.putObject(container, name, body);
    }
  }));
  return names;
}

export async function runWorkload(name: WorkloadName, o: WorkloadOptions): Promise<WorkloadResult> {
  const container = runId();
  const { client, concurrency } = o;
  const small = randomBytes(o.size);
  const deadline = () => Date.now() + o.durationSeconds * 1000;
  const result = (r: { ops: number; bytes: number; latenciesMs: number[]; seconds: number }, note?: string): WorkloadResult =>
    ({ workload: name, errors: 0, ...r, ...(note ? { note } : {}) });
  await client.putContainer(container);
  switch (name) {
    case 'put-small':
      return result(await timed(deadline(), concurrency, async (w, i) => {
        await client.putObject(container, `w${w}-${i}`, small);
        return small.length;
      }, o.meter));
    case 'get-small':
    case 'head': {
      const names = await prefill(client, container, Math.max(concurrency * 4, 200), small, concurrency);
      return result(await timed(deadline(), concurrency, async (w, i) => {
        const object = names[(w * 7919 + i) % names.length] ?? '';
        if (name === 'head') {
          await client.headObject(container, object);
          return 0;
        }
        return consume((await client.getObject(container, object)).body);
      }, o.meter));
    }
    case 'delete': {
      // Enough objects to go on deleting for the whole run: a fast endpoint deletes thousands per
      // second, so it gets as many as it stores in twice the run's time (a slow one gets the minimum).
      const minimum = Math.max(2000, concurrency * 200);
      const forSeconds = 2 * o.durationSeconds;
      o.log(`  prefilling at least ${minimum} objects to delete (more for up to ${forSeconds} s)`);
      const names = await prefill(client, container, minimum, small, concurrency, { forSeconds, maximum: 250_000 });
      o.log(`  prefilled ${names.length}`);
      let next = 0;
      return result(await timed(deadline(), concurrency, async () => {
        const object = names[next++];
        if (object === undefined) return -1;
        await client.deleteObject(container, object);
        return 0;
      }, o.meter), next >= names.length ? 'ran out of prefilled objects before the deadline' : undefined);
    }
    case 'put-large': {
      const chunk = randomBytes(1024 * 1024);
      return result(await timed(deadline(), concurrency, async (w, i) => {
        await client.putObject(container, `large-${w}-${i}`, streamOf(o.size, chunk), { 'content-length': String(o.size) });
        return o.size;
      }, o.meter));
    }
    case 'get-large': {
      const chunk = randomBytes(1024 * 1024);
      await client.putObject(container, 'large', streamOf(o.size, chunk), { 'content-length': String(o.size) });
      return result(await timed(deadline(), concurrency, async () => consume((await client.getObject(container, 'large')).body), o.meter));
    }
    case 'list':
    case 'list-delimiter': {
      const count = 10_000;
      o.log(`  prefilling ${count} objects to list`);
      await prefill(client, container, count, Buffer.alloc(0), concurrency);
      const query: Record<string, string> = name === 'list' ? { format: 'json', limit: '10000' } : { format: 'json', prefix: 'obj-000', delimiter: '5' };
      return result(await timed(deadline(), concurrency, async () => {
        const r = await client.call('GET', container, { query });
        return Buffer.byteLength(r.text);
      }, o.meter));
    }
    case 'composite':
    case 'composite-baseline': {
      // The same small GET, with user + service token on SERVICE_ (composite) or user token on AUTH_.
      const target = name === 'composite' ? o.serviceClient : client;
      if (!target) throw new Error('composite needs --service-user/--service-key (or --service-token)');
      await target.putContainer(container);
      const names = await prefill(target, container, Math.max(concurrency * 4, 200), small, concurrency);
      return result(await timed(deadline(), concurrency, async (w, i) =>
        consume((await target.getObject(container, names[(w * 7919 + i) % names.length] ?? '')).body), o.meter));
    }
    case 'mixed': {
      const { detail, ...r } = await runMixed({ ...mixedOptions(o, container, small) });
      return {
        ...result(r), detail: describeMixed(detail),
        readFractions: { 'get-rate': detail.getRateFraction, 'get-per-client': detail.getPerClientFraction },
      };
    }
    case 'read-after-write': {
      const { detail, ...r } = await runReadAfterWrite(mixedOptions(o, container, small));
      return {
        ...result(r), detail: describeReadAfterWrite(detail),
        readFractions: { 'first-second': detail.firstSecondFraction, 'worst-slice': detail.worstSliceFraction },
      };
    }
  }
}

function mixedOptions(o: WorkloadOptions, container: string, body: Buffer): MixedOptions {
  return {
    client: o.client, container, concurrency: o.concurrency, durationSeconds: o.durationSeconds, body, log: o.log,
    ...(o.serverCpuMs ? { serverCpuMs: o.serverCpuMs } : {}),
    ...(o.meter ? { meter: o.meter } : {}),
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
