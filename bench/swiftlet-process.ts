/** A throw-away Swiftlet for benchmarks: fresh data directory, a user and a service user, stopped and removed after. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SWIFTLET_USERS = `
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

export async function startSwiftlet(port: number, workers?: number): Promise<{ pid: number; dataDir: string; stop(): Promise<void> }> {
  const data = mkdtempSync(join(tmpdir(), 'swiftlet-bench-'));
  const config = `${data}.toml`;
  writeFileSync(config, SWIFTLET_USERS);
  const cli = resolve(import.meta.dirname, '../src/cli/main.js');
  const child = spawn(process.execPath, [cli, 'serve', '--port', String(port), '--data', data, '--config', config, ...(workers ? ['--workers', String(workers)] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, UV_THREADPOOL_SIZE: process.env['UV_THREADPOOL_SIZE'] ?? '32' } });
  await new Promise<void>((ok, fail) => {
    child.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('Swiftlet listening')) ok(); });
    child.once('exit', (code) => fail(new Error(`swiftlet exited ${code}`)));
  });
  return {
    pid: child.pid ?? 0,
    dataDir: data,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(data, { recursive: true, force: true });
      rmSync(config, { force: true });
    },
  };
}

