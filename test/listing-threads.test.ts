/**
 * Container listings rendered on listing threads (`[server] listing_threads`, 1 by default) are the
 * same bytes as listings rendered on the event loop, and show every write acknowledged before them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';
import { SqliteListingThreads } from '../src/storage/sqlite/listing-threads.js';

let threaded: TestServer;
let onLoop: TestServer;
let a: Session;
let b: Session;
before(async () => {
  threaded = await startServer({ keepData: true });
  // A second server on the same data directory, rendering listings on its event loop.
  onLoop = await startServer({ dataDir: threaded.dataDir, extraToml: '[server]\nlisting_threads = 0\n' });
  a = await login(threaded.url, 'test:tester', 'testing');
  b = await login(onLoop.url, 'test:tester', 'testing');
});
after(async () => {
  await onLoop.stop();
  await threaded.stop();
});

test('a listing thread writes the same bytes as the event loop, in every format and with every option', async () => {
  const c = `${a.storageUrl}/same-bytes`;
  assert.equal((await call(c, { method: 'PUT', token: a.token })).status, 201);
  const put = async (name: string, body: string, headers: Record<string, string> = {}) =>
    assert.equal((await call(`${c}/${encodeURIComponent(name)}`, { method: 'PUT', token: a.token, body, headers })).status, 201, name);
  for (const name of ['plain', 'caf\u00e9/\u2603', 'dir/a', 'dir/b', 'dir/sub/c', 'q"uote', 'tab\there', '\u{1F600}']) await put(name, name);
  await put('with-meta', 'm', { 'x-object-meta-colour': 'blue', 'content-type': 'text/plain;charset=utf-8' });
  await put('seg/1', 'x');
  await put('seg/2', 'y');
  const manifest = JSON.stringify([{ path: '/same-bytes/seg/1' }, { path: '/same-bytes/seg/2' }]);
  assert.equal((await call(`${c}/slo?multipart-manifest=put`, { method: 'PUT', token: a.token, body: manifest })).status, 201);

  for (const format of ['json', 'xml', 'plain']) {
    for (const query of ['', '&delimiter=/', '&prefix=dir/', '&path=dir', '&reverse=true&limit=3', '&marker=dir/a&end_marker=tab', '&prefix=nothing']) {
      const q = `?format=${format}${query}`;
      const [x, y] = await Promise.all([call(`${c}${q}`, { token: a.token }), call(`${b.storageUrl}/same-bytes${q}`, { token: b.token })]);
      assert.equal(x.status, y.status, q);
      assert.equal(x.headers.get('content-type'), y.headers.get('content-type'), q);
      assert.equal(x.text, y.text, q);
    }
  }
  const json = (await call(`${c}?format=json&prefix=slo`, { token: a.token })).text;
  assert.match(json, /"bytes": 2, .*"slo_etag": /, 'the SLO shows its total size and slo_etag');
});

test('a listing shows every write acknowledged before it', async () => {
  const c = `${a.storageUrl}/fresh`;
  assert.equal((await call(c, { method: 'PUT', token: a.token })).status, 201);
  const names = async () => (await call(`${c}?format=json`, { token: a.token })).text;
  for (let i = 0; i < 25; i++) {
    assert.equal((await call(`${c}/o${i}`, { method: 'PUT', token: a.token, body: 'x' })).status, 201);
    assert.match(await names(), new RegExp(`"name": "o${i}"`), `o${i} after its PUT`);
    assert.equal((await call(`${c}/o${i}`, { method: 'DELETE', token: a.token })).status, 204);
    assert.equal(await names(), '[]', `o${i} after its DELETE`);
  }
});

test('a listing thread that cannot read the database fails its listing instead of hanging', async () => {
  const threads = new SqliteListingThreads('/nonexistent/swiftlet.db', 1);
  const request = { account: 'AUTH_x', container: 'c', options: { limit: 10 }, format: 'json' as const };
  try {
    await assert.rejects(threads.render(request), /listing thread|unable to open|directory does not exist/i);
    // The next listing gets a thread of its own, which fails the same way: nothing is left pending.
    await assert.rejects(threads.render(request));
  } finally {
    await threads.close();
  }
});
