/**
 * `npm run bench:compare [-- --start-swift SAIO_SCRIPTS_DIR | --swift-auth-url URL --swift-user U --swift-key K]
 *   [--duration S] [--rounds N] [--workloads a,b] [--large-size BYTES] [--large-concurrency C] [--limit-process]`
 *
 * Starts a fresh Swiftlet and the trivial limit server on this machine (and, with --start-swift,
 * OpenStack Swift as a one-node cluster from the SAIO scripts, stopped again at the end), and runs
 * every workload against each back to back for several rounds. While one server is measured, the
 * others this harness started are paused (SIGSTOP), so that one's background work (Swift's
 * updaters run for minutes after a burst of PUTs) is not billed to another. Small objects are
 * measured in ops/s, large ones in MB/s, and the composite GET (user + service token on SERVICE_)
 * next to the same GET with a user token. Prints the ratios Swiftlet / Swift and Swiftlet / limit
 * with their spread over the rounds, and Swiftlet's peak RSS. The limit server runs in this process
 * (sharing the load generator's thread), or with --limit-process in one of its own (see limit-server.ts).
 * Figures are only meaningful as ratios measured in the same run.
 *
 * `--observe`: a second Swiftlet with the access log on (Swift format, to a file) and Prometheus
 * metrics on (scraped every 5 s during its runs) is measured as `swiftlet+obs`, alternating with the
 * plain one in every round; the table then shows the ratio of the two per workload with its spread
 * over the rounds (what logging and metrics cost).
 */
import { rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { closePooledConnections, loginV1, SwiftClient } from '../src/client/swift-client.js';
import { spawnLimitServer, startLimitServer } from './limit-server.js';
import { Pauser } from './process-tree.js';
import { startSwift } from './saio.js';
import { serverCpuMs, watchRss } from './rss.js';
import { startSwiftlet } from './swiftlet-process.js';
import { runWorkload, type WorkloadName } from './workloads.js';


function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/** Large workloads move 256 MiB objects (MB/s is what counts), at a lower concurrency. */
const LARGE: ReadonlySet<WorkloadName> = new Set(['put-large', 'get-large']);
const LARGE_SIZE = 256 * 1024 * 1024;

interface Target {
  name: string;
  client: SwiftClient;
  serviceClient?: SwiftClient;
  pid?: number;
  /** Pauses this server while another one is measured (only servers this harness started). */
  pauser?: Pauser;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'swift-auth-url': { type: 'string' }, 'swift-user': { type: 'string', default: 'test:tester' }, 'swift-key': { type: 'string', default: 'testing' },
      'swift-service-user': { type: 'string', default: 'test5:tester5' }, 'swift-service-key': { type: 'string', default: 'testing5' },
      'start-swift': { type: 'string' }, 'limit-process': { type: 'boolean', default: false }, observe: { type: 'boolean', default: false },
      duration: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, concurrency: { type: 'string', default: '16' },
      'large-concurrency': { type: 'string', default: '2' }, 'large-size': { type: 'string', default: String(LARGE_SIZE) },
      port: { type: 'string', default: '18480' },
      // `list` prefills 10 000 objects per target and round: minutes on OpenStack Swift; ask for it explicitly.
      workloads: { type: 'string', default: 'put-small,get-small,head,delete,composite,composite-baseline,put-large,get-large' },
    },
  });
  const WORKLOADS = (values.workloads ?? '').split(',') as WorkloadName[];
  const port = Number(values.port);
  const largeSize = Number(values['large-size']);
  const startedSwift = values['start-swift'] !== undefined ? startSwift(values['start-swift']) : undefined;
  const swiftAuthUrl = startedSwift?.authUrl ?? values['swift-auth-url'];
  const swiftlet = await startSwiftlet(port);
  // Ports: port (Swiftlet), port+1 (limit), port+2 (Swiftlet with log and metrics), port+3 (its metrics).
  const observed = values.observe
    ? await startSwiftlet(port + 2, undefined, `[logging]\naccess_log = "${tmpdir()}/swiftlet-bench-access-${process.pid}.log"\n[metrics]\nlisten = "127.0.0.1:${port + 3}"\n`)
    : undefined;
  const limitMaxSize = Math.max(4096, largeSize);
  const limitProcess = values['limit-process'] ? await spawnLimitServer(port + 1, limitMaxSize) : undefined;
  const limitInHarness = limitProcess ? undefined : await startLimitServer(port + 1, limitMaxSize);
  try {
    const login = async (name: string, authUrl: string, user: string, key: string, svcUser: string, svcKey: string,
      server: { pid?: number; pauser?: Pauser } = {}): Promise<Target> => {
      const creds = await loginV1(authUrl, user, key);
      const serviceToken = (await loginV1(authUrl, svcUser, svcKey)).token;
      const serviceAccount = creds.storageUrl.split('/').pop()?.replace(/^[A-Z]+_/, 'SERVICE_') ?? '';
      return {
        name, client: new SwiftClient(creds), serviceClient: new SwiftClient(creds, serviceToken).forAccount(serviceAccount),
        ...server,
      };
    };
    const targets: Target[] = [
      await login('swiftlet', `http://127.0.0.1:${port}/auth/v1.0`, 'bench:bench', 'bench', 'benchsvc:svc', 'svc', { pid: swiftlet.pid, pauser: new Pauser(() => [swiftlet.pid]) }),
      await login('limit', `http://127.0.0.1:${port + 1}/auth/v1.0`, 'x', 'x', 'x', 'x',
        limitProcess ? { pauser: new Pauser(() => [limitProcess.pid]) } : {}),
    ];
    if (observed) {
      targets.splice(1, 0, await login('swiftlet+obs', `http://127.0.0.1:${port + 2}/auth/v1.0`, 'bench:bench', 'bench', 'benchsvc:svc', 'svc',
        { pid: observed.pid, pauser: new Pauser(() => [observed.pid]) }));
    }
    if (swiftAuthUrl) {
      targets.push(await login('swift', swiftAuthUrl, values['swift-user'] ?? '', values['swift-key'] ?? '',
        values['swift-service-user'] ?? '', values['swift-service-key'] ?? '',
        startedSwift ? { pauser: new Pauser(startedSwift.pids) } : {}));
    }
    const results = new Map<string, number[]>();
    /** `workload/measure/target` → reads' rate as a fraction of the idle rate, per round (mixed, read-after-write). */
    const fractions = new Map<string, number[]>();
    let swiftletPeakRss = 0;
    const cpuPerOp = new Map<string, number[]>();
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const w of WORKLOADS) {
        const large = LARGE.has(w);
        // With --observe the two Swiftlets swap places every other round, so neither always runs first.
        const order = observed && round % 2 === 1 ? [targets[1], targets[0], ...targets.slice(2)].filter((t): t is Target => t !== undefined) : targets;
        for (const t of order) {
          const others = targets.filter((o) => o !== t);
          for (const o of others) o.pauser?.pause();
          const rss = t.name === 'swiftlet' && t.pid !== undefined ? watchRss(t.pid) : undefined;
          // Prometheus' scrapes, while the observed Swiftlet is measured.
          const scraper = t.name === 'swiftlet+obs'
            ? setInterval(() => { void fetch(`http://127.0.0.1:${port + 3}/metrics`).then((r) => r.text()).catch(() => undefined); }, 5000)
            : undefined;
          const cpuBefore = observed && t.pid !== undefined ? serverCpuMs(t.pid) : 0;
          const r = await runWorkload(w, {
            client: t.client, ...(t.serviceClient ? { serviceClient: t.serviceClient } : {}),
            concurrency: Number(large ? values['large-concurrency'] : values.concurrency),
            durationSeconds: Number(values.duration), size: large ? largeSize : 4096,
            log: (line) => { if (t.name === 'swiftlet') console.error(line); },
            ...(t.pid !== undefined ? { serverCpuMs: () => serverCpuMs(t.pid ?? 0) } : {}),
          }).finally(() => {
            clearInterval(scraper);
            for (const o of others) o.pauser?.resume();
          });
          // A server continued after a pause first closes the keep-alive connections that timed out
          // meanwhile; let it, so that the next run does not send its first requests into them.
          // Then drop the client's pooled connections as well: one the server is closing just as a request
          // goes out on it fails with "socket hang up" (it ended a round-3 put-large run once).
          if (others.some((o) => o.pauser)) {
            await new Promise((r) => setTimeout(r, 1000));
            closePooledConnections();
          }
          if (rss) swiftletPeakRss = Math.max(swiftletPeakRss, rss.stop().totalMiB);
          // Large workloads compare throughput (MB/s), the others operations per second.
          const figure = large ? r.bytes / r.seconds / 1e6 : r.ops / r.seconds;
          const key = `${w}/${t.name}`;
          results.set(key, [...(results.get(key) ?? []), figure]);
          // --observe: the server's CPU time per operation as well, which the machine's other load moves
          // far less than it moves rates (the get-small prefill's PUTs are in it, alike for both Swiftlets).
          if (observed && t.pid !== undefined) cpuPerOp.set(key, [...(cpuPerOp.get(key) ?? []), (serverCpuMs(t.pid) - cpuBefore) / r.ops]);
          for (const [what, f] of Object.entries(r.readFractions ?? {})) {
            const k = `${w}/${what}/${t.name}`;
            fractions.set(k, [...(fractions.get(k) ?? []), f]);
          }
          const shares = Object.entries(r.readFractions ?? {}).map(([what, f]) => `${what} ${f.toFixed(2)}`).join(', ');
          console.error(`round ${round + 1} ${w.padEnd(18)} ${t.name.padEnd(8)} ${figure.toFixed(1)} ${large ? 'MB/s' : 'ops/s'}${shares ? ` (reads × idle: ${shares})` : ''}`);
          if (t.name === 'swiftlet') for (const line of r.detail ?? []) console.error(line);
        }
      }
    }
    console.log(`\nmachine: ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}; concurrency ${values.concurrency} (large: ${values['large-concurrency']} × ${largeSize} bytes), ` +
      `${values.duration} s per run, ${values.rounds} rounds (median; min–max); Swiftlet peak RSS (all processes) ${swiftletPeakRss} MiB; ` +
      `limit server ${limitProcess ? 'in a process of its own' : "in the harness's process"}`);
    console.log('| workload | unit | Swiftlet | Swift | limit | Swiftlet / Swift | Swiftlet / limit |');
    console.log('|---|---|---|---|---|---|---|');
    for (const w of WORKLOADS) {
      const s = results.get(`${w}/swiftlet`) ?? [];
      const sw = results.get(`${w}/swift`) ?? [];
      const l = results.get(`${w}/limit`) ?? [];
      const range = (xs: number[]) => (xs.length ? `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})` : '–');
      const ratio = (a: number[], b: number[]) => (a.length && b.length ? `${(median(a) / median(b)).toFixed(2)}×` : '–');
      console.log(`| ${w} | ${LARGE.has(w) ? 'MB/s' : 'ops/s'} | ${range(s)} | ${range(sw)} | ${range(l)} | ${ratio(s, sw)} | ${ratio(s, l)} |`);
    }
    if (fractions.size > 0) {
      console.log('\nreads as a fraction of the idle GET rate measured in the same run, median (min–max):');
      console.log('| workload | measure | ' + targets.map((t) => t.name).join(' | ') + ' |');
      console.log('|---|---|' + targets.map(() => '---|').join(''));
      const measures = new Set([...fractions.keys()].map((k) => k.split('/').slice(0, 2).join('/')));
      for (const m of measures) {
        const cells = targets.map((t) => {
          const xs = fractions.get(`${m}/${t.name}`) ?? [];
          return xs.length ? `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})` : '–';
        });
        console.log(`| ${m.replace('/', ' | ')} | ${cells.join(' | ')} |`);
      }
    }
    if (observed) {
      console.log('\nwith the access log (to a file) and metrics on, as a fraction of the same Swiftlet without: median of the rounds\' ratios (min–max; per round)');
      console.log('| workload | swiftlet+obs / swiftlet | rounds |');
      console.log('|---|---|---|');
      for (const w of WORKLOADS) {
        const plain = results.get(`${w}/swiftlet`) ?? [];
        const obs = results.get(`${w}/swiftlet+obs`) ?? [];
        const ratios = obs.map((o, i) => o / (plain[i] ?? NaN));
        console.log(`| ${w} | ${median(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}) | ${ratios.map((r) => r.toFixed(3)).join(', ')} |`);
      }
      console.log('\nserver CPU ms per operation (user + system, all processes), median (min–max), and the ratio of the medians');
      console.log('| workload | swiftlet | swiftlet+obs | obs / plain |');
      console.log('|---|---|---|---|');
      for (const w of WORKLOADS) {
        const plain = cpuPerOp.get(`${w}/swiftlet`) ?? [];
        const obs = cpuPerOp.get(`${w}/swiftlet+obs`) ?? [];
        const cell = (xs: number[]) => `${median(xs).toFixed(3)} (${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)})`;
        console.log(`| ${w} | ${cell(plain)} | ${cell(obs)} | ${(median(obs) / median(plain)).toFixed(3)} |`);
      }
    }
    const composite = results.get('composite/swiftlet');
    const baseline = results.get('composite-baseline/swiftlet');
    if (composite?.length && baseline?.length) {
      console.log(`\ncomposite (user + service token on SERVICE_) costs ${((median(baseline) / median(composite) - 1) * 100).toFixed(1)}% more than the same GET with a user token (Swiftlet)`);
    }
  } finally {
    limitInHarness?.close();
    await limitProcess?.stop();
    await swiftlet.stop();
    await observed?.stop();
    if (observed) rmSync(`${tmpdir()}/swiftlet-bench-access-${process.pid}.log`, { force: true });
    // Swift's updaters keep working long after a run; stop what --start-swift started.
    startedSwift?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`bench:compare failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
