/**
 * Prometheus metrics through HTTP: a real `swiftlet serve` with `[metrics] listen`, scraped while a
 * workload runs and after it; the counters must move by exactly what was sent. With two workers the
 * figures are the sum over both (the primary gathers them), not one worker's share.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';
import { promSample } from './helpers/prometheus.js';

/** The value of the sample `name` whose labels include `labels`; 0 when there is none. */
const sample = (text: string, name: string, labels: Record<string, string> = {}): number => promSample(text, name, labels) ?? 0;

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  return res.text();
}

const N = 12;
const K = 1500;

for (const workers of [1, 2]) {
  describe(`metrics with ${workers} worker process${workers > 1 ? 'es' : ''}`, () => {
    let server: TestServer;
    let metricsPort: number;
    let s: Session;
    before(async () => {
      metricsPort = await freePort();
      server = await startServer({ workers, extraToml: `[metrics]\nlisten = "127.0.0.1:${metricsPort}"\n` });
      s = await login(server.url, 'test:tester', 'testing');
      assert.equal((await call(`${s.storageUrl}/m`, { method: 'PUT', token: s.token })).status, 201);
    });
    after(async () => { await server.stop(); });

    test(`${N} PUTs and GETs of ${K} bytes move the counters by exactly that, scraped during and after`, async () => {
      const PUT = { method: 'PUT', resource: 'object', status: '201' };
      const GET = { method: 'GET', resource: 'object', status: '200' };
      const before = await scrape(metricsPort);
      const body = Buffer.alloc(K, 'm');
      // Separate connections (Connection: close), so that with two workers both serve some.
      const headers = { Connection: 'close' };
      const scrapes: Promise<string>[] = [];
      await Promise.all(Array.from({ length: N }, async (_, i) => {
        if (i % 4 === 0) scrapes.push(scrape(metricsPort));
        const res = await call(`${s.storageUrl}/m/o${i}`, { method: 'PUT', token: s.token, body, headers });
        assert.equal(res.status, 201);
      }));
      await Promise.all(Array.from({ length: N }, async (_, i) => {
        const res = await call(`${s.storageUrl}/m/o${i}`, { token: s.token, headers });
        assert.equal(res.bytes.length, K);
      }));
      for (const during of await Promise.all(scrapes)) assert.ok(sample(during, 'swiftlet_requests_total', PUT) >= sample(before, 'swiftlet_requests_total', PUT));
      const afterText = await scrape(metricsPort);
      const delta = (name: string, labels: Record<string, string>) => sample(afterText, name, labels) - sample(before, name, labels);
      assert.equal(delta('swiftlet_requests_total', PUT), N);
      assert.equal(delta('swiftlet_requests_total', GET), N);
      assert.equal(delta('swiftlet_received_bytes_total', { method: 'PUT', resource: 'object' }), N * K);
      assert.equal(delta('swiftlet_sent_bytes_total', { method: 'GET', resource: 'object' }), N * K);
      assert.equal(delta('swiftlet_request_duration_seconds_count', { method: 'PUT', resource: 'object' }), N);
      assert.ok(delta('swiftlet_request_duration_seconds_sum', { method: 'GET', resource: 'object' }) > 0);
      // Read from the store at the scrape, once (not once per worker).
      assert.equal(sample(afterText, 'swiftlet_stored_objects', { prefix: 'AUTH_', policy: 'Policy-0' }), N);
      assert.equal(sample(afterText, 'swiftlet_stored_bytes', { prefix: 'AUTH_', policy: 'Policy-0' }), N * K);
      assert.equal(sample(afterText, 'swiftlet_stored_containers', { prefix: 'AUTH_', policy: 'Policy-0' }), 1);
      // Metadata commits, their WAL flushes, the token cache, the process.
      assert.ok(delta('swiftlet_commit_batch_size_count', {}) >= 1);
      assert.ok(delta('swiftlet_commit_batch_size_sum', {}) >= N, 'every PUT is in some commit batch');
      assert.ok(delta('swiftlet_wal_flush_seconds_count', {}) >= 1);
      assert.ok(delta('swiftlet_token_cache_total', { result: 'hit' }) + delta('swiftlet_token_cache_total', { result: 'miss' }) >= 2 * N);
      assert.ok(sample(afterText, 'process_resident_memory_bytes') > 0);
      assert.match(afterText, /^nodejs_eventloop_lag_seconds /m);
      assert.equal(sample(afterText, 'swiftlet_expirer_backlog_objects'), 0);
    });

    test('errors are counted by status, identity requests apart', async () => {
      const before = await scrape(metricsPort);
      assert.equal((await call(`${s.storageUrl}/m/missing`, { token: s.token })).status, 404);
      assert.equal((await call(`${s.storageUrl}/m/o0`)).status, 401);
      await login(server.url, 'test:tester', 'testing');
      const afterText = await scrape(metricsPort);
      const delta = (labels: Record<string, string>) => sample(afterText, 'swiftlet_requests_total', labels) - sample(before, 'swiftlet_requests_total', labels);
      assert.equal(delta({ method: 'GET', resource: 'object', status: '404' }), 1);
      assert.equal(delta({ method: 'GET', resource: 'object', status: '401' }), 1);
      assert.equal(delta({ method: 'GET', resource: 'identity', status: '200' }), 1);
    });

    test('the metrics listener answers /metrics only', async () => {
      assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/`)).status, 404);
      assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { method: 'POST' })).status, 405);
    });
  });
}

describe('metrics off (the default)', () => {
  test('no metrics listener is started', async () => {
    const server = await startServer();
    try {
      assert.ok(!server.output().includes('Metrics on'));
    } finally {
      await server.stop();
    }
  });
});
