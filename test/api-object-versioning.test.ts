/** Object versioning (X-Versions-Enabled, ?version-id, ?versions) through HTTP, as Swift 2.30's object_versioning. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

let server: TestServer;
let s: Session; // owner of AUTH_test
let reader: Session; // test:tester3: no role that grants anything; given a read ACL where a test says so
let stranger: Session; // test2:tester2, owner of another account

interface Version { name: string; version_id: string; is_latest: boolean; bytes: number; hash: string; content_type: string }

const DELETE_MARKER = 'application/x-deleted;swift_versions_deleted=1';
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

async function req(path: string, init: Parameters<typeof call>[1] = {}, who: Session = s) {
  return call(`${s.storageUrl}${path}`, { token: who.token, ...init });
}

async function put(path: string, body: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await req(path, { method: 'PUT', body, headers });
  assert.equal(res.status, 201, res.text);
  const id = res.headers.get('x-object-version-id');
  assert.match(id ?? '', /^\d{10}\.\d{5}$/, 'a versioned PUT names its version');
  return id ?? '';
}

async function versions(container: string, query = ''): Promise<Version[]> {
  const res = await req(`/${container}?versions&format=json${query}`);
  assert.equal(res.status, 200, res.text);
  return JSON.parse(res.text) as Version[];
}

before(async () => {
  server = await startServer();
  s = await login(server.url, 'test:tester', 'testing');
  reader = await login(server.url, 'test:tester3', 'testing3');
  stranger = await login(server.url, 'test2:tester2', 'testing2');
});
after(async () => { await server.stop(); });

describe('enabling', () => {
  test('X-Versions-Enabled is shown back; false suspends; /info lists object_versioning', async () => {
    assert.equal((await req('/flag', { method: 'PUT', headers: { 'X-Versions-Enabled': 'true' } })).status, 201);
    assert.equal((await req('/flag', { method: 'HEAD' })).headers.get('x-versions-enabled'), 'True');
    assert.equal((await req('/flag', { method: 'POST', headers: { 'X-Versions-Enabled': 'false' } })).status, 204);
    const head = await req('/flag', { method: 'HEAD' });
    assert.equal(head.headers.get('x-versions-enabled'), 'False');
    assert.equal(head.headers.get('x-container-sysmeta-versions-enabled'), null, 'sysmeta stays inside');
    const info = JSON.parse((await call(`${server.url}/info`)).text) as Record<string, unknown>;
    assert.deepEqual(info['object_versioning'], {});
  });

  test('the versions container is hidden from account listings and from clients', async () => {
    assert.equal((await req('/hidden', { method: 'PUT', headers: { 'X-Versions-Enabled': 'true' } })).status, 201);
    const names = (await req('?format=json')).text;
    assert.ok((JSON.parse(names) as { name: string }[]).some((c) => c.name === 'hidden'));
    assert.ok(!names.includes('versions'), names);
    const plain = (await req('')).text.split('\n');
    assert.ok(plain.every((n) => !n.startsWith('\u0000')));
    // A client cannot name it: a NUL in a path is refused before anything else.
    assert.equal((await req('/%00versions%00hidden')).status, 412);
    assert.equal((await req('/%00versions%00hidden/x', { method: 'PUT', body: 'x' })).status, 412);
  });

  test('only those who may write the container may enable it; legacy versioning excludes it', async () => {
    assert.equal((await req('/guarded', { method: 'PUT' })).status, 201);
    assert.equal((await req('/guarded', { method: 'POST', headers: { 'X-Versions-Enabled': 'true' } }, reader)).status, 403);
    assert.equal((await req('/guarded', { method: 'POST', headers: { 'X-Versions-Enabled': 'true' } }, stranger)).status, 403);
    assert.equal((await req('/guarded', { method: 'HEAD' })).headers.get('x-versions-enabled'), null);
    assert.equal((await req('/legacy', { method: 'PUT', headers: { 'X-Versions-Location': 'guarded' } })).status, 201);
    const both = await req('/legacy', { method: 'POST', headers: { 'X-Versions-Enabled': 'true' } });
    assert.equal(both.status, 400);
    assert.match(both.text, /legacy versioned writes/);
  });
});

describe('writing and reading versions', () => {
  before(async () => {
    assert.equal((await req('/docs', { method: 'PUT', headers: { 'X-Versions-Enabled': 'true' } })).status, 201);
  });

  test('each PUT is a version; GET serves the latest and names it; ?version-id serves any', async () => {
    const v1 = await put('/docs/report', 'first', { 'Content-Type': 'text/one', 'X-Object-Meta-Rev': '1' });
    const v2 = await put('/docs/report', 'second!', { 'Content-Type': 'text/two', 'X-Object-Meta-Rev': '2' });
    assert.notEqual(v1, v2);
    const latest = await req('/docs/report');
    assert.equal(latest.text, 'second!');
    assert.equal(latest.headers.get('x-object-version-id'), v2);
    assert.equal(latest.headers.get('etag'), md5('second!'));
    assert.equal(latest.headers.get('content-location'), `/v1/AUTH_test/docs/report?version-id=${v2}`);
    const old = await req(`/docs/report?version-id=${v1}`);
    assert.equal(old.status, 200);
    assert.equal(old.text, 'first');
    assert.equal(old.headers.get('content-type'), 'text/one');
    assert.equal(old.headers.get('x-object-meta-rev'), '1');
    assert.equal(old.headers.get('x-object-version-id'), v1);
    assert.equal((await req(`/docs/report?version-id=${v1}`, { method: 'HEAD' })).headers.get('content-length'), '5');
  });

  test('?versions lists every version newest first, with is_latest; the plain listing shows the current one', async () => {
    const v1 = await put('/docs/list-me', 'aa', { 'Content-Type': 'text/a' });
    const v2 = await put('/docs/list-me', 'bbb', { 'Content-Type': 'text/b' });
    const listed = (await versions('docs', '&prefix=list-me')).map(({ name, version_id, is_latest, bytes, hash, content_type }) => ({ name, version_id, is_latest, bytes, hash, content_type }));
    assert.deepEqual(listed, [
      { name: 'list-me', version_id: v2, is_latest: true, bytes: 3, hash: md5('bbb'), content_type: 'text/b' },
      { name: 'list-me', version_id: v1, is_latest: false, bytes: 2, hash: md5('aa'), content_type: 'text/a' },
    ]);
    const reversed = await versions('docs', '&prefix=list-me&reverse=true');
    assert.deepEqual(reversed.map((v) => v.version_id), [v1, v2]);
    const plain = JSON.parse((await req('/docs?format=json&prefix=list-me')).text) as Record<string, unknown>[];
    assert.equal(plain.length, 1);
    assert.equal(plain[0]?.['bytes'], 3, 'the listing shows the version\'s size, not the link\'s');
    assert.equal(plain[0]?.['hash'], md5('bbb'));
    assert.equal(plain[0]?.['version_symlink'], true);
    assert.equal(plain[0]?.['symlink_path'], `/v1/AUTH_test/docs/list-me?version-id=${v2}`);
    // Paging by object and version.
    const page = await versions('docs', `&prefix=list-me&marker=list-me&version_marker=${v2}`);
    assert.deepEqual(page.map((v) => v.version_id), [v1]);
    assert.equal((await req('/docs?versions&format=xml')).status, 406);
    assert.equal((await req('/docs?versions&version_marker=1')).status, 400);
  });

  test('DELETE leaves a delete marker; the object is gone but every version stays readable', async () => {
    const v1 = await put('/docs/gone', 'kept', { 'Content-Type': 'text/kept' });
    const del = await req('/docs/gone', { method: 'DELETE' });
    assert.equal(del.status, 204);
    const marker = del.headers.get('x-object-version-id') ?? '';
    assert.match(marker, /^\d{10}\.\d{5}$/);
    assert.equal((await req('/docs/gone')).status, 404);
    assert.equal((await req(`/docs/gone?version-id=${v1}`)).text, 'kept');
    const markerRead = await req(`/docs/gone?version-id=${marker}`, { method: 'HEAD' });
    assert.equal(markerRead.status, 404);
    assert.equal(markerRead.headers.get('content-type'), DELETE_MARKER);
    const listed = await versions('docs', '&prefix=gone');
    assert.deepEqual(listed.map((v) => [v.version_id, v.content_type, v.is_latest]), [
      [marker, DELETE_MARKER, true],
      [v1, 'text/kept', false],
    ]);
    assert.ok(!(await req('/docs?prefix=gone')).text.includes('gone'), 'not in the plain listing');
  });

  test('PUT ?version-id makes an old version current again; a body is refused', async () => {
    const v1 = await put('/docs/restore', 'one');
    await put('/docs/restore', 'two');
    assert.equal((await req(`/docs/restore?version-id=${v1}`, { method: 'PUT', body: 'x' })).status, 400);
    const made = await req(`/docs/restore?version-id=${v1}`, { method: 'PUT', body: '' });
    assert.equal(made.status, 201);
    assert.equal(made.headers.get('x-object-version-id'), v1);
    assert.equal((await req('/docs/restore')).text, 'one');
    assert.equal((await req('/docs/restore?version-id=1234567890.12345', { method: 'PUT', body: '' })).status, 404);
  });

  test('DELETE ?version-id removes one version; the current one takes the object with it', async () => {
    const v1 = await put('/docs/prune', 'one');
    const v2 = await put('/docs/prune', 'two');
    const old = await req(`/docs/prune?version-id=${v1}`, { method: 'DELETE' });
    assert.equal(old.status, 204);
    assert.equal(old.headers.get('x-object-current-version-id'), v2);
    assert.equal((await req('/docs/prune')).text, 'two');
    const current = await req(`/docs/prune?version-id=${v2}`, { method: 'DELETE' });
    assert.equal(current.status, 204);
    assert.equal(current.headers.get('x-object-current-version-id'), 'null');
    assert.equal((await req('/docs/prune')).status, 404);
    assert.deepEqual(await versions('docs', '&prefix=prune'), []);
  });

  test('POST updates the current version\'s metadata; ?version-id with POST is refused', async () => {
    const v1 = await put('/docs/meta', 'data', { 'Content-Type': 'text/old' });
    assert.equal((await req('/docs/meta', { method: 'POST', headers: { 'Content-Type': 'text/new', 'X-Object-Meta-Color': 'red' } })).status, 202);
    const head = await req('/docs/meta', { method: 'HEAD' });
    assert.equal(head.headers.get('content-type'), 'text/new');
    assert.equal(head.headers.get('x-object-meta-color'), 'red');
    assert.equal((await req(`/docs/meta?version-id=${v1}`, { method: 'POST' })).status, 400);
    assert.equal((await req('/docs/meta?version-id=not-a-time')).status, 400);
  });

  test('COPY ?version-id copies that version (into a new current version)', async () => {
    const v1 = await put('/docs/copied', 'original');
    await put('/docs/copied', 'changed');
    const copy = await req(`/docs/copied?version-id=${v1}`, { method: 'COPY', headers: { Destination: 'docs/copied' } });
    assert.equal(copy.status, 201);
    const v3 = copy.headers.get('x-object-version-id');
    assert.ok(v3 && v3 !== v1);
    assert.equal((await req('/docs/copied')).text, 'original');
    assert.equal((await versions('docs', '&prefix=copied')).length, 3);
  });

  test('container bytes count the versions', async () => {
    assert.equal((await req('/sizes', { method: 'PUT', headers: { 'X-Versions-Enabled': 'true' } })).status, 201);
    await put('/sizes/o', '12345');
    await put('/sizes/o', '1234567');
    assert.equal((await req('/sizes', { method: 'HEAD' })).headers.get('x-container-bytes-used'), '12');
    const account = JSON.parse((await req('?format=json&prefix=sizes')).text) as { name: string; count: number; bytes: number }[];
    assert.deepEqual(account.map(({ name, count, bytes }) => ({ name, count, bytes })), [{ name: 'sizes', count: 1, bytes: 12 }]);
    assert.equal((await req('/sizes', { method: 'POST', headers: { 'X-Container-Meta-Quota-Bytes': '15' } })).status, 204);
    assert.equal((await req('/sizes/o', { method: 'PUT', body: '1234' })).status, 413, 'the quota counts old versions');
  });
});

describe('suspended and unversioned objects', () => {
  test('an object written unversioned is the null version, and is kept when versioning starts', async () => {
    assert.equal((await req('/late', { method: 'PUT' })).status, 201);
    assert.equal((await req('/late/o', { method: 'PUT', body: 'before' })).status, 201);
    assert.equal((await req('/late/o?version-id=null')).text, 'before');
    assert.equal((await req('/late/o?version-id=1234567890.00000')).status, 400, 'not a versioned container');
    assert.equal((await req('/late', { method: 'POST', headers: { 'X-Versions-Enabled': 'true' } })).status, 204);
    const nulls = await versions('late');
    assert.deepEqual(nulls.map((v) => [v.version_id, v.is_latest]), [['null', true]]);
    assert.equal((await req('/late/o')).headers.get('x-object-version-id'), 'null');
    const v2 = await put('/late/o', 'after');
    const listed = await versions('late');
    assert.equal(listed.length, 2);
    assert.equal(listed[0]?.version_id, v2);
    const kept = listed[1]?.version_id ?? '';
    assert.match(kept, /^\d{10}\.\d{5}$/, 'the null version became a version of its own time');
    assert.equal((await req(`/late/o?version-id=${kept}`)).text, 'before');
  });

  test('while suspended, writes replace the object without a version id and keep old versions', async () => {
    assert.equal((await req('/paused', { method: 'PUT', headers: { 'X-Versions-Enabled': 'true' } })).status, 201);
    const v1 = await put('/paused/o', 'v1');
    assert.equal((await req('/paused', { method: 'POST', headers: { 'X-Versions-Enabled': 'false' } })).status, 204);
    const plain = await req('/paused/o', { method: 'PUT', body: 'v2' });
    assert.equal(plain.status, 201);
    assert.equal(plain.headers.get('x-object-version-id'), null);
    assert.equal((await req('/paused/o')).text, 'v2');
    assert.equal((await req(`/paused/o?version-id=${v1}`)).text, 'v1');
    assert.equal((await req('/paused/o', { method: 'DELETE' })).status, 204);
    assert.deepEqual((await versions('paused')).map((v) => v.version_id), [v1], 'no delete marker while suspended');
  });
});

describe('containers and access', () => {
  test('a container holding versions cannot be deleted; once they are gone it goes with its versions container', async () => {
    const count = async () => Number((await req('', { method: 'HEAD' })).headers.get('x-account-container-count'));
    const before = await count();
    assert.equal((await req('/temp', { method: 'PUT', headers: { 'X-Versions-Enabled': 'true' } })).status, 201);
    assert.equal(await count(), before + 2, 'the versions container counts, as in Swift');
    const v1 = await put('/temp/o', 'x');
    assert.equal((await req('/temp/o', { method: 'DELETE' })).status, 204);
    const refused = await req('/temp', { method: 'DELETE' });
    assert.equal(refused.status, 409);
    assert.equal(refused.text, 'Delete all versions before deleting container.');
    for (const v of await versions('temp')) assert.equal((await req(`/temp/o?version-id=${v.version_id}`, { method: 'DELETE' })).status, 204);
    assert.ok(v1);
    assert.equal((await req('/temp', { method: 'DELETE' })).status, 204);
    assert.equal(await count(), before);
  });

  test('a read ACL reads the current version but not old ones (those are the owner\'s)', async () => {
    assert.equal((await req('/shared', { method: 'PUT', headers: { 'X-Versions-Enabled': 'true' } })).status, 201);
    const v1 = await put('/shared/o', 'data');
    assert.equal((await req('/shared/o', {}, reader)).status, 403);
    assert.equal((await req('/shared', { method: 'POST', headers: { 'X-Container-Read': 'test:tester3' } })).status, 204);
    assert.equal((await req('/shared/o', {}, reader)).text, 'data');
    assert.equal((await req(`/shared/o?version-id=${v1}`, {}, reader)).status, 403);
    assert.equal((await req(`/shared/o?version-id=${v1}`, { method: 'DELETE' }, reader)).status, 403);
    assert.equal((await req('/shared/o', { method: 'PUT', body: 'no' }, reader)).status, 403);
    assert.equal((await req('/shared/o', {}, stranger)).status, 403);
    assert.equal((await req('/shared/o')).text, 'data');
  });

  test('a link to a versioned object follows its current version', async () => {
    assert.equal((await req('/linked', { method: 'PUT', headers: { 'X-Versions-Enabled': 'true' } })).status, 201);
    await put('/linked/target', 'one');
    assert.equal((await req('/linked/link', { method: 'PUT', body: '', headers: { 'X-Symlink-Target': 'linked/target' } })).status, 201);
    await put('/linked/target', 'two');
    assert.equal((await req('/linked/link')).text, 'two');
  });
});
