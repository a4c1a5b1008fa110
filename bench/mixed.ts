/**
 * Workloads that mix reads with writes, to see whether writes (and the work a store does after
 * them: WAL flushes, checkpoints, listing upkeep) slow reads down. Both measure an idle GET rate
 * first, in the same run and on the same objects, and report reads against it, since only ratios
 * measured in one run mean anything on a shared machine.
 *
 * - `mixed`: `concurrency` loops, each picking its next operation at random: 70% GET of one of the
 *   pre-populated objects, 20% PUT of a new object, 10% DELETE of an object an earlier PUT of this
 *   run wrote (GETs never ask for an object a DELETE may be removing, so every answer must be 2xx).
 * - `read-after-write`: a burst of PUTs for the run's duration, then GETs at once, counted in
 *   250 ms slices until the rate is back to the idle one (or a cap).
 */
import type { Readable } from 'node:stream';
import type { SwiftClient } from '../src/client/swift-client.js';

export const SLICE_MS = 250;

export interface OpStats {
  ops: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

export interface MixedDetail {
  idleGet: OpStats;
  get: OpStats;
  put: OpStats;
  delete: OpStats;
  /** GET rate during the mix ÷ 0.7 × idle GET rate: what share of its idle throughput reading kept. */
  getRateFraction: number;
  /** Idle mean GET latency ÷ mixed mean GET latency: the GET rate per client busy reading, against idle. */
  getPerClientFraction: number;
}

export interface ReadAfterWriteDetail {
  idleGet: OpStats;
  burstPuts: OpStats;
  /** GET/s in each 250 ms slice after the burst. */
  slices: number[];
  /** GETs in the first second after the burst ÷ idle rate; the worst slice ÷ idle rate. */
  firstSecondFraction: number;
  worstSliceFraction: number;
  /** Seconds after the burst until four slices in a row ran at ≥ 90% of the idle rate (undefined: never within the cap). */
  recoveredAfterSeconds?: number;
  afterGet: OpStats;
}

interface Recorder {
  latencies: number[];
  seconds: number;
}

function stats(r: Recorder): OpStats {
  const sorted = [...r.latencies].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    ops: sorted.length, opsPerSecond: r.seconds > 0 ? sorted.length / r.seconds : 0,
    p50Ms: at(50), p99Ms: at(99), meanMs: sorted.length ? sum / sorted.length : 0,
  };
}

export function formatStats(label: string, s: OpStats): string {
  return `${label.padEnd(22)} ${s.opsPerSecond.toFixed(1).padStart(9)} ops/s  p50 ${s.p50Ms.toFixed(2)} ms  p99 ${s.p99Ms.toFixed(2)} ms  (${s.ops} ops)`;
}

async function consume(body: Readable): Promise<number> {
  let n = 0;
  for await (const chunk of body) n += (chunk as Buffer).length;
  return n;
}

const elapsedMs = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

export interface MixedOptions {
  client: SwiftClient;
  container: string;
  concurrency: number;
  durationSeconds: number;
  body: Buffer;
  log: (line: string) => void;
}

/** PUTs `count` objects named `obj-0000000`… (at most 32 at once) and returns their names. */
async function populate(o: MixedOptions, count: number): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `obj-${String(i).padStart(7, '0')}`);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(o.concurrency, 32) }, async () => {
    for (let i = next++; i < names.length; i = next++) await o.client.putObject(o.container, names[i] ?? '', o.body);
  }));
  return names;
}

/** Random GETs of `names` by `concurrency` loops for `seconds`; `onSlice` hears of each completed GET's time. */
async function getPhase(o: MixedOptions, names: string[], seconds: number, stop?: () => boolean,
  onGet?: (atMs: number) => void): Promise<Recorder> {
  const latencies: number[] = [];
  const start = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(Array.from({ length: o.concurrency }, async () => {
    while (Date.now() < deadline && !stop?.()) {
      const t0 = process.hrtime.bigint();
      await consume((await o.client.getObject(o.container, names[Math.floor(Math.random() * names.length)] ?? '')).body);
      latencies.push(elapsedMs(t0));
      onGet?.(elapsedMs(start));
    }
  }));
  return { latencies, seconds: elapsedMs(start) / 1000 };
}

/** Objects in the read set: enough that GETs spread over many files and rows, few enough to write quickly. */
const READ_SET = 1000;
/** A pause after populating, so that the idle rate is not measured in the wake of that write burst. */
const SETTLE_MS = 3000;

/**
 * Populates the read set, lets the server settle, then GETs for a second unmeasured: a fresh server's
 * first requests run before its code is compiled, and would make the idle rate look worse than it is.
 */
async function prepare(o: MixedOptions): Promise<string[]> {
  const names = await populate(o, READ_SET);
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  await getPhase(o, names, WARM_UP_SECONDS);
  return names;
}

const WARM_UP_SECONDS = 1;

