/** Symlinks through HTTP, as Swift's symlink middleware answers them. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

const MD5_OF_EMPTY = 'd41d8cd98f00b204e9800998ecf8427e';

let server: TestServer;
let s: Session;
let other: Session; // test2:tester2, no access to AUTH_test unless an ACL says so
let account: string;

async function put(path: string, body: string, headers: Record<string, string> = {}, token = s.token): Promise<number> {
  // A Buffer body: fetch adds no Content-Type of its own, so the server's default shows.
  return (await call(`${s.storageUrl}${path}`, { method: 'PUT', body: Buffer.from(body), token, headers })).status;
}

before(async () => {
  server = await startServer();
  s = await login(server.url, 'test:tester', 'testing');
  other = await login(server.url, 'test2:tester2', 'testing2');
  account = new URL(s.storageUrl).pathname.split('/')[2] ?? '';
  for (const c of ['c', 'd', 'private']) assert.equal(await put(`/${c}`, ''), 201);
  assert.equal((await call(`${s.storageUrl}/c`, { method: 'POST', token: s.token, headers: { 'X-Container-Read': 'test2:tester2' } })).status, 204);
  assert.equal(await put('/c/target', 'target bytes', { 'Content-Type': 'text/x-target', 'X-Object-Meta-Kind': 'target' }), 201);
  assert.equal(await put('/private/secret', 'secret bytes'), 201);
});
after(async () => { await server.stop(); });

describe('dynamic symlinks', () => {
  test('PUT with X-Symlink-Target makes a link; GET and HEAD answer with the target and Content-Location', async () => {
    assert.equal(await put('/c/link', '', { 'X-Symlink-Target': 'c/target' }), 201);
    const got = await call(`${s.storageUrl}/c/link`, { token: s.token });
    assert.equal(got.status, 200);
    assert.equal(got.text, 'target bytes');
    assert.equal(got.headers.get('content-type'), 'text/x-target');
    assert.equal(got.headers.get('x-object-meta-kind'), 'target');
    assert.equal(got.headers.get('content-location'), `/v1/${account}/c/target`);
    const head = await call(`${s.storageUrl}/c/link`, { method: 'HEAD', token: s.token });
    assert.equal(head.headers.get('content-length'), '12');
    const ranged = await call(`${s.storageUrl}/c/link`, { token: s.token, headers: { Range: 'bytes=7-11' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.text, 'bytes');
  });

  test('?symlink=get answers with the link itself: empty, application/symlink, X-Symlink-Target', async () => {
    const link = await call(`${s.storageUrl}/c/link?symlink=get`, { token: s.token });
    assert.equal(link.status, 200);
    assert.equal(link.text, '');
    assert.equal(link.headers.get('etag'), MD5_OF_EMPTY);
    assert.equal(link.headers.get('content-type'), 'application/symlink');
    assert.equal(link.headers.get('x-symlink-target'), 'c/target');
    assert.equal(link.headers.get('x-object-sysmeta-symlink-target'), null, 'sysmeta never reaches clients');
  });

  test('a JSON listing shows symlink_path; XML and plain listings do not', async () => {
    const json = JSON.parse((await call(`${s.storageUrl}/c?format=json`, { token: s.token })).text) as Record<string, unknown>[];
    const entry = json.find((e) => e['name'] === 'link');
    assert.deepEqual(entry, {
      bytes: 0, hash: MD5_OF_EMPTY, name: 'link', content_type: 'application/symlink',
      last_modified: entry?.['last_modified'], symlink_path: `/v1/${account}/c/target`,
    });
    const xml = (await call(`${s.storageUrl}/c?format=xml`, { token: s.token })).text;
    assert.match(xml, new RegExp(`<name>link</name><hash>${MD5_OF_EMPTY}</hash>`));
    assert.doesNotMatch(xml, /symlink_|c\/target/);
  });

  test('a link to a missing object answers 404 naming the target; it may be made before its target', async () => {
    assert.equal(await put('/c/dangling', '', { 'X-Symlink-Target': 'c/not-yet' }), 201);
    const missing = await call(`${s.storageUrl}/c/dangling`, { token: s.token });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('content-location'), `/v1/${account}/c/not-yet`);
    assert.equal(await put('/c/not-yet', 'now here'), 201);
    assert.equal((await call(`${s.storageUrl}/c/dangling`, { token: s.token })).text, 'now here');
  });

  test('chains are followed two links deep; a third link → 409', async () => {
    assert.equal(await put('/c/hop2', '', { 'X-Symlink-Target': 'c/link' }), 201);
    assert.equal((await call(`${s.storageUrl}/c/hop2`, { token: s.token })).text, 'target bytes');
    assert.equal(await put('/c/hop3', '', { 'X-Symlink-Target': 'c/hop2' }), 201);
    const loop = await call(`${s.storageUrl}/c/hop3`, { token: s.token });
    assert.equal(loop.status, 409);
    assert.equal(loop.text, 'Too many levels of symbolic links, maximum allowed is 2');
  });

  test('bad links are refused: a body, a malformed target, the link itself, a leading slash', async () => {
    const body = await call(`${s.storageUrl}/c/bad`, { method: 'PUT', token: s.token, body: 'x', headers: { 'X-Symlink-Target': 'c/target' } });
    assert.equal(body.status, 400);
    assert.equal(body.text, 'Symlink requests require a zero byte body');
    assert.equal(await put('/c/bad', '', { 'X-Symlink-Target': 'no-object' }), 412);
    assert.equal(await put('/c/bad', '', { 'X-Symlink-Target': '/c/target' }), 412);
    const self = await call(`${s.storageUrl}/c/bad`, { method: 'PUT', token: s.token, body: '', headers: { 'X-Symlink-Target': 'c/bad' } });
    assert.equal(self.status, 400);
    assert.equal(self.text, 'Symlink cannot target itself');
    assert.equal((await call(`${s.storageUrl}/c/bad`, { token: s.token })).status, 404, 'nothing was stored');
  });

  test('POST updates the link and answers 307 with the target; POST with X-Symlink-Target → 400', async () => {
    const post = await call(`${s.storageUrl}/c/link`, { method: 'POST', token: s.token, headers: { 'X-Object-Meta-Note': 'on the link' } });
    assert.equal(post.status, 307);
    assert.equal(post.headers.get('location'), `/v1/${account}/c/target`);
    const link = await call(`${s.storageUrl}/c/link?symlink=get`, { token: s.token });
    assert.equal(link.headers.get('x-object-meta-note'), 'on the link');
    assert.equal(link.headers.get('x-symlink-target'), 'c/target', 'the link survives its POST');
    assert.equal((await call(`${s.storageUrl}/c/target`, { method: 'HEAD', token: s.token })).headers.get('x-object-meta-note'), null);
    const retarget = await call(`${s.storageUrl}/c/link`, { method: 'POST', token: s.token, headers: { 'X-Symlink-Target': 'c/other' } });
    assert.equal(retarget.status, 400);
  });

  test('DELETE removes the link, not its target', async () => {
    assert.equal(await put('/c/doomed-link', '', { 'X-Symlink-Target': 'c/target' }), 201);
    assert.equal((await call(`${s.storageUrl}/c/doomed-link`, { method: 'DELETE', token: s.token })).status, 204);
    assert.equal((await call(`${s.storageUrl}/c/target`, { token: s.token })).text, 'target bytes');
  });

  test('COPY of a link copies the target; with ?symlink=get it copies the link', async () => {
    assert.equal((await call(`${s.storageUrl}/c/link`, { method: 'COPY', token: s.token, headers: { Destination: 'd/copied-target' } })).status, 201);
    const copied = await call(`${s.storageUrl}/d/copied-target?symlink=get`, { token: s.token });
    assert.equal(copied.text, 'target bytes');
    assert.equal(copied.headers.get('x-symlink-target'), null);
    assert.equal((await call(`${s.storageUrl}/c/link?symlink=get`, { method: 'COPY', token: s.token, headers: { Destination: 'd/copied-link' } })).status, 201);
    const link = await call(`${s.storageUrl}/d/copied-link?symlink=get`, { token: s.token });
    assert.equal(link.headers.get('x-symlink-target'), 'c/target');
    assert.equal((await call(`${s.storageUrl}/d/copied-link`, { token: s.token })).text, 'target bytes');
  });
});

describe('symlinks and access', () => {
  test('a link grants nothing: reading through it needs read access to the target', async () => {
    assert.equal(await put('/c/to-private', '', { 'X-Symlink-Target': 'private/secret' }), 201);
    assert.equal((await call(`${s.storageUrl}/c/to-private`, { token: s.token })).text, 'secret bytes');
    // test2:tester2 may read container c (ACL) but not container private.
    assert.equal((await call(`${s.storageUrl}/c/link`, { token: other.token })).text, 'target bytes');
    assert.equal((await call(`${s.storageUrl}/c/to-private`, { token: other.token })).status, 403);
  });

  test('cross-account links follow X-Symlink-Target-Account, authorised in that account', async () => {
    const theirs = other.storageUrl;
    assert.equal((await call(`${theirs}/shared`, { method: 'PUT', token: other.token })).status, 201);
    assert.equal((await call(`${theirs}/shared/doc`, { method: 'PUT', token: other.token, body: 'their doc' })).status, 201);
    const theirAccount = new URL(theirs).pathname.split('/')[2] ?? '';
    assert.equal(await put('/c/cross', '', { 'X-Symlink-Target': 'shared/doc', 'X-Symlink-Target-Account': theirAccount }), 201);
    assert.equal((await call(`${s.storageUrl}/c/cross`, { token: s.token })).status, 403, 'no access to their account yet');
    assert.equal((await call(`${theirs}/shared`, { method: 'POST', token: other.token, headers: { 'X-Container-Read': 'test:tester' } })).status, 204);
    const res = await call(`${s.storageUrl}/c/cross`, { token: s.token });
    assert.equal(res.text, 'their doc');
    assert.equal(res.headers.get('content-location'), `/v1/${theirAccount}/shared/doc`);
  });
});

describe('static symlinks', () => {
  const targetEtag = async () => (await call(`${s.storageUrl}/c/target`, { method: 'HEAD', token: s.token })).headers.get('etag') ?? '';

  test('X-Symlink-Target-Etag must match the target when made; the listing shows symlink_etag and symlink_bytes', async () => {
    const etag = await targetEtag();
    assert.equal(await put('/c/static', '', { 'X-Symlink-Target': 'c/target', 'X-Symlink-Target-Etag': etag }), 201);
    const link = await call(`${s.storageUrl}/c/static?symlink=get`, { token: s.token });
    assert.equal(link.headers.get('x-symlink-target-etag'), etag);
    assert.equal(link.headers.get('x-symlink-target-bytes'), '12');
    assert.equal(link.headers.get('content-type'), 'text/x-target', 'a static link takes its target\'s type');
    const json = JSON.parse((await call(`${s.storageUrl}/c?format=json&prefix=static`, { token: s.token })).text) as Record<string, unknown>[];
    assert.equal(json[0]?.['symlink_etag'], etag);
    assert.equal(json[0]?.['symlink_bytes'], 12);
    const wrong = await call(`${s.storageUrl}/c/static2`, { method: 'PUT', token: s.token, body: '', headers: { 'X-Symlink-Target': 'c/target', 'X-Symlink-Target-Etag': MD5_OF_EMPTY } });
    assert.equal(wrong.status, 409);
    assert.equal(wrong.text, `Object Etag '${etag}' does not match X-Symlink-Target-Etag header '${MD5_OF_EMPTY}'`);
    const missing = await call(`${s.storageUrl}/c/static3`, { method: 'PUT', token: s.token, body: '', headers: { 'X-Symlink-Target': 'c/nothing', 'X-Symlink-Target-Etag': etag } });
    assert.equal(missing.status, 409);
    assert.equal(missing.text, 'X-Symlink-Target does not exist');
  });

  test('once the target changes, GET through the static link → 409', async () => {
    assert.equal(await put('/c/moving', 'first'), 201);
    const etag = (await call(`${s.storageUrl}/c/moving`, { method: 'HEAD', token: s.token })).headers.get('etag') ?? '';
    assert.equal(await put('/c/pinned', '', { 'X-Symlink-Target': 'c/moving', 'X-Symlink-Target-Etag': etag }), 201);
    assert.equal((await call(`${s.storageUrl}/c/pinned`, { token: s.token })).text, 'first');
    assert.equal(await put('/c/moving', 'second'), 201);
    const changed = await call(`${s.storageUrl}/c/pinned`, { token: s.token });
    assert.equal(changed.status, 409);
    assert.equal(changed.headers.get('content-location'), `/v1/${account}/c/moving`);
  });

  test('/info publishes symlink with symloop_max and static_links', async () => {
    const info = JSON.parse((await call(`${server.url}/info`)).text) as Record<string, unknown>;
    assert.deepEqual(info['symlink'], { symloop_max: 2, static_links: true });
  });
});
