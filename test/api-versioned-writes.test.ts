/** Versioned writes (X-Versions-Location, X-History-Location) through HTTP, as Swift's legacy versioned_writes. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

let server: TestServer;
let s: Session; // owner of AUTH_test
let writer: Session; // test2:tester2, given a write ACL on the versioned containers only
let member: Session; // test:tester3, no role that grants anything

interface Entry { name: string; content_type: string; bytes: number }

async function req(path: string, init: Parameters<typeof call>[1] = {}, who: Session = s) {
  return call(`${s.storageUrl}${path}`, { token: who.token, ...init });
}

async function listing(container: string): Promise<Entry[]> {
  const res = await req(`/${container}?format=json`);
  assert.equal(res.status, 200);
  return JSON.parse(res.text) as Entry[];
}

const prefixOf = (name: string) => `${Buffer.byteLength(name).toString(16).padStart(3, '0')}${name}/`;

before(async () => {
  server = await startServer();
  s = await login(server.url, 'test:tester', 'testing');
  writer = await login(server.url, 'test2:tester2', 'testing2');
  member = await login(server.url, 'test:tester3', 'testing3');
  for (const c of ['archive', 'history']) assert.equal((await req(`/${c}`, { method: 'PUT' })).status, 201);
  assert.equal((await req('/docs', { method: 'PUT', headers: { 'X-Versions-Location': 'archive', 'X-Container-Write': 'test2:tester2', 'X-Container-Read': 'test2:tester2' } })).status, 201);
  assert.equal((await req('/logs', { method: 'PUT', headers: { 'X-History-Location': 'history' } })).status, 201);
});
after(async () => { await server.stop(); });

describe('setting the location', () => {
  test('the location is shown back under the header it was set with', async () => {
    assert.equal((await req('/docs', { method: 'HEAD' })).headers.get('x-versions-location'), 'archive');
    const logs = await req('/logs', { method: 'HEAD' });
    assert.equal(logs.headers.get('x-history-location'), 'history');
    assert.equal(logs.headers.get('x-versions-location'), null);
    assert.equal(logs.headers.get('x-container-sysmeta-versions-location'), null, 'sysmeta stays inside');
  });

  test('an empty value removes it; both headers at once → 400; a slash → 412; a non-owner → 403', async () => {
    assert.equal((await req('/scratch', { method: 'PUT', headers: { 'X-Versions-Location': 'archive' } })).status, 201);
    assert.equal((await req('/scratch', { method: 'POST', headers: { 'X-Versions-Location': '' } })).status, 204);
    assert.equal((await req('/scratch', { method: 'HEAD' })).headers.get('x-versions-location'), null);
    const both = await req('/scratch', { method: 'POST', headers: { 'X-Versions-Location': 'a', 'X-History-Location': 'b' } });
    assert.equal(both.status, 400);
    assert.equal(both.text, 'Only one of x-versions-location or x-history-location may be specified');
    assert.equal((await req('/scratch', { method: 'POST', headers: { 'X-Versions-Location': 'a/b' } })).status, 412);
    assert.equal((await req('/docs', { method: 'POST', headers: { 'X-Versions-Location': 'elsewhere' } }, writer)).status, 403);
    assert.equal((await req('/docs', { method: 'HEAD' })).headers.get('x-versions-location'), 'archive');
  });

  test('/info lists versioned_writes', async () => {
    const info = JSON.parse((await call(`${server.url}/info`)).text) as Record<string, unknown>;
    assert.deepEqual(info['versioned_writes'], { allowed_flags: ['x-versions-location', 'x-history-location'] });
  });
});

describe('stack mode (X-Versions-Location)', () => {
  test('each overwrite archives the previous version, with its type and metadata; DELETE pops them back', async () => {
    assert.equal((await req('/docs/report', { method: 'PUT', body: 'v1', headers: { 'Content-Type': 'text/v1', 'X-Object-Meta-Rev': 'one' } })).status, 201);
    assert.equal((await listing('archive')).length, 0, 'the first write has nothing to archive');
    assert.equal((await req('/docs/report', { method: 'PUT', body: 'v2', headers: { 'Content-Type': 'text/v2' } })).status, 201);
    assert.equal((await req('/docs/report', { method: 'PUT', body: 'v3', headers: { 'Content-Type': 'text/v3' } })).status, 201);
    const archived = await listing('archive');
    assert.deepEqual(archived.map((e) => e.content_type), ['text/v1', 'text/v2']);
    for (const e of archived) assert.match(e.name, new RegExp(`^${prefixOf('report')}\\d{10}\\.\\d{5}$`));
    const oldest = await req(`/archive/${archived[0]?.name ?? ''}`);
    assert.equal(oldest.text, 'v1');
    assert.equal(oldest.headers.get('x-object-meta-rev'), 'one');
    // A POST is not a new version.
    assert.equal((await req('/docs/report', { method: 'POST', headers: { 'X-Object-Meta-Note': 'x' } })).status, 202);
    assert.equal((await listing('archive')).length, 2);

    assert.equal((await req('/docs/report', { method: 'DELETE' })).status, 204);
    assert.equal((await req('/docs/report')).text, 'v2');
    assert.equal((await req('/docs/report', { method: 'DELETE' })).status, 204);
    const back = await req('/docs/report');
    assert.equal(back.text, 'v1');
    assert.equal(back.headers.get('content-type'), 'text/v1');
    assert.equal(back.headers.get('x-object-meta-rev'), 'one');
    assert.equal((await listing('archive')).length, 0);
    assert.equal((await req('/docs/report', { method: 'DELETE' })).status, 204);
    assert.equal((await req('/docs/report')).status, 404);
  });

  test('a user with a write ACL gets versions kept, but cannot read or delete the archive directly', async () => {
    assert.equal((await req('/docs/shared', { method: 'PUT', body: 'first' }, writer)).status, 201);
    assert.equal((await req('/docs/shared', { method: 'PUT', body: 'second' }, writer)).status, 201);
    const [version] = await listing('archive');
    assert.ok(version);
    assert.equal((await req(`/archive/${version.name}`, {}, writer)).status, 403);
    assert.equal((await req(`/archive/${version.name}`, { method: 'DELETE' }, writer)).status, 403);
    assert.equal((await req('/docs/shared', { method: 'DELETE' }, writer)).status, 204);
    assert.equal((await req('/docs/shared')).text, 'first');
    assert.equal((await listing('archive')).length, 0);
    assert.equal((await req('/docs/shared', { method: 'DELETE' }, writer)).status, 204);
  });

  test('a refused write or delete archives nothing and restores nothing', async () => {
    assert.equal((await req('/docs/guarded', { method: 'PUT', body: 'mine' })).status, 201);
    assert.equal((await req('/docs/guarded', { method: 'PUT', body: 'theirs' }, member)).status, 403);
    assert.equal((await listing('archive')).length, 0);
    assert.equal((await req('/docs/guarded', { method: 'PUT', body: 'mine again' })).status, 201);
    assert.equal((await listing('archive')).length, 1);
    assert.equal((await req('/docs/guarded', { method: 'DELETE' }, member)).status, 403);
    assert.equal((await req('/docs/guarded')).text, 'mine again');
    assert.equal((await listing('archive')).length, 1);
    // Clean up: pop and delete.
    assert.equal((await req('/docs/guarded', { method: 'DELETE' })).status, 204);
    assert.equal((await req('/docs/guarded', { method: 'DELETE' })).status, 204);
  });

  test('COPY onto a versioned object archives it too', async () => {
    assert.equal((await req('/docs/target', { method: 'PUT', body: 'before copy' })).status, 201);
    assert.equal((await req('/history/source', { method: 'PUT', body: 'copied in' })).status, 201);
    assert.equal((await req('/history/source', { method: 'COPY', headers: { Destination: 'docs/target' } })).status, 201);
    assert.equal((await req('/docs/target')).text, 'copied in');
    const [version] = await listing('archive');
    assert.equal((await req(`/archive/${version?.name ?? ''}`)).text, 'before copy');
    assert.equal((await req('/docs/target', { method: 'DELETE' })).status, 204);
    assert.equal((await req('/docs/target')).text, 'before copy');
    assert.equal((await req('/docs/target', { method: 'DELETE' })).status, 204);
    assert.equal((await req('/history/source', { method: 'DELETE' })).status, 204);
  });
});

describe('history mode (X-History-Location)', () => {
  test('DELETE archives the object and a delete marker, and the object is gone', async () => {
    assert.equal((await req('/logs/app.log', { method: 'PUT', body: 'day 1', headers: { 'Content-Type': 'text/x-log' } })).status, 201);
    assert.equal((await req('/logs/app.log', { method: 'PUT', body: 'day 2', headers: { 'Content-Type': 'text/x-log' } })).status, 201);
    assert.equal((await req('/logs/app.log', { method: 'DELETE' })).status, 204);
    assert.equal((await req('/logs/app.log')).status, 404);
    const history = await listing('history');
    assert.deepEqual(history.map((e) => [e.content_type, e.bytes]), [
      ['text/x-log', 5], ['text/x-log', 5], ['application/x-deleted;swift_versions_deleted=1', 0],
    ]);
    const texts = await Promise.all(history.slice(0, 2).map(async (e) => (await req(`/history/${e.name}`)).text));
    assert.deepEqual(texts, ['day 1', 'day 2']);
  });
});
