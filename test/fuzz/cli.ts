/**
 * `npm run fuzz -- --seed N --requests M [--width W] [--url http://host:port]`: fuzzes a fresh server
 * (or a running one with --url, whose test:tester and test5:tester5 users must exist) and prints every
 * failure with the request that caused it. Exit code 1 when anything failed.
 */
import { startServer, type TestServer } from '../helpers/server.js';
import { login } from '../helpers/swift.js';
import { runFuzz, seedFixture } from './run.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const seed = Number(arg('seed', String(Date.now() % 1_000_000)));
const requests = Number(arg('requests', '2000'));
const width = Number(arg('width', '8'));
const given = arg('url', '');
let server: TestServer | undefined;
const url = given || (server = await startServer()).url;
const port = Number(new URL(url).port);
try {
  const user = (await login(url, 'test:tester', 'testing')).token;
  const service = (await login(url, 'test5:tester5', 'testing5')).token;
  if (!given) await seedFixture(url, { user, service });
  console.log(`fuzzing ${url}: seed ${seed}, ${requests} requests, ${width} at a time`);
  const result = await runFuzz({ url, port, seed, requests, width, tokens: { user, service }, onProgress: (n) => console.log(`  ${n} sent`) });
  console.log(`done in ${result.ms} ms; statuses: ${[...result.statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`);
  for (const f of result.failures) console.log(`FAIL ${f.label}: ${f.problem}`);
  if (result.failures.length && server) console.log(`server output (tail):\n${server.output().split('\n').slice(-40).join('\n')}`);
  process.exitCode = result.failures.length ? 1 : 0;
} finally {
  await server?.stop();
}
