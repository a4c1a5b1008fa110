/**
 * A node killed with SIGKILL during 64 concurrent uploads through haproxy: every upload that got a
 * 2xx reads back byte-exact from the survivors, nothing partial is listed, and counts equal listings.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { TestServer } from '../test/helpers/server.js';
import { call, login } from '../test/helpers/swift.js';
import { clusterSettings, startNodes, type ClusterSettings } from './helpers/cluster.js';
import { startHaproxy, type FrontDoor } from './helpers/haproxy.js';

let settings: ClusterSettings;
let nodes: TestServer[];
let door: FrontDoor;
before(async () => {
  settings = await clusterSettings('death');
  nodes = await startNodes(settings, 3);
  door = await startHaproxy(nodes.map((n) => n.port));
});
after(async () => {
  await door?.stop();
  for (const n of nodes ?? []) await n.stop();
  await settings?.drop();
});

test('kill -9 of one node during 64 concurrent uploads: acknowledged uploads survive whole, nothing partial listed', async (t) => {
  const s = await login(door.url, 'test:tester', 'testing');
  assert.equal((await call(`${s.storageUrl}/uploads`, { method: 'PUT', token: s.token })).status, 201);
  // Sizes around the inline limit and well above it (bytes in RGW, some as multipart).
  const bodies = Array.from({ length: 64 }, (_, i) => randomBytes(i % 4 === 0 ? 20 * 1024 * 1024 : (i % 4) * 300 * 1024 + 1000));
  const victim = nodes[1] as TestServer;
  const uploads = bodies.map(async (body, i) => {
    try {
      const res = await call(`${s.storageUrl}/uploads/o${i}`, { method: 'PUT', token: s.token, body });
      return res.status;
    } catch {
      return 0; // the connection died with the node
    }
  });
  await new Promise((r) => setTimeout(r, 700));
  await victim.kill();
  const statuses = await Promise.all(uploads);
  const acknowledged = statuses.flatMap((st, i) => (st === 201 ? [i] : []));
  assert.ok(acknowledged.length > 0, 'some uploads were acknowledged');
  t.diagnostic(`${acknowledged.length} of 64 uploads acknowledged; the others failed with the node (${statuses.filter((x) => x !== 201).join(' ')})`);

  for (const i of acknowledged) {
    const got = await call(`${s.storageUrl}/uploads/o${i}`, { token: s.token });
    assert.equal(got.status, 200, `o${i}`);
    assert.equal(createHash('md5').update(got.bytes).digest('hex'), createHash('md5').update(bodies[i] ?? Buffer.alloc(0)).digest('hex'), `o${i} byte-exact`);
  }
  const listing = JSON.parse((await call(`${s.storageUrl}/uploads?format=json`, { token: s.token })).text) as { name: string; bytes: number; hash: string }[];
  for (const entry of listing) {
    const i = Number(entry.name.slice(1));
    const body = bodies[i] ?? Buffer.alloc(0);
    assert.equal(entry.bytes, body.length, `${entry.name} listed whole`);
    assert.equal(entry.hash, createHash('md5').update(body).digest('hex'));
  }
  for (const i of acknowledged) assert.ok(listing.some((e) => e.name === `o${i}`), `o${i} listed`);
  const head = await call(`${s.storageUrl}/uploads`, { method: 'HEAD', token: s.token });
  assert.equal(head.headers.get('x-container-object-count'), String(listing.length));
  assert.equal(head.headers.get('x-container-bytes-used'), String(listing.reduce((n, e) => n + e.bytes, 0)));
});
