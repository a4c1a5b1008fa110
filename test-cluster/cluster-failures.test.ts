/**
 * What clients see when an engine behind a cluster node goes away (the link cut by a relay, as a
 * dead server or a network failure looks to the node): 503 with a clear body, never a 404 for an
 * object that was stored, never a hang; and normal answers again within seconds of its return, with
 * nothing acknowledged lost.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { TestServer } from '../test/helpers/server.js';
import { call, login, type Session } from '../test/helpers/swift.js';
import { clusterSettings, startNodes, type ClusterSettings } from './helpers/cluster.js';
import { TcpCut, throughCut } from './helpers/tcp-cut.js';

let settings: ClusterSettings;
let node: TestServer;
const relays: TcpCut[] = [];
let s3Relay: TcpCut;
let s: Session;
const stored = randomBytes(200 * 1024); // above the inline limit: its bytes live in the S3 service

before(async () => {
  settings = await clusterSettings('failures');
  for (const url of settings.shardUrls) {
    const u = new URL(url);
    const relay = new TcpCut(u.hostname, Number(u.port));
    await relay.open();
    relays.push(relay);
  }
  const s3 = new URL(settings.s3.endpoint);
  s3Relay = new TcpCut(s3.hostname, Number(s3.port || 80));
  await s3Relay.open();
  [node] = await startNodes(settings, 1, {}, {
    shardUrls: settings.shardUrls.map((url, i) => {
      const relay = relays[i];
      if (!relay) throw new Error('no relay');
      return `${throughCut(url.replace(/\/[^/]*$/, ''), relay)}${new URL(url).pathname}`;
    }),
    s3Endpoint: throughCut(settings.s3.endpoint, s3Relay),
  }) as [TestServer];
  s = await login(node.url, 'test:tester', 'testing');
  assert.equal((await call(`${s.storageUrl}/kept`, { method: 'PUT', token: s.token })).status, 201);
  assert.equal((await call(`${s.storageUrl}/kept/big`, { method: 'PUT', token: s.token, body: stored })).status, 201);
  assert.equal((await call(`${s.storageUrl}/kept/small`, { method: 'PUT', token: s.token, body: 'inline' })).status, 201);
});
after(async () => {
  if (node && node.process.exitCode !== null) console.error(`node exited early:\n${node.output()}`);
  await node?.stop();
  for (const r of [...relays, s3Relay]) await r?.cut();
  await settings?.drop();
});

/** Polls until `check` passes or `ms` runs out; returns whether it passed. */
async function within(ms: number, check: () => Promise<boolean>): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

test('S3 service unreachable: a stored object answers 503 (never 404), a write 503; back within seconds, nothing lost', async () => {
  await s3Relay.cut();
  try {
    const started = Date.now();
    const get = await call(`${s.storageUrl}/kept/big`, { token: s.token });
    assert.equal(get.status, 503);
    assert.match(get.text, /Storage backend unavailable \(S3\)/);
    const put = await call(`${s.storageUrl}/kept/new`, { method: 'PUT', token: s.token, body: randomBytes(100 * 1024) });
    assert.equal(put.status, 503);
    assert.ok(Date.now() - started < 30_000, 'answered, not hung');
    // Metadata and inline objects need no S3: they are still served.
    assert.equal((await call(`${s.storageUrl}/kept/small`, { token: s.token })).text, 'inline');
    assert.equal((await call(`${s.storageUrl}/kept/new`, { token: s.token })).status, 404, 'the refused write is not visible');
  } finally {
    await s3Relay.open();
  }
  assert.ok(await within(10_000, async () => (await call(`${s.storageUrl}/kept/big`, { token: s.token })).status === 200));
  assert.ok((await call(`${s.storageUrl}/kept/big`, { token: s.token })).bytes.equals(stored));
});

test('PostgreSQL unreachable: 503 with a clear body, not a hang and not a wrong answer; back within seconds', async () => {
  for (const r of relays) await r.cut();
  try {
    const started = Date.now();
    for (const [method, path] of [['GET', '/kept/big'], ['HEAD', '/kept'], ['PUT', '/kept/during'], ['GET', '']] as const) {
      const res = await call(`${s.storageUrl}${path}`, { method, token: s.token, ...(method === 'PUT' ? { body: 'x' } : {}) });
      assert.equal(res.status, 503, `${method} ${path}`);
      if (method !== 'HEAD') assert.match(res.text, /Storage backend unavailable \(PostgreSQL shard \d\)/);
    }
    assert.ok(Date.now() - started < 60_000, 'answered within the timeouts');
  } finally {
    for (const r of relays) await r.open();
  }
  assert.ok(await within(15_000, async () => (await call(`${s.storageUrl}/kept/big`, { token: s.token })).status === 200), 'serving again');
  assert.ok((await call(`${s.storageUrl}/kept/big`, { token: s.token })).bytes.equals(stored));
  assert.equal((await call(`${s.storageUrl}/kept/during`, { token: s.token })).status, 404);
  const listing = JSON.parse((await call(`${s.storageUrl}/kept?format=json`, { token: s.token })).text) as { name: string }[];
  assert.deepEqual(listing.map((e) => e.name), ['big', 'small']);
});

test('a node started while the S3 service is unreachable comes up, serves metadata and inline objects, and stores bytes once S3 is back', async () => {
  const s3 = new URL(settings.s3.endpoint);
  const lateRelay = new TcpCut(s3.hostname, Number(s3.port || 80));
  relays.push(lateRelay); // closed in after()
  await lateRelay.open(); // picks its port
  await lateRelay.cut(); // the node starts with S3 refusing connections
  const [late] = await startNodes(settings, 1, {}, { s3Endpoint: throughCut(settings.s3.endpoint, lateRelay) }) as [TestServer];
  try {
    assert.match(late.output(), /not reachable at start/);
    const t = await login(late.url, 'test:tester', 'testing');
    assert.equal((await call(`${t.storageUrl}/kept/small`, { token: t.token })).text, 'inline');
    const big = await call(`${t.storageUrl}/kept/big`, { token: t.token });
    assert.equal(big.status, 503, 'bytes in S3 are unavailable, never missing');
    const body = randomBytes(150 * 1024);
    assert.equal((await call(`${t.storageUrl}/kept/late`, { method: 'PUT', token: t.token, body })).status, 503);
    await lateRelay.open();
    assert.ok(await within(10_000, async () => (await call(`${t.storageUrl}/kept/late`, { method: 'PUT', token: t.token, body })).status === 201));
    assert.ok((await call(`${t.storageUrl}/kept/late`, { token: t.token })).bytes.equals(body));
    assert.ok((await call(`${t.storageUrl}/kept/big`, { token: t.token })).bytes.equals(stored));
  } finally {
    await late.stop();
  }
});
