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
import type { PhaseMeter } from './workloads.js';

export const SLICE_MS = 250;

export interface OpStats {
  ops: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  /** The server's CPU time per operation (µs), when the bench can see its processes. */
  cpuUsPerOp?: number;
}

export interface MixedDetail {
  idleGet: OpStats;
  get: OpStats;
  put: OpStats;
  delete: OpStats;
  /** All operations of the mix together (its server CPU per operation is the mix's). */
  all: OpStats;
  /** GET rate during the mix ÷ 0.7 × idle GET rate: what share of its idle throughput reading kept. */
  getRateFraction: number;
  /** Idle mean GET latency ÷ mixed mean GET latency: the GET rate per client busy reading, against idle. */
  getPerClientFraction: number;
}

export interface ReadAfterWriteDetail {
  /** GETs before the burst, and again after the GETs that follow it and a pause. */
  idleGet: OpStats;
  idleAfter: OpStats;
  /** The reference: the mean of the two idle rates. */
  idleRate: number;
  burstPuts: OpStats;
  /** GET/s in each 250 ms slice after the burst. */
  slices: number[];
  /** GETs in the first second after the burst ÷ idle rate; the worst slice ÷ idle rate. */
  firstSecondFraction: number;
  worstSliceFraction: number;
  /** Seconds after the burst until four slices in a row ran at ≥ 90% of the idle rate (undefined: never within the cap). */
  recoveredAfterSeconds?: number;
  afterGet: OpStats;
  /** The server's CPU time per GET in the first second after the burst (µs), background work included. */
  firstSecondCpuUsPerGet?: number;
}

interface Recorder {
  latencies: number[];
  seconds: number;
  /** Server CPU time (ms) used meanwhile. */
  cpuMs?: number;
}

function stats(r: Recorder): OpStats {
  const sorted = [...r.latencies].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    ops: sorted.length, opsPerSecond: r.seconds > 0 ? sorted.length / r.seconds : 0,
    p50Ms: at(50), p99Ms: at(99), meanMs: sorted.length ? sum / sorted.length : 0,
    ...(r.cpuMs !== undefined && sorted.length ? { cpuUsPerOp: r.cpuMs * 1000 / sorted.length } : {}),
  };
}

