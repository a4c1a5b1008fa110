/**
 * A bounded random fuzzer against a real server (fixed seed, so CI runs the same 2 000 requests every
 * time; `npm run fuzz -- --seed N --requests M` runs any other): random methods, paths with hostile
 * bytes, headers (Range, If-*, copy, manifests, symlinks, metadata, huge values), bodies, chunked
 * encodings and Content-Length shorter than the body. It fails on any 5xx, any connection closed
 * without an answer, any request left unanswered, or a server that is dead afterwards.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { login } from './helpers/swift.js';
import { runFuzz, seedFixture } from './fuzz/run.js';

const SEED = 19;
const REQUESTS = 2000;

let server: TestServer;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

test(`fuzz: seed ${SEED}, ${REQUESTS} requests, no 5xx, no dropped connection, server alive`, async () => {
  const user = (await login(server.url, 'test:tester', 'testing')).token;
  const service = (await login(server.url, 'test5:tester5', 'testing5')).token;
  await seedFixture(server.url, { user, service });
  const result = await runFuzz({ url: server.url, port: server.port, seed: SEED, requests: REQUESTS, tokens: { user, service } });
  const lines = result.failures.map((f) => `${f.label}: ${f.problem}`).join('\n');
  assert.equal(result.failures.length, 0, `${result.failures.length} failures (replay: npm run fuzz -- --seed ${SEED} --requests ${REQUESTS}):\n${lines}\n${server.output().split('\n').slice(-30).join('\n')}`);
  assert.equal(result.sent, REQUESTS);
});
