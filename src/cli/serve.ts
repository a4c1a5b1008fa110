/**
 * `swiftlet serve`: prepares the data directory (schema, bootstrap admin, config users, token keys,
 * leftovers of interrupted uploads), starts the background jobs (WAL checkpoints, expirer, orphan
 * sweeper, key rotation, container sync, object auditor), then serves HTTP.
 *
 * By default (`workers` 0 or 1) one process does all of it. With `workers` N > 1 the primary forks N
 * worker processes that share the port (a worker that dies is replaced) and keeps only the jobs.
 * One process is the default because it measured faster on every small-object workload (PUT, GET,
 * HEAD, DELETE; bench/RESULTS.md, session 3): all metadata writes go through SQLite's single write
 * lock, and a second process waiting for that lock waits with its event loop blocked; more workers
 * may pay off only for read-heavy loads on machines with cores to spare.
 */
import cluster from 'node:cluster';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildApp } from '../app.js';
import type { Config } from '../config/schema.js';
import type { Server } from 'node:http';
import { createSwiftServer, type EdgeOptions } from '../http/server.js';
import { s3UnknownMethod } from '../s3/unknown-method.js';
import { openRuntime, type Runtime } from '../runtime/index.js';
import { reapExpired, sweepOrphans } from '../storage/janitor.js';
import { BackendUnavailableError } from '../storage/backend-unavailable.js';
import { isDiskFull } from '../storage/insufficient-storage.js';
import { ContainerSyncDaemon } from '../sync/daemon.js';
import { startAuditor } from '../storage/integrity/background.js';
import { parseRoleList } from '../auth/prefixes.js';
import { KeystoneClient } from '../identity/keystone/client.js';
import { Registry } from 'prom-client';
import { parseListen } from '../config/load.js';
import { AccessLog } from '../observe/access-log.js';
import { observeAll, type RequestObserver } from '../observe/finished-request.js';
import { startRequestMetrics } from '../observe/metrics.js';
import { answerMetricsRequests, metricsText, serveMetrics } from '../observe/metrics-server.js';
import { registerStoreMetrics } from '../observe/store-metrics.js';

const KEY_ROTATION_SECONDS = 86400;

async function prepare(config: Config, rt: Runtime): Promise<void> {
  // First, as it frees space: on a full disk, interrupted uploads' leftovers may be what fills it.
  // A cluster node starts while the S3 service is down (its objects answer 503 until it is back);
  // stale multipart uploads then wait for the next start.
  await rt.services.blobs.cleanTemporary().catch((err: unknown) => {
    if (!(err instanceof BackendUnavailableError)) throw err;
    console.error(`warning: leftovers of interrupted uploads not cleaned (retried at the next start): ${err.message}`);
  });
  const keep = config.auth.token_life + config.auth.allow_expired_window + KEY_ROTATION_SECONDS;
  // Tokens still work with the current keys; rotation is retried by the hourly job.
  await unlessDiskFull('token key rotation', () => rt.keyRing.rotateIfDue(Date.now() / 1000, KEY_ROTATION_SECONDS, keep));
  if (config.identity.mode === 'keystone') {
    // Users live in Keystone: no bootstrap admin, no config users. Check the service credentials
    // once so a misconfiguration shows at start-up (requests would get 503 until it is fixed).
    console.log(`Identity: external Keystone at ${config.keystone.auth_url} (service user "${config.keystone.username}")`);
    await new KeystoneClient(config.keystone).serviceToken()
      .catch(() => console.error('warning: cannot log in to Keystone yet; requests needing a token answer 503 until it can'));
    return;
  }
  const operator = parseRoleList(config.auth.operator_roles)[0] ?? 'admin';
  const boot = await rt.identity.bootstrap(config.identity.admin_password, operator);
  const readers = parseRoleList(config.auth.system_reader_roles);
  // Users already synced by an earlier start keep working; a change to them waits for space.
  await unlessDiskFull('syncing the config file\'s users', () => rt.identity.syncConfigUsers(config.identity.users, {
    operator, resellerAdmin: config.auth.reseller_admin_role, systemReader: readers[0] ?? 'reseller_reader',
  }));
  if (boot.created) {
    const dataDir = resolve(config.server.data_dir);
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, 'bootstrap-admin.txt');
    writeFileSync(file, `user: admin:admin\npassword: ${boot.password}\nproject_id: ${boot.projectId}\n`, { mode: 0o600 });
    console.log(`Created bootstrap admin: user "admin" in project "admin" (id ${boot.projectId}), password: ${boot.password}`);
    console.log(`(also written to ${file})`);
  }
}

/** Starts the periodic jobs; the function it returns stops them (before the stores close, so that no
 * job starts on a closing store and reports that as a failure). */
