/**
 * Cluster mode through HTTP: three Swiftlet nodes on two PostgreSQL shards and RGW serve the same
 * data; tokens and revocations cross nodes; concurrent writers of one object agree on the newest;
 * composite tokens work across nodes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { TestServer } from '../test/helpers/server.js';
import { call, login, type Session } from '../test/helpers/swift.js';
import { clusterSettings, startNodes, type ClusterSettings } from './helpers/cluster.js';

let settings: ClusterSettings;
let nodes: TestServer[];
before(async () => {
  settings = await clusterSettings('nodes');
  nodes = await startNodes(settings, 3);
});
after(async () => {
  for (const n of nodes ?? []) await n.stop();
  await settings?.drop();
});

/** The same storage URL on another node. */
const on = (node: TestServer, s: Session) => s.storageUrl.replace(/^http:\/\/[^/]+/, node.url);

test('an object written through one node reads back byte-exact through the others; listings and counts agree', async () => {
  const [a, b, c] = nodes as [TestServer, TestServer, TestServer];
  const s = await login(a.url, 'test:tester', 'testing');
  assert.equal((await call(`${s.storageUrl}/shared`, { method: 'PUT', token: s.token })).status, 201);
  const big = randomBytes(3 * 1024 * 1024 + 17);
  const put = await call(`${s.storageUrl}/shared/big`, { method: 'PUT', token: s.token, body: big });
  assert.equal(put.status, 201);
  assert.equal(put.headers.get('etag'), createHash('md5').update(big).digest('hex'));
  assert.equal((await call(`${on(b, s)}/shared/small`, { method: 'PUT', token: s.token, body: 'tiny' })).status, 201);
  for (const node of [a, b, c]) {
    const got = await call(`${on(node, s)}/shared/big`, { token: s.token });
    assert.equal(got.status, 200);
    assert.ok(got.bytes.equals(big), `byte-exact through ${node.url}`);
    const range = await call(`${on(node, s)}/shared/big`, { token: s.token, headers: { Range: 'bytes=1000-1009' } });
    assert.equal(range.status, 206);
    assert.ok(range.bytes.equals(big.subarray(1000, 1010)));
    assert.equal((await call(`${on(node, s)}/shared/small`, { token: s.token })).text, 'tiny');
    const listing = JSON.parse((await call(`${on(node, s)}/shared?format=json`, { token: s.token })).text) as { name: string; bytes: number }[];
    assert.deepEqual(listing.map((e) => [e.name, e.bytes]), [['big', big.length], ['small', 4]]);
    const head = await call(on(node, s), { method: 'HEAD', token: s.token });
    assert.equal(head.headers.get('x-account-object-count'), '2');
    assert.equal(head.headers.get('x-account-bytes-used'), String(big.length + 4));
  }
  // Deleted through one node, gone on all.
  assert.equal((await call(`${on(c, s)}/shared/small`, { method: 'DELETE', token: s.token })).status, 204);
  for (const node of [a, b, c]) assert.equal((await call(`${on(node, s)}/shared/small`, { token: s.token })).status, 404);
});

test('a token issued by one node is valid on every node; revoked on one, refused on the others within a second', async () => {
  const [a, b, c] = nodes as [TestServer, TestServer, TestServer];
  const issued = await fetch(`${a.url}/v3/auth/tokens`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'tester', domain: { id: 'default' }, password: 'testing' } } }, scope: { project: { name: 'test', domain: { id: 'default' } } } } }),
  });
  assert.equal(issued.status, 201);
  const token = issued.headers.get('x-subject-token') ?? '';
  const s = await login(a.url, 'test:tester', 'testing');
  for (const node of [a, b, c]) assert.equal((await call(on(node, s), { method: 'HEAD', token })).status, 204);

  const revoked = await fetch(`${a.url}/v3/auth/tokens`, { method: 'DELETE', headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } });
  assert.equal(revoked.status, 204);
  const since = Date.now();
  for (const node of [b, c]) {
    let status = 0;
    while (Date.now() - since < 1000) {
      status = (await call(on(node, s), { method: 'HEAD', token })).status;
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status, 401, `refused on ${node.url} within 1 s`);
  }
});

test('two nodes writing the same object at once: every node shows the newest, and counts stay exact', async () => {
  const [a, b, c] = nodes as [TestServer, TestServer, TestServer];
  const s = await login(a.url, 'test:tester', 'testing');
  assert.equal((await call(`${s.storageUrl}/race`, { method: 'PUT', token: s.token })).status, 201);
  for (let round = 0; round < 10; round++) {
    const bodies = [`from a ${round}`, `from b ${round}!`];
    await Promise.all([
      call(`${on(a, s)}/race/obj`, { method: 'PUT', token: s.token, body: bodies[0] }),
      call(`${on(b, s)}/race/obj`, { method: 'PUT', token: s.token, body: bodies[1] }),
    ]);
    const seen = await Promise.all([a, b, c].map(async (n) => (await call(`${on(n, s)}/race/obj`, { token: s.token })).text));
    assert.ok(bodies.includes(seen[0] ?? ''), seen[0]);
    assert.deepEqual(new Set(seen).size, 1, `all nodes agree: ${seen.join(' | ')}`);
  }
  const head = await call(`${on(c, s)}/race`, { method: 'HEAD', token: s.token });
  assert.equal(head.headers.get('x-container-object-count'), '1');
  const listing = JSON.parse((await call(`${on(b, s)}/race?format=json`, { token: s.token })).text) as { name: string; bytes: number }[];
  assert.equal(listing.length, 1);
  assert.equal(head.headers.get('x-container-bytes-used'), String(listing[0]?.bytes));
});

test('service accounts: user token on one node, service token from another, data on a third', async () => {
  const [a, b, c] = nodes as [TestServer, TestServer, TestServer];
  const user = await login(a.url, 'test:tester', 'testing');
  const service = await login(b.url, 'test5:tester5', 'testing5');
  const serviceUrl = `${on(c, user).replace('/AUTH_', '/SERVICE_')}`;
  assert.equal((await call(`${serviceUrl}/images`, { method: 'PUT', token: user.token, serviceToken: service.token })).status, 201);
  assert.equal((await call(`${serviceUrl}/images/i1`, { method: 'PUT', token: user.token, serviceToken: service.token, body: 'image' })).status, 201);
  assert.equal((await call(`${serviceUrl}/images/i1`, { token: user.token })).status, 403, 'the user token alone is not enough');
  assert.equal((await call(`${serviceUrl}/images/i1`, { token: service.token })).status, 403, 'nor the service token alone');
  assert.equal((await call(`${on(a, user).replace('/AUTH_', '/SERVICE_')}/images/i1`, { token: user.token, serviceToken: service.token })).text, 'image');
});
