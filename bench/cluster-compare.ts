/**
 * `npm run bench:cluster [-- --start-swift SAIO_SCRIPTS_DIR] [--duration S] [--rounds N]
 *   [--workloads a,b] [--large-size BYTES] [--nodes N]`
 *
 * The cluster issue's comparison, in one run on this machine: Swiftlet in cluster mode (N nodes
 * behind haproxy, on the two PostgreSQL shards and Ceph from scripts/, started by
 * scripts/cluster/start.sh when they are not running), **Ceph RGW's own Swift API on the same Ceph**,
 * embedded Swiftlet and, with --start-swift, OpenStack Swift (the SAIO). Every workload runs against
 * each target in turn, for several rounds; the servers this harness started and that share nothing
 * with the one measured (embedded Swiftlet, the SAIO) are paused meanwhile.
 *
 * Besides operations per second (MB/s for large objects), it records the CPU seconds each part of a
 * deployment spent per request (Swiftlet nodes, haproxy, PostgreSQL, RGW, the OSDs, mon + mgr),
 * from /proc: the figures a capacity model is built from (docs/scaling.md). Figures are only
 * meaningful as ratios within one run.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { closePooledConnections, loginV1, SwiftClient } from '../src/client/swift-client.js';
import { cpuDelta, cpuSnapshot, pidFromFile, type ProcessGroup } from './cpu.js';
import { Pauser } from './process-tree.js';
import { startSwift } from './saio.js';
import { startSwiftlet, SWIFTLET_USERS } from './swiftlet-process.js';
import { runWorkload, type WorkloadName } from './workloads.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CEPH_DIR = process.env['CEPH_DIR'] ?? '/tmp/swiftlet-ceph';
const PG_DIR = '/tmp/swiftlet-pg';
const PG_PORTS = ['54329', '54330'];
const LARGE: ReadonlySet<WorkloadName> = new Set(['put-large', 'get-large']);


interface Target {
  name: string;
  client: SwiftClient;
  serviceClient?: SwiftClient;
  pauser?: Pauser;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function cephEnv(): Record<string, string> {
  const file = join(CEPH_DIR, 'env');
  if (!existsSync(file)) throw new Error(`${file} missing: start Ceph with scripts/ceph/start.sh`);
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1]) env[m[1]] = m[2] ?? '';
  }
  return env;
}

/** A cluster of its own for the run: fresh databases and bucket, stopped (and the databases dropped) at the end. */
function startCluster(nodes: number, port: number): { url: string; nodePids: () => number[]; haproxyPids: () => number[]; stop(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-bench-cluster-'));
  const users = join(dir, 'users.toml');
  writeFileSync(users, SWIFTLET_USERS);
  const env = {
    ...process.env, SWIFTLET_CLUSTER_DIR: dir, SWIFTLET_CLUSTER_PORT: String(port), SWIFTLET_CLUSTER_NODES: String(nodes),
    SWIFTLET_CLUSTER_DB: 'swiftlet_bench', SWIFTLET_CLUSTER_BUCKET: `swiftlet-bench-${randomBytes(4).toString('hex')}`,
    SWIFTLET_CLUSTER_RESET: '1', SWIFTLET_CLUSTER_CONFIG: users,
  };
  execFileSync(join(ROOT, 'scripts/cluster/start.sh'), { env, stdio: ['ignore', 'inherit', 'inherit'] });
  return {
    url: `http://127.0.0.1:${port}`,
    nodePids: () => Array.from({ length: nodes }, (_, i) => pidFromFile(join(dir, `node${i + 1}.pid`))).flat(),
    haproxyPids: () => pidFromFile(join(dir, 'haproxy.pid')),
    stop: () => {
      execFileSync(join(ROOT, 'scripts/cluster/stop.sh'), { env, stdio: ['ignore', 'inherit', 'inherit'] });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'start-swift': { type: 'string' }, nodes: { type: 'string', default: '3' },
      duration: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, concurrency: { type: 'string', default: '16' },
      'large-concurrency': { type: 'string', default: '2' }, 'large-size': { type: 'string', default: String(256 * 1024 * 1024) },
      port: { type: 'string', default: '18580' },
      workloads: { type: 'string', default: 'put-small,get-small,head,delete,composite,composite-baseline,put-large,get-large' },
    },
  });
  const workloads = (values.workloads ?? '').split(',') as WorkloadName[];
  const port = Number(values.port);
  const largeSize = Number(values['large-size']);
  const cluster = startCluster(Number(values.nodes), port);
  const ceph = cephEnv();
  const embedded = await startSwiftlet(port + 50);
  const saio = values['start-swift'] !== undefined ? startSwift(values['start-swift']) : undefined;
  const groups: ProcessGroup[] = [
    { name: 'swiftlet nodes', roots: cluster.nodePids },
    { name: 'haproxy', roots: cluster.haproxyPids },
    { name: 'postgresql', roots: () => PG_PORTS.flatMap((p) => pidFromFile(join(PG_DIR, p, 'postmaster.pid'))) },
    { name: 'rgw', roots: () => pidFromFile(ceph['RGW_PID_FILE'] ?? join(CEPH_DIR, 'run/client.rgw.a.pid')) },
    { name: 'osds', roots: () => [0, 1, 2].flatMap((i) => pidFromFile(join(CEPH_DIR, `run/osd.${i}.pid`))) },
    { name: 'mon + mgr', roots: () => ['mon.a', 'mgr.x'].flatMap((d) => pidFromFile(join(CEPH_DIR, `run/${d}.pid`))) },
    { name: 'embedded', roots: () => [embedded.pid] },
    ...(saio ? [{ name: 'swift (saio)', roots: saio.pids }] : []),
  ];
  try {
    const login = async (name: string, authUrl: string, user: string, key: string, svc?: { user: string; key: string }, pauser?: Pauser): Promise<Target> => {
      const creds = await loginV1(authUrl, user, key);
      const target: Target = { name, client: new SwiftClient(creds), ...(pauser ? { pauser } : {}) };
      if (svc) {
        const serviceToken = (await loginV1(authUrl, svc.user, svc.key)).token;
        const serviceAccount = creds.storageUrl.split('/').pop()?.replace(/^[A-Z]+_/, 'SERVICE_') ?? '';
        target.serviceClient = new SwiftClient(creds, serviceToken).forAccount(serviceAccount);
      }
      return target;
    };
    const benchSvc = { user: 'benchsvc:svc', key: 'svc' };
    const targets: Target[] = [
      await login('cluster', `${cluster.url}/auth/v1.0`, 'bench:bench', 'bench', benchSvc),
      // RGW has no service accounts: its composite figures stay empty.
      await login('rgw', ceph['RGW_SWIFT_AUTH_URL'] ?? '', ceph['RGW_SWIFT_USER'] ?? '', ceph['RGW_SWIFT_KEY'] ?? ''),
      await login('embedded', `http://127.0.0.1:${port + 50}/auth/v1.0`, 'bench:bench', 'bench', benchSvc, new Pauser(() => [embedded.pid])),
    ];
    if (saio) targets.push(await login('swift', saio.authUrl, 'test:tester', 'testing', { user: 'test5:tester5', key: 'testing5' }, new Pauser(saio.pids)));

    const rates = new Map<string, number[]>();
    const cpuPerRequest = new Map<string, Map<string, number[]>>();
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const w of workloads) {
        const large = LARGE.has(w);
        for (const t of targets) {
          if ((w === 'composite' || w === 'composite-baseline') && !t.serviceClient) continue;
          const others = targets.filter((o) => o !== t);
          for (const o of others) o.pauser?.pause();
          const before = cpuSnapshot(groups);
          const r = await runWorkload(w, {
            client: t.client, ...(t.serviceClient ? { serviceClient: t.serviceClient } : {}),
            concurrency: Number(large ? values['large-concurrency'] : values.concurrency),
            durationSeconds: Number(values.duration), size: large ? largeSize : 4096, log: () => undefined,
          }).finally(() => { for (const o of others) o.pauser?.resume(); });
          const spent = cpuDelta(before, cpuSnapshot(groups));
          if (others.some((o) => o.pauser)) {
            await new Promise((res) => setTimeout(res, 1000));
            closePooledConnections();
          }
          const figure = large ? r.bytes / r.seconds / 1e6 : r.ops / r.seconds;
          rates.set(`${w}/${t.name}`, [...(rates.get(`${w}/${t.name}`) ?? []), figure]);
          const perTarget = cpuPerRequest.get(`${w}/${t.name}`) ?? new Map<string, number[]>();
          for (const [g, seconds] of spent) perTarget.set(g, [...(perTarget.get(g) ?? []), r.ops > 0 ? seconds / r.ops : 0]);
          cpuPerRequest.set(`${w}/${t.name}`, perTarget);
          console.error(`round ${round + 1} ${w.padEnd(18)} ${t.name.padEnd(8)} ${figure.toFixed(1)} ${large ? 'MB/s' : 'ops/s'}`);
        }
      }
    }

    const names = targets.map((t) => t.name);
    const range = (xs: number[] | undefined) => (xs?.length ? `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})` : '–');
    const ratio = (a: number[] | undefined, b: number[] | undefined) => (a?.length && b?.length ? `${(median(a) / median(b)).toFixed(2)}×` : '–');
    console.log(`\nmachine: ${cpus().length} cores; concurrency ${values.concurrency} (large: ${values['large-concurrency']} × ${largeSize} bytes); ` +
      `${values.duration} s per run, ${values.rounds} rounds, median (min–max); cluster: ${values.nodes} nodes behind haproxy, 2 PostgreSQL shards, Ceph (3 OSDs) via RGW`);
    console.log(`| workload | unit | ${names.join(' | ')} | cluster / rgw | cluster / swift | cluster / embedded |`);
    console.log(`|---|---|${names.map(() => '---|').join('')}---|---|---|`);
    for (const w of workloads) {
      const get = (n: string) => rates.get(`${w}/${n}`);
      console.log(`| ${w} | ${LARGE.has(w) ? 'MB/s' : 'ops/s'} | ${names.map((n) => range(get(n))).join(' | ')} | ${ratio(get('cluster'), get('rgw'))} | ${ratio(get('cluster'), get('swift'))} | ${ratio(get('cluster'), get('embedded'))} |`);
    }
    const composite = rates.get('composite/cluster');
    const baseline = rates.get('composite-baseline/cluster');
    if (composite?.length && baseline?.length) {
      // Two measures: throughput, pair by pair (the two run in the same round, minutes apart at
      // most), and the CPU the whole cluster spent per request, which the machine's other load
      // moves much less than throughput.
      const pairs = composite.map((c, i) => (baseline[i] ?? NaN) / c - 1).filter(Number.isFinite);
      const clusterCpu = (w: string) => {
        const per = cpuPerRequest.get(`${w}/cluster`);
        return per ? [...per.values()].reduce((sum, xs) => sum + median(xs), 0) : NaN;
      };
      const cpuCost = clusterCpu('composite') / clusterCpu('composite-baseline') - 1;
      const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
      console.log(`\ncomposite (user + service token on SERVICE_) against the same GET with a user token, on the cluster: ` +
        `throughput cost ${pct(median(baseline) / median(composite) - 1)} on the medians (per round: ${pairs.map(pct).join(', ')}); ` +
        `CPU per request (all cluster processes) ${pct(cpuCost)}`);
    }
    console.log('\nCPU milliseconds per request (median over rounds), by process group, for the cluster and RGW targets:');
    const shown = groups.filter((g) => !['embedded', 'swift (saio)'].includes(g.name)).map((g) => g.name);
    console.log(`| workload | target | ${shown.join(' | ')} | total |`);
    console.log(`|---|---|${shown.map(() => '---|').join('')}---|`);
    for (const w of workloads) {
      for (const t of ['cluster', 'rgw']) {
        const per = cpuPerRequest.get(`${w}/${t}`);
        if (!per) continue;
        const cells = shown.map((g) => median(per.get(g) ?? []) * 1000);
        console.log(`| ${w} | ${t} | ${cells.map((c) => c.toFixed(3)).join(' | ')} | ${cells.reduce((a, b) => a + b, 0).toFixed(3)} |`);
      }
    }
  } finally {
    await embedded.stop();
    saio?.stop();
    cluster.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`bench:cluster failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exit(1);
});