export function formatStats(label: string, s: OpStats): string {
  const cpu = s.cpuUsPerOp !== undefined ? `  server CPU ${s.cpuUsPerOp.toFixed(0)} µs/op` : '';
  return `${label.padEnd(22)} ${s.opsPerSecond.toFixed(1).padStart(9)} ops/s  p50 ${s.p50Ms.toFixed(2)} ms  p99 ${s.p99Ms.toFixed(2)} ms  (${s.ops} ops)${cpu}`;
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
  /** The server's CPU time so far (ms), when the bench can see its processes (`--server-pid`). */
  serverCpuMs?: () => number;
  /** Told of the measured mixed phase (for a progress bar). */
  meter?: PhaseMeter;
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

/**
 * Random GETs of `names` by `concurrency` loops for `seconds`, or until `stop` (told the GETs done so
 * far) says so; `onGet` hears of each completed GET's time since the start.
 */
async function getPhase(o: MixedOptions, names: string[], seconds: number, stop?: (gets: number) => boolean,
  onGet?: (atMs: number) => void): Promise<Recorder> {
  const latencies: number[] = [];
  const cpu0 = o.serverCpuMs?.();
  const start = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(Array.from({ length: o.concurrency }, async () => {
    while (Date.now() < deadline && !stop?.(latencies.length)) {
      const t0 = process.hrtime.bigint();
      await consume((await o.client.getObject(o.container, names[Math.floor(Math.random() * names.length)] ?? '')).body);
      latencies.push(elapsedMs(t0));
      onGet?.(elapsedMs(start));
    }
  }));
  const cpu1 = o.serverCpuMs?.();
  return { latencies, seconds: elapsedMs(start) / 1000, ...(cpu0 !== undefined && cpu1 !== undefined ? { cpuMs: cpu1 - cpu0 } : {}) };
}

/** Objects in the read set: enough that GETs spread over many files and rows, few enough to write quickly. */
const READ_SET = 1000;
/** A pause after populating, so that the idle rate is not measured in the wake of that write burst. */
const SETTLE_MS = 3000;

/**
 * Populates the read set, lets the server settle, then GETs unmeasured for at least 2 s and
 * WARM_UP_GETS GETs (at most 10 s): a fresh server's first thousands of requests run before its
 * code is compiled and would make the idle rate look worse than the rate after the burst.
 */
async function prepare(o: MixedOptions): Promise<string[]> {
  const names = await populate(o, READ_SET);
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const start = Date.now();
  await getPhase(o, names, 10, (gets) => gets >= WARM_UP_GETS && Date.now() - start >= 2000);
  return names;
}

const WARM_UP_GETS = 5000;

export async function runMixed(o: MixedOptions): Promise<{ detail: MixedDetail; ops: number; seconds: number; bytes: number; latenciesMs: number[] }> {
  const names = await prepare(o);
  const idle = getPhase(o, names, Math.max(2, o.durationSeconds / 2));
  const idleGet = stats(await idle);
  const rec = { get: [] as number[], put: [] as number[], delete: [] as number[] };
  /** Objects this run PUT and has not deleted yet, oldest first (a DELETE takes the oldest). */
  const written: string[] = [];
  let writtenHead = 0;
  let bytes = 0;
  const cpu0 = o.serverCpuMs?.();
  const start = process.hrtime.bigint();
  const deadline = Date.now() + o.durationSeconds * 1000;
  o.meter?.start(o.durationSeconds);
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
      o.meter?.op();
    }
  }));
  o.meter?.end();
  const seconds = elapsedMs(start) / 1000;
  const cpu1 = o.serverCpuMs?.();
  const get = stats({ latencies: rec.get, seconds });
  const all = stats({ latencies: [...rec.get, ...rec.put, ...rec.delete], seconds, ...(cpu0 !== undefined && cpu1 !== undefined ? { cpuMs: cpu1 - cpu0 } : {}) });
  const detail: MixedDetail = {
    idleGet, get, put: stats({ latencies: rec.put, seconds }), delete: stats({ latencies: rec.delete, seconds }), all,
    getRateFraction: idleGet.opsPerSecond > 0 ? get.opsPerSecond / (0.7 * idleGet.opsPerSecond) : 0,
    getPerClientFraction: get.meanMs > 0 ? idleGet.meanMs / get.meanMs : 0,
  };
  return { detail, ops: rec.get.length + rec.put.length + rec.delete.length, seconds, bytes, latenciesMs: [...rec.get, ...rec.put, ...rec.delete] };
}

/** The first of four slices in a row with at least 90% of the idle GETs per slice. */
function recoveredAt(counts: number[], idlePerSlice: number): number | undefined {
  for (let s = 0; s + 4 <= counts.length; s++) {
    if (counts.slice(s, s + 4).every((c) => c >= 0.9 * idlePerSlice)) return s;
  }
  return undefined;
}

/** The longest the GETs after a burst go on waiting for the rate to come back. */
export const RECOVERY_CAP_SECONDS = 30;

