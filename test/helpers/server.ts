/**
 * Starts a real Swiftlet (the `swiftlet serve` CLI, as users run it) on a free loopback port with a
 * fresh data directory and a config declaring tempauth-style test users, and stops it by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CLI = resolve(import.meta.dirname, '../../src/cli/main.js');

/** The child processes of `pid` (a server's workers), from /proc; none once it is gone. */
export function childPids(pid: number): number[] {
  const tasks = `/proc/${pid}/task`;
  if (!existsSync(tasks)) return [];
  const out: number[] = [];
  for (const t of readdirSync(tasks)) {
    const file = join(tasks, t, 'children');
    if (!existsSync(file)) continue;
    for (const p of readFileSync(file, 'utf8').trim().split(/\s+/)) if (p) out.push(Number(p));
  }
  return out;
}

/** Users every test server knows: tempauth-style, like Swift's functional-test SAIO. */
export const TEST_USERS_TOML = `
[[identity.users]]
project = "test"
name = "tester"
password = "testing"
roles = [".admin"]

[[identity.users]]
project = "test"
name = "tester3"
password = "testing3"
roles = ["member"]

[[identity.users]]
project = "test2"
name = "tester2"
password = "testing2"
roles = [".admin"]

[[identity.users]]
project = "test5"
name = "tester5"
password = "testing5"
roles = [".service"]

[[identity.users]]
project = "test6"
name = "tester6"
password = "testing6"
roles = [".reseller_admin"]
`;

/** An auditor holding `svc_auditor` on its own project (the tests make it a SERVICE_ reader role, D6). */
export const AUDITOR_USER_TOML = `
[[identity.users]]
project = "audit"
name = "auditor"
password = "auditpw"
roles = ["svc_auditor"]
`;

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
    srv.on('error', reject);
  });
}

export interface TestServer {
  url: string;
  port: number;
  dataDir: string;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
  /** kill -9, keeping the data directory (crash tests). */
  kill(): Promise<void>;
}

export interface StartOptions {
  extraToml?: string;
  /** More `[[identity.users]]` entries, appended after the standard test users. */
  extraUsersToml?: string;
  workers?: number;
  dataDir?: string;
  env?: Record<string, string>;
  keepData?: boolean;
  /** Listen on this port (known before the start, e.g. for another server's config); default: a free one. */
  port?: number;
}

/**
 * `SWIFTLET_TEST_BACKEND=cluster`: every test server is a cluster node of its own, on fresh databases
 * on the PostgreSQL shard servers and a fresh bucket on RGW (scripts/postgres, scripts/ceph must be
 * running), so a suite written for the embedded store runs unchanged against the cluster backend
 * (`.ci/run` runs the real-client tier this way). Returns the [storage] TOML and the clean-up.
 */
async function backendToml(): Promise<{ toml: string; drop: () => Promise<void> }> {
  if (process.env['SWIFTLET_TEST_BACKEND'] !== 'cluster') return { toml: '', drop: async () => undefined };
  const { clusterSettings, storageToml } = await import('../../test-cluster/helpers/cluster.js');
  const settings = await clusterSettings('t');
  return { toml: storageToml(settings), drop: () => settings.drop() };
}

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'swiftlet-test-'));
  const configFile = join(dataDir, '..', `${dataDir.split('/').pop() ?? 'x'}.toml`);
  const backend = await backendToml();
  writeFileSync(configFile, `${backend.toml}\n${options.extraToml ?? ''}\n[identity]\nadmin_password = "adminpw"\n${TEST_USERS_TOML}\n${options.extraUsersToml ?? ''}`);
  const port = options.port ?? await freePort();
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--data', dataDir,
    '--workers', String(options.workers ?? 1), '--config', configFile], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 90 s:\n${out}`)), 90_000);
    const check = () => {
      if (out.includes('Swiftlet listening')) { clearTimeout(timer); resolveReady(); }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${out}`)); });
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    process: child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
      rmSync(configFile, { force: true });
      await backend.drop();
    },
    async kill() {
      // The whole process group would include workers; kill the primary and its workers by PID.
      child.kill('SIGKILL');
      await exited;
    },
  };
}