async function startBackgroundJobs(config: Config, rt: Runtime): Promise<() => void> {
  const { meta, blobs } = rt.services;
  const keep = config.auth.token_life + config.auth.allow_expired_window + KEY_ROTATION_SECONDS;
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;
  const every = (seconds: number, job: () => Promise<unknown>) => {
    const timer = setInterval(() => {
      // A job still running when the stores close fails with them; that is the shutdown, not a fault.
      job().catch((err: unknown) => { if (!stopped) console.error('background job failed:', err); });
    }, seconds * 1000);
    timer.unref();
    timers.push(timer);
  };
  // The first upkeep (embedded: a WAL checkpoint) runs before the server listens: it moves into the
  // database whatever WAL an earlier run left, and starts the checkpoint thread, whose descriptors
  // and memory are then there from the first request on.
  // It may fail (a full disk: the database file cannot grow); that must not keep the server from
  // serving reads and deletes, and the next upkeep retries it.
  const upkeep = diskFullOnce('WAL checkpoint', () => rt.maintain());
  await upkeep().catch((err: unknown) => console.error('warning: first WAL checkpoint failed, retried every second:', err));
  every(1, upkeep);
  // Once per store, not once per node: in a cluster only the node holding the jobs' lease runs these
  // (another takes over within one interval when it dies).
  const leading = (job: () => Promise<unknown>) => async () => { if (await rt.leads()) await job(); };
  every(config.swift.expirer_interval, leading(() => reapExpired(meta, blobs, Date.now() / 1000)));
  every(3600, leading(() => sweepOrphans(meta, blobs)));
  if (config.container_sync.enabled) {
    // One pass at a time (a pass still running when the next is due is joined, not doubled).
    const sync = new ContainerSyncDaemon(meta, blobs, config.container_sync);
    every(config.container_sync.interval, leading(() => sync.pass()));
  }
  every(3600, leading(() => rt.keyRing.rotateIfDue(Date.now() / 1000, KEY_ROTATION_SECONDS, keep)));
  const stopAuditor = config.auditor.enabled
    ? startAuditor({
      meta, blobsFor: () => blobs, intervalSeconds: config.auditor.interval, bytesPerSecond: config.auditor.bytes_per_second,
      leads: () => rt.leads(),
    })
    : () => undefined;
  return () => {
    stopped = true;
    stopAuditor();
    for (const timer of timers) clearInterval(timer);
  };
}

/**
 * A job that a full disk makes fail every time it runs: the first failure is reported, the rest are
 * not (once a second would bury the log) until the job has succeeded again. Other errors still throw.
 */
function diskFullOnce(what: string, job: () => Promise<unknown>): () => Promise<unknown> {
  let reported = false;
  return async () => {
    try {
      const result = await job();
      if (reported) console.error(`${what}: succeeds again (disk space is back)`);
      reported = false;
      return result;
    } catch (err) {
      if (!isDiskFull(err)) throw err;
      if (!reported) console.error(`warning: ${what} failed, the disk is full; retrying quietly until it succeeds:`, (err as Error).message);
      reported = true;
      return undefined;
    }
  };
}

/** A start-up write that a full disk may refuse: the server starts anyway (reads and deletes work). */
async function unlessDiskFull(what: string, step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (err) {
    if (!isDiskFull(err)) throw err;
    console.error(`warning: ${what} skipped, the disk is full: ${(err as Error).message}`);
  }
}

function listeningMessage(config: Config, processes: string): string {
  const where = config.storage.backend === 'cluster'
    ? `cluster: metadata in PostgreSQL, bytes at ${config.storage.s3_endpoint}`
    : `data in ${resolve(config.server.data_dir)}`;
  return `Swiftlet listening on http://${config.server.host}:${config.server.port} (${processes}, ${where})`;
}

/** Which part of the metrics a process keeps: all of them alone, the workers' requests, or the primary's store figures and the sum. */
type MetricsRole = 'single' | 'worker' | 'primary';

/**
 * Starts the metrics a process keeps (none when `[metrics] listen` is empty) and, in the process
 * that serves them (single or primary), the listener. Returns the edge's request counter, if any.
 */
async function startMetrics(config: Config, rt: Runtime, role: MetricsRole): Promise<RequestObserver | undefined> {
  const listen = parseListen(config.metrics.listen);
  if (!listen) return undefined;
  const registry = new Registry();
  const observer = startRequestMetrics(registry);
  if (role === 'worker') {
    answerMetricsRequests(registry);
    return observer;
  }
  // The store's figures are read by the process that serves them, never summed over workers.
  registerStoreMetrics(registry, rt.services.meta, rt.services.blobs, rt.services.policies, {
    refreshSeconds: config.storage.backend === 'cluster' ? config.metrics.store_interval : 0,
    censusSeconds: config.metrics.orphan_census_interval,
    leads: () => rt.leads(),
  });
  await serveMetrics(listen.host, listen.port, metricsText(registry, role === 'primary'), registry.contentType);
  console.log(`Metrics on http://${config.metrics.listen}/metrics`);
  return role === 'single' ? observer : undefined;
}