export async function runReadAfterWrite(o: MixedOptions): Promise<{ detail: ReadAfterWriteDetail; ops: number; seconds: number; bytes: number; latenciesMs: number[] }> {
  const names = await prepare(o);
  const idleGet = stats(await getPhase(o, names, Math.max(2, o.durationSeconds / 2)));
  // The burst: PUTs of new objects for the run's duration, as `put-small` does before `get-small`.
  const putLatencies: number[] = [];
  const burstCpu0 = o.serverCpuMs?.();
  const burstStart = process.hrtime.bigint();
  const burstDeadline = Date.now() + o.durationSeconds * 1000;
  await Promise.all(Array.from({ length: o.concurrency }, async (_, w) => {
    for (let i = 0; Date.now() < burstDeadline; i++) {
      const t0 = process.hrtime.bigint();
      await o.client.putObject(o.container, `burst-${w}-${i}`, o.body);
      putLatencies.push(elapsedMs(t0));
    }
  }));
  const burstCpu1 = o.serverCpuMs?.();
  const burstPuts = stats({ latencies: putLatencies, seconds: elapsedMs(burstStart) / 1000,
    ...(burstCpu0 !== undefined && burstCpu1 !== undefined ? { cpuMs: burstCpu1 - burstCpu0 } : {}) });
  // GETs at once, counted per slice; stop once four slices in a row are back at 90% of idle.
  const counts: number[] = [];
  const idlePerSlice = idleGet.opsPerSecond * SLICE_MS / 1000;
  const cap = Math.max(RECOVERY_CAP_SECONDS, 3 * o.durationSeconds);
  let recovered: number | undefined;
  /** Server CPU at the start of the GETs and after their first second, and GETs done by then. */
  const afterCpu0 = o.serverCpuMs?.();
  let firstSecond: { cpuMs?: number; gets: number } | undefined;
  const after = await getPhase(o, names, cap, () => recovered !== undefined && counts.length >= 8, (atMs) => {
    const slice = Math.floor(atMs / SLICE_MS);
    while (counts.length <= slice) {
      if (counts.length === 1000 / SLICE_MS && afterCpu0 !== undefined) {
        firstSecond = { gets: counts.reduce((a, b) => a + b, 0), cpuMs: (o.serverCpuMs?.() ?? afterCpu0) - afterCpu0 };
      }
      counts.push(0);
      recovered ??= recoveredAt(counts.slice(0, -1), idlePerSlice); // the last slice is still filling
    }
    counts[slice] = (counts[slice] ?? 0) + 1;
  });
  counts.pop(); // the slice cut short when the GETs stopped
  // The idle rate again, once the server has settled: the reference is the mean of the two, so that
  // a machine whose other load changed during the run shows as a spread between them.
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const idleAfter = stats(await getPhase(o, names, Math.max(2, o.durationSeconds / 2)));
  const slices = counts.map((c) => c * 1000 / SLICE_MS);
  const idleRate = (idleGet.opsPerSecond + idleAfter.opsPerSecond) / 2 || 1;
  const perSecond = 1000 / SLICE_MS;
  const first = slices.slice(0, perSecond);
  const detail: ReadAfterWriteDetail = {
    idleGet, idleAfter, idleRate, burstPuts, slices,
    firstSecondFraction: first.reduce((a, b) => a + b, 0) / Math.max(1, first.length) / idleRate,
    worstSliceFraction: Math.min(...slices) / idleRate,
    afterGet: stats(after),
    ...(firstSecond?.cpuMs !== undefined && firstSecond.gets > 0 ? { firstSecondCpuUsPerGet: firstSecond.cpuMs * 1000 / firstSecond.gets } : {}),
  };
  // Recovery against the final reference (the GETs stopped on the rate before the burst).
  const back = recoveredAt(counts, idleRate * SLICE_MS / 1000);
  if (back !== undefined) detail.recoveredAfterSeconds = back * SLICE_MS / 1000;
  return {
    detail, ops: after.latencies.length, seconds: after.seconds, bytes: after.latencies.length * o.body.length, latenciesMs: after.latencies,
  };
}

export function describeMixed(d: MixedDetail): string[] {
  return [
    formatStats('  idle GET', d.idleGet), formatStats('  mixed GET (70%)', d.get), formatStats('  mixed PUT (20%)', d.put),
    formatStats('  mixed DELETE (10%)', d.delete), formatStats('  mixed, all', d.all),
    `  GET rate during the mix: ${(d.getRateFraction * 100).toFixed(0)}% of 0.7 × idle; per client reading: ${(d.getPerClientFraction * 100).toFixed(0)}% of idle`,
  ];
}

export function describeReadAfterWrite(d: ReadAfterWriteDetail): string[] {
  const idle = d.idleRate || 1;
  return [
    formatStats('  idle GET', d.idleGet), formatStats('  burst PUT', d.burstPuts), formatStats('  GET after the burst', d.afterGet),
    formatStats('  idle GET again', d.idleAfter),
    `  GET/s per ${SLICE_MS} ms slice after the burst (× idle): ${d.slices.map((s) => (s / idle).toFixed(2)).join(' ')}`,
    `  first second ${(d.firstSecondFraction * 100).toFixed(0)}% of idle, worst slice ${(d.worstSliceFraction * 100).toFixed(0)}%, ` +
    (d.recoveredAfterSeconds !== undefined ? `back to ≥ 90% after ${d.recoveredAfterSeconds.toFixed(2)} s` : 'not back to 90% within the cap'),
    ...(d.firstSecondCpuUsPerGet !== undefined && d.idleGet.cpuUsPerOp !== undefined
      ? [`  server CPU per GET in the first second after the burst ${d.firstSecondCpuUsPerGet.toFixed(0)} µs (idle ${d.idleGet.cpuUsPerOp.toFixed(0)} µs, ` +
        `then ${d.idleAfter.cpuUsPerOp?.toFixed(0) ?? '?'} µs)`] : []),
  ];
}
