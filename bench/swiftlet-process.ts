/** A throw-away Swiftlet for benchmarks: fresh data directory, a user and a service user, stopped and removed after. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnServer } from './child-server.js';

/** A user and a service user, as `[[identity.users]]` entries (bench:bench, benchsvc:svc). */
export const SWIFTLET_USERS = `
[[identity.users]]
project = "bench"
name = "bench"
password = "bench"
roles = [".admin"]

[[identity.users]]
project = "benchsvc"
name = "svc"
password = "svc"
roles = ["service"]
`;

/** `extraToml`: more configuration, e.g. a `[storage]` section making it a cluster node. */
export async function startSwiftlet(port: number, workers?: number, extraToml = ''): Promise<{ pid: number; dataDir: string; stop(): Promise<void> }> {
  const data = mkdtempSync(join(tmpdir(), 'swiftlet-bench-'));
  const config = `${data}.toml`;
  writeFileSync(config, `${extraToml}\n${SWIFTLET_USERS}`);
  const cli = resolve(import.meta.dirname, '../src/cli/main.js');
  const child = await spawnServer('swiftlet', [cli, 'serve', '--port', String(port), '--data', data, '--config', config, ...(workers ? ['--workers', String(workers)] : [])],
    'Swiftlet listening', { ...process.env, UV_THREADPOOL_SIZE: process.env['UV_THREADPOOL_SIZE'] ?? '32' });
  return {
    pid: child.pid,
    dataDir: data,
    async stop() {
      await child.stop();
      rmSync(data, { recursive: true, force: true });
      rmSync(config, { force: true });
    },
  };
}

