/**
 * `npm run bench -- --auth-url URL --user U --key K --workload NAME [--concurrency C] [--duration S]
 *   [--size BYTES] [--service-user U --service-key K | --service-token T] [--server-pid PID] [--json]`
 *
 * A load generator for ANY Swift endpoint (Swiftlet, OpenStack Swift, Ceph RGW) through the v1 API
 * and v1.0 auth. Prints ops/s, MB/s, latency p50/p99 and, with --server-pid, the server's peak RSS.
 * Any non-2xx answer aborts the run with an error.
 */
import { parseArgs } from 'node:util';
import { loginV1, SwiftClient } from '../src/client/swift-client.js';
import { serverCpuMs, watchRss } from './rss.js';
import { percentile, runWorkload, WORKLOADS, type PhaseMeter, type WorkloadName, type WorkloadResult } from './workloads.js';
import { stderrProgress, type ProgressBar } from '../src/cli/progress.js';

export interface BenchReport extends Omit<WorkloadResult, 'latenciesMs'> {
  opsPerSecond: number;
  mbPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  concurrency: number;
  size: number;
  peakRssMiB?: number;
}

export function summarize(r: WorkloadResult, concurrency: number, size: number): BenchReport {
  const sorted = [...r.latenciesMs].sort((a, b) => a - b);
  const { latenciesMs: _unused, ...rest } = r;
  return {
    ...rest, concurrency, size,
    opsPerSecond: r.ops / r.seconds,
    mbPerSecond: r.bytes / r.seconds / 1e6,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
  };
}

export function formatReport(r: BenchReport): string {
  const rss = r.peakRssMiB !== undefined ? `  peak RSS ${r.peakRssMiB} MiB` : '';
  return `${r.workload.padEnd(18)} ${r.opsPerSecond.toFixed(1).padStart(9)} ops/s ${r.mbPerSecond.toFixed(1).padStart(8)} MB/s  ` +
    `p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  (${r.ops} ops, c=${r.concurrency})${rss}${r.note ? `  [${r.note}]` : ''}`;
}

/**
 * A progress bar on stderr for a workload's measured phase: the bar fills with its seconds, the rate
 * is operations per second. Ticks on a timer, so that a phase of slow operations (256 MiB PUTs)
 * still moves; stdout keeps only the results (and `--json` stays parseable).
 */
function progressMeter(workload: string): PhaseMeter {
  let bar: ProgressBar | undefined;
  let timer: NodeJS.Timeout | undefined;
  let ops = 0;
  let started = 0;
  const state = () => ({ done: (Date.now() - started) / 1000, rateCount: ops, text: `${ops} ops` });
  return {
    start(seconds) {
      ops = 0;
      started = Date.now();
      bar = stderrProgress({ label: `bench ${workload}`, unit: 's', rateUnit: 'ops', total: seconds });
      bar.update(state());
      timer = setInterval(() => bar?.update(state()), 200);
      timer.unref();
    },
    op() { ops++; },
    end() {
      clearInterval(timer);
      bar?.finish(state());
      bar = undefined;
    },
  };
}

const DEFAULT_SIZES: Partial<Record<WorkloadName, number>> = { 'put-large': 256 * 1024 * 1024, 'get-large': 256 * 1024 * 1024 };

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'auth-url': { type: 'string' }, user: { type: 'string' }, key: { type: 'string' },
      'service-user': { type: 'string' }, 'service-key': { type: 'string' }, 'service-token': { type: 'string' },
      'service-account': { type: 'string' },
      workload: { type: 'string', default: 'put-small' }, concurrency: { type: 'string', default: '16' },
      duration: { type: 'string', default: '10' }, size: { type: 'string' }, 'server-pid': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const authUrl = values['auth-url'];
  if (!authUrl || !values.user || !values.key) throw new Error('--auth-url, --user and --key are required');
  const names = (values.workload ?? '').split(',') as WorkloadName[];
  for (const n of names) if (!WORKLOADS.includes(n)) throw new Error(`unknown workload "${n}" (${WORKLOADS.join(', ')})`);
  const creds = await loginV1(authUrl, values.user, values.key);
  const client = new SwiftClient(creds);
  let serviceClient: SwiftClient | undefined;
  const serviceToken = values['service-token'] ?? (values['service-user'] && values['service-key']
    ? (await loginV1(authUrl, values['service-user'], values['service-key'])).token : undefined);
  if (serviceToken) {
    const account = values['service-account'] ?? creds.storageUrl.split('/').pop()?.replace(/^[A-Z]+_/, 'SERVICE_') ?? '';
    serviceClient = new SwiftClient(creds, serviceToken).forAccount(account);
  }
  const concurrency = Number(values.concurrency);
  const duration = Number(values.duration);
  for (const name of names) {
    const size = values.size !== undefined ? Number(values.size) : DEFAULT_SIZES[name] ?? 4096;
    const rss = values['server-pid'] ? watchRss(Number(values['server-pid'])) : undefined;
    const pid = values['server-pid'] ? Number(values['server-pid']) : undefined;
    const opts = {
      client, concurrency, durationSeconds: duration, size, log: (l: string) => { if (!values.json) console.log(l); },
      meter: progressMeter(name),
      ...(pid !== undefined ? { serverCpuMs: () => serverCpuMs(pid) } : {}),
    };
    const raw = await runWorkload(name, serviceClient ? { ...opts, serviceClient } : opts);
    const report = summarize(raw, concurrency, size);
    if (rss) report.peakRssMiB = rss.stop().totalMiB;
    console.log(values.json ? JSON.stringify(report) : formatReport(report));
    if (!values.json) for (const line of report.detail ?? []) console.log(line);
  }
}

if (process.argv[1]?.endsWith('/bench/main.js')) {
  main().catch((err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
