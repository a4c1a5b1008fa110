/**
 * `npm run bench:compare [-- --swift-auth-url URL --swift-user U --swift-key K] [--duration S] [--rounds N] [--workloads a,b]`
 *
 * Starts a fresh Swiftlet and the trivial limit server on this machine, and runs every small-object
 * workload against them and (when given, e.g. the one-node Swift of ../shared/anchors/swift-saio)
 * OpenStack Swift, back to back for several rounds. Prints ops/s per target and the ratios
 * Swiftlet / Swift and Swiftlet / limit, with their spread over the rounds. Figures are only
 * meaningful as ratios measured in the same run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loginV1, SwiftClient } from '../src/client/swift-client.js';
import { startLimitServer } from './limit-server.js';
import { runWorkload, type WorkloadName } from './workloads.js';


async function startSwiftlet(port: number): Promise<{ stop(): Promise<void> }> {
  const data = mkdtempSync(join(tmpdir(), 'swiftlet-bench-'));
  const config = `${data}.toml`;
  writeFileSync(config, '[[identity.users]]\nproject = "bench"\nname = "bench"\npassword = "bench"\nroles = [".admin"]\n');
  const cli = resolve(import.meta.dirname, '../src/cli/main.js');
  const child = spawn(process.execPath, [cli, 'serve', '--port', String(port), '--data', data, '--config', config], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((ok, fail) => {
    child.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('Swiftlet listening')) ok(); });
    child.once('exit', (code) => fail(new Error(`swiftlet exited ${code}`)));
  });
  return {
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(data, { recursive: true, force: true });
      rmSync(config, { force: true });
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'swift-auth-url': { type: 'string' }, 'swift-user': { type: 'string', default: 'test:tester' }, 'swift-key': { type: 'string', default: 'testing' },
      duration: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, concurrency: { type: 'string', default: '16' },
      port: { type: 'string', default: '18480' },
      // `list` prefills 10 000 objects per target and round: minutes on OpenStack Swift; ask for it explicitly.
      workloads: { type: 'string', default: 'put-small,get-small,head,delete' },
    },
  });
  const WORKLOADS = (values.workloads ?? '').split(',') as WorkloadName[];
  const port = Number(values.port);
  const swiftlet = await startSwiftlet(port);
  const limit = await startLimitServer(port + 1, 4096);
  try {
    const targets: [string, SwiftClient][] = [
      ['swiftlet', new SwiftClient(await loginV1(`http://127.0.0.1:${port}/auth/v1.0`, 'bench:bench', 'bench'))],
      ['limit', new SwiftClient(await loginV1(`http://127.0.0.1:${port + 1}/auth/v1.0`, 'x', 'x'))],
    ];
    if (values['swift-auth-url']) {
      targets.push(['swift', new SwiftClient(await loginV1(values['swift-auth-url'], values['swift-user'] ?? '', values['swift-key'] ?? ''))]);
    }
    const results = new Map<string, number[]>();
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const w of WORKLOADS) {
        for (const [name, client] of targets) {
          const r = await runWorkload(w, { client, concurrency: Number(values.concurrency), durationSeconds: Number(values.duration), size: 4096, log: () => undefined });
          const key = `${w}/${name}`;
          results.set(key, [...(results.get(key) ?? []), r.ops / r.seconds]);
          console.error(`round ${round + 1} ${w.padEnd(10)} ${name.padEnd(8)} ${(r.ops / r.seconds).toFixed(1)} ops/s`);
        }
      }
    }
    console.log(`\nmachine: ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}; concurrency ${values.concurrency}, ${values.duration} s per run, ${values.rounds} rounds (median; min–max)`);
    console.log('| workload | Swiftlet ops/s | Swift ops/s | limit ops/s | Swiftlet / Swift | Swiftlet / limit |');
    console.log('|---|---|---|---|---|---|');
    for (const w of WORKLOADS) {
      const s = results.get(`${w}/swiftlet`) ?? [];
      const sw = results.get(`${w}/swift`) ?? [];
      const l = results.get(`${w}/limit`) ?? [];
      const range = (xs: number[]) => (xs.length ? `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})` : '–');
      const ratio = (a: number[], b: number[]) => (a.length && b.length ? `${(median(a) / median(b)).toFixed(2)}×` : '–');
      console.log(`| ${w} | ${range(s)} | ${range(sw)} | ${range(l)} | ${ratio(s, sw)} | ${ratio(s, l)} |`);
    }
  } finally {
    limit.close();
    await swiftlet.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`bench:compare failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
