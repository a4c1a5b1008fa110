/**
 * `npm run soak -- --minutes N [--concurrency C] [--workers W] [--port P]
 *   [--endpoint AUTH_URL --user U --key K [--server-pid PID]]`
 *
 * A soak test to run before a release: keeps a mixed load (soak-load.ts) on a Swiftlet it starts
 * (fresh data directory, removed after) or on any Swift endpoint for N minutes, and prints every
 * 10 s (a sixth of the run when shorter) the requests, the errors by kind, the rate, and the
 * server's resident memory and open file descriptors (whole process tree, from /proc; for an
 * endpoint only with --server-pid). Exits non-zero on any error, or when the server grew more than
 * GROWTH allows between the first sample (after warm-up) and the last.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { closePooledConnections, loginV1, SwiftClient } from '../src/client/swift-client.js';
import { processTree } from './process-tree.js';
import { SoakLoad } from './soak-load.js';
import { startSwiftlet } from './swiftlet-process.js';

/**
 * What counts as unbounded growth between the first and the last sample. Memory: a server's RSS
 * settles only after its caches fill (SQLite's page cache, V8's heap sizing), so the allowance is
 * generous for a short run; a leak of even 1 KiB per request passes it within minutes at this load.
 * Descriptors: connections come and go with the clients' keep-alive pool, at most one per loop.
 */
export const GROWTH = {
  rssMiB: (baselineMiB: number) => 64 + 0.25 * baselineMiB,
  fds: (concurrency: number) => 16 + concurrency,
};

interface Sample { rssMiB: number; fds: number }

function sampleServer(pid: number): Sample | undefined {
  let rssKiB = 0;
  let fds = 0;
  let seen = false;
  for (const p of processTree(pid)) {
    try {
      rssKiB += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
      const open = readdirSync(`/proc/${p}/fd`).length;
      fds += open;
      seen ||= open > 0; // an exited process not yet reaped (a zombie) has none
    } catch { /* exited meanwhile */ }
  }
  return seen ? { rssMiB: Math.round(rssKiB / 1024), fds } : undefined;
}

function formatErrors(errors: Map<string, number>): string {
  const total = [...errors.values()].reduce((a, b) => a + b, 0);
  return total === 0 ? 'errors 0' : `errors ${total} (${[...errors].map(([k, n]) => `${k}: ${n}`).join(', ')})`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string' }, concurrency: { type: 'string', default: '8' }, workers: { type: 'string' },
      port: { type: 'string', default: '18780' }, endpoint: { type: 'string' }, user: { type: 'string' }, key: { type: 'string' },
      'server-pid': { type: 'string' },
    },
  });
  const minutes = Number(values.minutes);
  if (!(minutes >= 0)) throw new Error('--minutes N is required');
  const concurrency = Number(values.concurrency);
  const seconds = minutes * 60;
  const interval = Math.min(10, Math.max(1, seconds / 6));

  const started = values.endpoint ? undefined : await startSwiftlet(Number(values.port), values.workers ? Number(values.workers) : undefined);
  const authUrl = values.endpoint ?? `http://127.0.0.1:${values.port}/auth/v1.0`;
  if (values.endpoint && (!values.user || !values.key)) throw new Error('--endpoint needs --user and --key');
  const serverPid = started?.pid ?? (values['server-pid'] ? Number(values['server-pid']) : undefined);
  try {
    const client = new SwiftClient(await loginV1(authUrl, values.user ?? 'bench:bench', values.key ?? 'bench'));
    const load = new SoakLoad(client, `soak-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
    await load.setUp();
    console.log(`soak: ${minutes} min, concurrency ${concurrency}, against ${started ? `a Swiftlet started here (pid ${started.pid})` : authUrl}; ` +
      `a line every ${interval} s`);
    const samples: Sample[] = [];
    const start = Date.now();
    let lastRequests = 0;
    let lastAt = start;
    const report = () => {
      const now = Date.now();
      const s = serverPid !== undefined ? sampleServer(serverPid) : undefined;
      if (s) samples.push(s);
      const rate = (load.counters.requests - lastRequests) / ((now - lastAt) / 1000);
      lastRequests = load.counters.requests;
      lastAt = now;
      console.log(`${((now - start) / 1000).toFixed(0).padStart(6)} s  requests ${load.counters.requests}  ${formatErrors(load.counters.errors)}  ` +
        `${rate.toFixed(0)} req/s  RSS ${s ? `${s.rssMiB} MiB` : '?'}  fds ${s ? s.fds : '?'}`);
    };
    const timer = setInterval(report, interval * 1000);
    await load.run(concurrency, () => Date.now() - start >= seconds * 1000);
    clearInterval(timer);
    if (Date.now() - lastAt >= 500) report(); // the tail since the last line, unless it just printed
    if (!started) await load.cleanUp();

    const errors = [...load.counters.errors.values()].reduce((a, b) => a + b, 0);
    const failures: string[] = [];
    if (errors > 0) failures.push(`${errors} errors; the first: ${load.counters.samples.join(' | ')}`);
    if (serverPid !== undefined && !sampleServer(serverPid)) failures.push(`the server (pid ${serverPid}) is gone`);
    const first = samples[0];
    const last = samples[samples.length - 1];
    let growth = 'server memory and descriptors not watched (give --server-pid)';
    if (first && last) {
      const rss = last.rssMiB - first.rssMiB;
      const fds = last.fds - first.fds;
      const peak = Math.max(...samples.map((x) => x.rssMiB));
      growth = `RSS ${first.rssMiB} → ${last.rssMiB} MiB (${rss >= 0 ? '+' : ''}${rss}, peak ${peak}; allowed +${GROWTH.rssMiB(first.rssMiB).toFixed(0)}), ` +
        `fds ${first.fds} → ${last.fds} (${fds >= 0 ? '+' : ''}${fds}; allowed +${GROWTH.fds(concurrency)})`;
      if (rss > GROWTH.rssMiB(first.rssMiB)) failures.push(`RSS grew by ${rss} MiB`);
      if (fds > GROWTH.fds(concurrency)) failures.push(`open descriptors grew by ${fds}`);
    }
    const elapsed = (Date.now() - start) / 1000;
    console.log(`summary: ${load.counters.requests} requests in ${elapsed.toFixed(1)} s (${(load.counters.requests / elapsed).toFixed(0)} req/s), ` +
      `${formatErrors(load.counters.errors)}; ${growth}`);
    console.log(failures.length ? `soak FAILED: ${failures.join('; ')}` : 'soak passed');
    return failures.length ? 1 : 0;
  } finally {
    closePooledConnections();
    await started?.stop();
  }
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  console.error(`soak failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
});