export async function runMixed(o: MixedOptions): Promise<{ detail: MixedDetail; ops: number; seconds: number; bytes: number; latenciesMs: number[] }> {
  const names = await prepare(o);
  const idle = getPhase(o, names, Math.max(2, o.durationSeconds / 2));
  const idleGet = stats(await idle);
  const rec = { get: [] as number[], put: [] as number[], delete: [] as number[] };
  /** Objects this run PUT and has not deleted yet, oldest first (a DELETE takes the oldest). */
  const written: string[] = [];
  let writtenHead = 0;
  let bytes = 0;
  const start = process.hrtime.bigint();
  const deadline = Date.now() + o.durationSeconds * 1000;
  await Promise.all(Array.from({ length: o.concurrency }, async (_, w) => {
    for (let i = 0; Date.now() < deadline; i++) {
      const dice = Math.random();
      const t0 = process.hrtime.bigint();
      if (dice < 0.7) {
        bytes += await consume((await o.client.getObject(o.container, names[Math.floor(Math.random() * names.length)] ?? '')).body);
        rec.get.push(elapsedMs(t0));
      } else if (dice < 0.9 || writtenHead >= written.length) {
        const name = `mixed-${w}-${i}`;
        await o.client.putObject(o.container, name, o.body);
        written.push(name);
        bytes += o.body.length;
        rec.put.push(elapsedMs(t0));
      } else {
        await o.client.deleteObject(o.container, written[writtenHead++] ?? '');
        rec.delete.push(elapsedMs(t0));
      }
    }
  }));
  const seconds = elapsedMs(start) / 1000;
  const get = stats({ latencies: rec.get, seconds });
  const detail: MixedDetail = {
    idleGet, get, put: stats({ latencies: rec.put, seconds }), delete: stats({ latencies: rec.delete, seconds }),
    getRateFraction: idleGet.opsPerSecond > 0 ? get.opsPerSecond / (0.7 * idleGet.opsPerSecond) : 0,
    getPerClientFraction: get.meanMs > 0 ? idleGet.meanMs / get.meanMs : 0,
  };
  return { detail, ops: rec.get.length + rec.put.length + rec.delete.length, seconds, bytes, latenciesMs: [...rec.get, ...rec.put, ...rec.delete] };
}

/** The longest the GETs after a burst go on waiting for the rate to come back. */
export const RECOVERY_CAP_SECONDS = 30;

export async function runReadAfterWrite(o: MixedOptions): Promise<{ detail: ReadAfterWriteDetail; ops: number; seconds: number; bytes: number; latenciesMs: number[] }> {
  const names = await prepare(o);
  const idleGet = stats(await getPhase(o, names, Math.max(2, o.durationSeconds / 2)));
  // The burst: PUTs of new objects for the run's duration, as `put-small` does before `get-small`.
  const putLatencies: number[] = [];
  const burstStart = process.hrtime.bigint();
  const burstDeadline = Date.now() + o.durationSeconds * 1000;
  await Promise.all(Array.from({ length: o.concurrency }, async (_, w) => {
    for (let i = 0; Date.now() < burstDeadline; i++) {
      const t0 = process.hrtime.bigint();
      await o.client.putObject(o.container, `burst-${w}-${i}`, o.body);
      putLatencies.push(elapsedMs(t0));
    }
  }));
  const burstPuts = stats({ latencies: putLatencies, seconds: elapsedMs(burstStart) / 1000 });
  // GETs at once, counted per slice; stop once four slices in a row are back at 90% of idle.
  const counts: number[] = [];
  const idlePerSlice = idleGet.opsPerSecond * SLICE_MS / 1000;
  const recoveredAt = () => {
    for (let s = 0; s + 4 <= counts.length - 1; s++) { // the last slice is still filling
      if (counts.slice(s, s + 4).every((c) => c >= 0.9 * idlePerSlice)) return s;
    }
    return undefined;
  };
  const cap = Math.max(RECOVERY_CAP_SECONDS, 3 * o.durationSeconds);
  let recovered: number | undefined;
  const after = await getPhase(o, names, cap, () => recovered !== undefined && counts.length >= 8, (atMs) => {
    const slice = Math.floor(atMs / SLICE_MS);
    while (counts.length <= slice) {
      counts.push(0);
      recovered ??= recoveredAt();
    }
    counts[slice] = (counts[slice] ?? 0) + 1;
  });
  counts.pop(); // the slice cut short when the GETs stopped
  const slices = counts.map((c) => c * 1000 / SLICE_MS);
  const idleRate = idleGet.opsPerSecond || 1;
  const perSecond = 1000 / SLICE_MS;
  const first = slices.slice(0, perSecond);
  const detail: ReadAfterWriteDetail = {
    idleGet, burstPuts, slices,
    firstSecondFraction: first.reduce((a, b) => a + b, 0) / Math.max(1, first.length) / idleRate,
    worstSliceFraction: Math.min(...slices) / idleRate,
    afterGet: stats(after),
    ...(recovered !== undefined ? { recoveredAfterSeconds: recovered * SLICE_MS / 1000 } : {}),
  };
  return {
    detail, ops: after.latencies.length, seconds: after.seconds, bytes: after.latencies.length * o.body.length, latenciesMs: after.latencies,
  };
}

export function describeMixed(d: MixedDetail): string[] {
  return [
    formatStats('  idle GET', d.idleGet), formatStats('  mixed GET (70%)', d.get), formatStats('  mixed PUT (20%)', d.put),
    formatStats('  mixed DELETE (10%)', d.delete),
    `  GET rate during the mix: ${(d.getRateFraction * 100).toFixed(0)}% of 0.7 × idle; per client reading: ${(d.getPerClientFraction * 100).toFixed(0)}% of idle`,
  ];
}

export function describeReadAfterWrite(d: ReadAfterWriteDetail): string[] {
  const idle = d.idleGet.opsPerSecond || 1;
  return [
    formatStats('  idle GET', d.idleGet), formatStats('  burst PUT', d.burstPuts), formatStats('  GET after the burst', d.afterGet),
    `  GET/s per ${SLICE_MS} ms slice after the burst (× idle): ${d.slices.map((s) => (s / idle).toFixed(2)).join(' ')}`,
    `  first second ${(d.firstSecondFraction * 100).toFixed(0)}% of idle, worst slice ${(d.worstSliceFraction * 100).toFixed(0)}%, ` +
    (d.recoveredAfterSeconds !== undefined ? `back to ≥ 90% after ${d.recoveredAfterSeconds.toFixed(2)} s` : 'not back to 90% within the cap'),
  ];
}