/** The access log of a serving process, reopened on SIGHUP when it is a file (logrotate). */
function openAccessLog(config: Config): AccessLog | undefined {
  const log = AccessLog.open(config.logging);
  if (log && config.logging.access_log !== 'stdout') process.on('SIGHUP', () => log.reopen());
  return log;
}

export async function serve(config: Config): Promise<void> {
  const count = Math.max(1, config.server.workers);
  if (count === 1) return serveInOneProcess(config);
  if (cluster.isPrimary) {
    const rt = await openRuntime(config);
    await prepare(config, rt);
    const stopBackgroundJobs = await startBackgroundJobs(config, rt);
    await startMetrics(config, rt, 'primary');
    // logrotate signals the primary (its pid file): every worker reopens the access log.
    if (config.logging.access_log !== 'off' && config.logging.access_log !== 'stdout') {
      process.on('SIGHUP', () => { for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGHUP'); });
    }
    let listening = 0;
    let stopping = false;
    // libuv sizes its thread pool (where fsync, open and rename run) when the process starts, from
    // UV_THREADPOOL_SIZE; `npm start` sets 32 for the single process, workers get it here.
    const fork = () => cluster.fork({ SWIFTLET_WORKER: '1', UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '32' });
    cluster.on('listening', () => {
      listening++;
      if (listening === count) {
        console.log(listeningMessage(config, `${count} worker processes`));
      }
    });
    let exitWhenWorkersGone: (() => void) | undefined;
    cluster.on('exit', (worker, code, signal) => {
      if (stopping) {
        if (Object.keys(cluster.workers ?? {}).length === 0) exitWhenWorkersGone?.();
        return;
      }
      console.error(`worker ${worker.process.pid} exited (${signal ?? code}); starting a new one`);
      setTimeout(fork, 200);
    });
    for (let i = 0; i < count; i++) fork();
    const stop = () => {
      if (stopping) return;
      stopping = true;
      stopBackgroundJobs();
      // Workers finish their requests in flight (up to shutdown_timeout each); the primary waits for them.
      let closing = false;
      exitWhenWorkersGone = () => {
        if (closing) return;
        closing = true;
        void rt.close().finally(() => process.exit(0));
      };
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      if (Object.keys(cluster.workers ?? {}).length === 0) exitWhenWorkersGone();
      setTimeout(exitWhenWorkersGone, (config.server.shutdown_timeout + 10) * 1000).unref();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    return;
  }
  const rt = await openRuntime(config);
  const accessLog = openAccessLog(config);
  const counted = await startMetrics(config, rt, 'worker');
  const server = createSwiftServer(buildApp({ ...rt, ...(accessLog ? { accessLog } : {}) }), {
    clientTimeout: config.server.client_timeout, observe: observeAll([accessLog?.client, counted]), ...s3Edge(config),
  });
  server.listen(config.server.port, config.server.host);
  process.on('SIGTERM', () => closeWithDeadline(server, config.server.shutdown_timeout, () => process.exit(0)));
}

/** The S3 API's part at the edge (S3 is served unless identity is an external Keystone, as in app.ts). */
function s3Edge(config: Config): Pick<EdgeOptions, 'unknownMethod'> {
  return config.identity.mode === 'keystone' ? {} : { unknownMethod: s3UnknownMethod(config.s3) };
}

/**
 * Stops accepting, lets requests in flight finish, then calls `done`. After `deadlineSeconds` the
 * requests still running (a stalled upload, a slow reader) are cut: their connections close, which
 * fails their body reads, so nothing half-received is stored; `done` follows once their handlers
 * have unwound, or a few seconds later whatever they do.
 */
function closeWithDeadline(server: Server, deadlineSeconds: number, done: () => void): void {
  let finished = false;
  const finish = () => { if (!finished) { finished = true; done(); } };
  server.close(finish);
  server.closeIdleConnections();
  setTimeout(() => {
    console.error(`shutdown: requests still in flight after shutdown_timeout (${deadlineSeconds} s) are cut`);
    server.closeAllConnections();
    setTimeout(finish, 5000).unref();
  }, deadlineSeconds * 1000).unref();
}

async function serveInOneProcess(config: Config): Promise<void> {
  const rt = await openRuntime(config);
  await prepare(config, rt);
  const stopBackgroundJobs = await startBackgroundJobs(config, rt);
  const accessLog = openAccessLog(config);
  const counted = await startMetrics(config, rt, 'single');
  const server = createSwiftServer(buildApp({ ...rt, ...(accessLog ? { accessLog } : {}) }), {
    clientTimeout: config.server.client_timeout, observe: observeAll([accessLog?.client, counted]), ...s3Edge(config),
  });
  await new Promise<void>((listening, failed) => {
    server.once('error', failed);
    server.listen(config.server.port, config.server.host, () => listening());
  });
  console.log(listeningMessage(config, 'one process'));
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // Stop accepting, let requests in flight finish (up to shutdown_timeout), then close the databases.
    closeWithDeadline(server, config.server.shutdown_timeout, () => {
      stopBackgroundJobs();
      void rt.close().finally(() => process.exit(0));
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
