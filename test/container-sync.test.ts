/**
 * Container sync between two real Swiftlet servers (alpha and beta) that name each other in the
 * same realm, as two Swift clusters sharing a container-sync-realms.conf: containers synced both
 * ways, their daemons running every second. Creates, overwrites, metadata changes and deletes
 * propagate with the source's timestamp; a wrong key or signature is refused; a restarted server
 * resumes from its stored sync point instead of pushing everything again.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

const REALM_KEY = 'realm-secret';
const USER_KEY = 'container-secret';

let alphaPort: number;
let betaPort: number;
let alphaData: string;
let alpha: TestServer;
let beta: TestServer;
let a: Session;
let b: Session;

function syncToml(current: string): string {
  return `
[container_sync]
interval = 1
request_timeout = 10
current = "${current}"

[container_sync.realms.test]
key = "${REALM_KEY}"
key2 = "previous-realm-secret"
cluster_alpha = "http://127.0.0.1:${alphaPort}/v1/"
cluster_beta = "http://127.0.0.1:${betaPort}/v1/"
`;
}

const accountOf = (s: Session) => s.storageUrl.split('/').pop() ?? '';

/** Polls `check` until it returns a value other than undefined (the daemons run every second). */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, seconds = 20): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function put(s: Session, path: string, body: string, headers: Record<string, string> = {}): Promise<void> {
  const res = await call(`${s.storageUrl}/${path}`, { method: 'PUT', token: s.token, body, headers });
  assert.equal(res.status, 201, `PUT ${path}: ${res.status} ${res.text}`);
}

async function head(s: Session, path: string) {
  return call(`${s.storageUrl}/${path}`, { method: 'HEAD', token: s.token });
}

async function startAlpha(): Promise<TestServer> {
  return startServer({ port: alphaPort, dataDir: alphaData, keepData: true, extraToml: syncToml('//test/alpha') });
}

before(async () => {
  alphaPort = await freePort();
  betaPort = await freePort();
  alphaData = mkdtempSync(join(tmpdir(), 'swiftlet-sync-alpha-'));
  [alpha, beta] = await Promise.all([startAlpha(), startServer({ port: betaPort, extraToml: syncToml('//TEST/BETA') })]);
  [a, b] = await Promise.all([login(alpha.url, 'test:tester', 'testing'), login(beta.url, 'test:tester', 'testing')]);
  // alpha/photos <-> beta/pictures, both ways, the same key on both.
  for (const [s, container, other, remote] of [[a, 'photos', b, 'pictures'], [b, 'pictures', a, 'photos']] as const) {
    const res = await call(`${s.storageUrl}/${container}`, {
      method: 'PUT', token: s.token,
      headers: { 'X-Container-Sync-To': `//test/${s === a ? 'beta' : 'alpha'}/${accountOf(other)}/${remote}`, 'X-Container-Sync-Key': USER_KEY },
    });
    assert.equal(res.status, 201);
  }
});

after(async () => {
  if (process.env.SYNC_DEBUG) console.log("ALPHA", alpha.output(), "BETA", beta.output());
  await Promise.all([alpha?.stop(), beta?.stop()]);
  rmSync(alphaData, { recursive: true, force: true });
});

describe('container sync between two Swiftlet servers', () => {
  test('/info lists the realm and its clusters as Swift does, the current one marked, no keys', async () => {
    const info = JSON.parse((await call(`${alpha.url}/info`)).text) as { container_sync?: unknown };
    assert.deepEqual(info.container_sync, { realms: { TEST: { clusters: { ALPHA: { current: true }, BETA: {} } } } });
  });

  test('X-Container-Sync-To naming an unknown realm or cluster is refused with Swift\'s text', async () => {
    const bad = await call(`${a.storageUrl}/nowhere`, { method: 'PUT', token: a.token, headers: { 'X-Container-Sync-To': '//test/gamma/AUTH_x/c' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.text, "No cluster endpoint for 'test' 'gamma'");
    const noRealm = await call(`${a.storageUrl}/nowhere`, { method: 'PUT', token: a.token, headers: { 'X-Container-Sync-To': '//other/alpha/AUTH_x/c' } });
    assert.equal(noRealm.text, "No realm key for 'other'");
  });

  test('an object created on alpha appears on beta with its bytes, type, metadata and timestamp', async () => {
    await put(a, 'photos/cat.jpg', 'meow', { 'Content-Type': 'image/jpeg', 'X-Object-Meta-Colour': 'black', 'Content-Disposition': 'inline' });
    const local = await head(a, 'photos/cat.jpg');
    const remote = await eventually('cat.jpg on beta', async () => {
      const r = await call(`${b.storageUrl}/pictures/cat.jpg`, { token: b.token });
      return r.status === 200 ? r : undefined;
    });
    assert.equal(remote.text, 'meow');
    assert.equal(remote.headers.get('content-type'), 'image/jpeg');
    assert.equal(remote.headers.get('x-object-meta-colour'), 'black');
    assert.equal(remote.headers.get('content-disposition'), 'inline');
    assert.equal(remote.headers.get('etag'), local.headers.get('etag'));
    assert.equal(remote.headers.get('x-timestamp'), local.headers.get('x-timestamp'));
  });

  test('an overwrite on beta flows back to alpha (the other direction), newest wins', async () => {
    await put(b, 'pictures/dog.txt', 'first');
    await eventually('dog.txt on alpha', async () => ((await head(a, 'photos/dog.txt')).status === 200 ? true : undefined));
    await put(b, 'pictures/dog.txt', 'second, longer');
    const ts = (await head(b, 'pictures/dog.txt')).headers.get('x-timestamp');
    await eventually('the overwrite on alpha', async () => {
      const r = await call(`${a.storageUrl}/photos/dog.txt`, { token: a.token });
      return r.text === 'second, longer' ? r : undefined;
    });
    assert.equal((await head(a, 'photos/dog.txt')).headers.get('x-timestamp'), ts);
  });

  test('a metadata change (POST) is pushed as the object with its new metadata and timestamp', async () => {
    await put(a, 'photos/tag.txt', 'tagged', { 'X-Object-Meta-Tag': 'old' });
    await eventually('tag.txt on beta', async () => ((await head(b, 'pictures/tag.txt')).status === 200 ? true : undefined));
    const post = await call(`${a.storageUrl}/photos/tag.txt`, { method: 'POST', token: a.token, headers: { 'X-Object-Meta-Tag': 'new' } });
    assert.equal(post.status, 202);
    const ts = (await head(a, 'photos/tag.txt')).headers.get('x-timestamp');
    const remote = await eventually('the new metadata on beta', async () => {
      const r = await head(b, 'pictures/tag.txt');
      return r.headers.get('x-object-meta-tag') === 'new' ? r : undefined;
    });
    assert.equal(remote.headers.get('x-timestamp'), ts);
    assert.equal((await call(`${b.storageUrl}/pictures/tag.txt`, { token: b.token })).text, 'tagged');
  });

  test('a delete propagates, both ways', async () => {
    await put(a, 'photos/gone-a.txt', 'x');
    await put(b, 'pictures/gone-b.txt', 'y');
    await eventually('both objects synced', async () =>
      (await head(b, 'pictures/gone-a.txt')).status === 200 && (await head(a, 'photos/gone-b.txt')).status === 200 ? true : undefined);
    assert.equal((await call(`${a.storageUrl}/photos/gone-a.txt`, { method: 'DELETE', token: a.token })).status, 204);
    assert.equal((await call(`${b.storageUrl}/pictures/gone-b.txt`, { method: 'DELETE', token: b.token })).status, 204);
    await eventually('both deletes synced', async () =>
      (await head(b, 'pictures/gone-a.txt')).status === 404 && (await head(a, 'photos/gone-b.txt')).status === 404 ? true : undefined);
    // Nothing comes back: each side's echo finds the other side already without it.
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await head(a, 'photos/gone-a.txt')).status, 404);
    assert.equal((await head(b, 'pictures/gone-b.txt')).status, 404);
  });

  test('a static large object syncs: its segments and its manifest, which the remote serves whole', async () => {
    for (const [s, other] of [[a, b], [b, a]] as const) {
      const res = await call(`${s.storageUrl}/segs`, {
        method: 'PUT', token: s.token,
        headers: { 'X-Container-Sync-To': `//test/${s === a ? 'beta' : 'alpha'}/${accountOf(other)}/segs`, 'X-Container-Sync-Key': USER_KEY },
      });
      assert.equal(res.status, 201);
    }
    await put(a, 'segs/part1', 'A'.repeat(1024 * 1024));
    await put(a, 'segs/part2', 'tail');
    const manifest = JSON.stringify([{ path: '/segs/part1' }, { path: '/segs/part2' }]);
    const res = await call(`${a.storageUrl}/photos/big?multipart-manifest=put`, { method: 'PUT', token: a.token, body: manifest, headers: { 'Content-Type': 'application/x-big' } });
    assert.equal(res.status, 201, res.text);
    const local = await call(`${a.storageUrl}/photos/big`, { token: a.token });
    const remote = await eventually('the large object on beta', async () => {
      const r = await call(`${b.storageUrl}/pictures/big`, { token: b.token });
      return r.status === 200 && r.bytes.length === 1024 * 1024 + 4 ? r : undefined;
    });
    assert.equal(remote.headers.get('x-static-large-object'), 'True');
    assert.equal(remote.headers.get('content-type'), 'application/x-big');
    assert.ok(remote.bytes.equals(local.bytes));
    // Not a door for clients: without a valid sync signature the header is still reserved.
    const forged = await call(`${b.storageUrl}/pictures/fake`, { method: 'PUT', token: b.token, body: manifest, headers: { 'X-Static-Large-Object': 'True' } });
    assert.equal(forged.status, 400);
  });

  test('a symlink syncs as a symlink (Swift reads it with symlink=get), not as a copy of its target', async () => {
    await put(a, 'photos/target.txt', 'pointed at');
    // Names the remote's container, so it resolves there once both have synced.
    await put(a, 'photos/link', '', { 'X-Symlink-Target': 'pictures/target.txt' });
    const link = await eventually('the link on beta', async () => {
      const r = await call(`${b.storageUrl}/pictures/link?symlink=get`, { token: b.token });
      return r.status === 200 ? r : undefined;
    });
    assert.equal(link.headers.get('x-symlink-target'), 'pictures/target.txt');
    assert.equal(link.text, '');
    const followed = await eventually('the link followed on beta', async () => {
      const r = await call(`${b.storageUrl}/pictures/link`, { token: b.token });
      return r.status === 200 ? r : undefined;
    });
    assert.equal(followed.text, 'pointed at');
    assert.equal(followed.headers.get('content-location'), `/v1/${accountOf(b)}/pictures/target.txt`);
  });

  test('a signed request made as Swift makes it is accepted and keeps its X-Timestamp; a wrong signature or key is 401', async () => {
    const path = `/v1/${accountOf(b)}/pictures/signed%20by%20hand.txt`;
    const timestamp = '1700000000.12345';
    const nonce = randomUUID().replace(/-/g, '');
    const sign = (key: string, user: string) => createHmac('sha1', key).update(`PUT\n${path}\n${timestamp}\n${nonce}\n${user}`).digest('hex');
    const send = (auth: string) => call(`${beta.url}${path}`, { method: 'PUT', body: 'by hand', headers: { 'X-Timestamp': timestamp, 'X-Container-Sync-Auth': auth } });
    const refused = await send(`TEST ${nonce} ${sign(REALM_KEY, 'wrong-user-key')}`);
    assert.equal(refused.status, 401);
    assert.equal(refused.text, 'X-Container-Sync-Auth header not valid; contact cluster operator for support.');
    assert.match(refused.headers.get('www-authenticate') ?? '', /^SwiftContainerSync realm=/);
    assert.equal((await send(`TEST ${nonce} ${sign('not-the-realm-key', USER_KEY)}`)).status, 401);
    assert.equal((await send(`NOREALM ${nonce} ${sign(REALM_KEY, USER_KEY)}`)).status, 401);
    assert.equal((await send(`TEST ${nonce}`)).status, 401);
    assert.equal((await head(b, 'pictures/signed%20by%20hand.txt')).status, 404);
    // key2 of the realm is accepted as well (key rotation), as in Swift.
    const ok = await send(`TEST ${nonce} ${sign('previous-realm-secret', USER_KEY)}`);
    assert.equal(ok.status, 201, ok.text);
    assert.equal((await head(b, 'pictures/signed%20by%20hand.txt')).headers.get('x-timestamp'), timestamp);
    // The signature grants that container only.
    const other = await call(`${beta.url}/v1/${accountOf(b)}/elsewhere/x`, { method: 'PUT', body: 'x', headers: { 'X-Timestamp': timestamp, 'X-Container-Sync-Auth': `TEST ${nonce} ${sign(REALM_KEY, USER_KEY)}` } });
    assert.equal(other.status, 401);
  });

  test('a container whose key differs from the remote one syncs nothing: the remote refuses every push', async () => {
    for (const [s, c, key, to] of [[b, 'locked', 'the-right-key', ''], [a, 'leaky', 'a-wrong-key', `//test/beta/${accountOf(b)}/locked`]] as const) {
      const headers: Record<string, string> = { 'X-Container-Sync-Key': key };
      if (to) headers['X-Container-Sync-To'] = to;
      assert.equal((await call(`${s.storageUrl}/${c}`, { method: 'PUT', token: s.token, headers })).status, 201);
    }
    await put(a, 'leaky/secret.txt', 'not for beta');
    await eventually('a refused push in alpha\'s log', async () => (alpha.output().includes('/locked/secret.txt: 401') ? true : undefined));
    assert.equal((await head(b, 'locked/secret.txt')).status, 404);
  });

  test('an object the remote refuses does not hold up later ones, and is retried until it is taken', async () => {
    const small = await call(`${b.storageUrl}/small`, { method: 'PUT', token: b.token, headers: { 'X-Container-Sync-Key': USER_KEY, 'X-Container-Meta-Quota-Bytes': '10' } });
    assert.equal(small.status, 201);
    const src = await call(`${a.storageUrl}/tosmall`, { method: 'PUT', token: a.token, headers: { 'X-Container-Sync-Key': USER_KEY, 'X-Container-Sync-To': `//test/beta/${accountOf(b)}/small` } });
    assert.equal(src.status, 201);
    await put(a, 'tosmall/big', 'x'.repeat(100));
    await put(a, 'tosmall/tiny', 'tiny');
    await eventually('tiny on beta although big was refused', async () => ((await head(b, 'small/tiny')).status === 200 ? true : undefined));
    await eventually('the refusal in alpha\'s log', async () => (alpha.output().includes('/small/big: 413') ? true : undefined));
    assert.equal((await head(b, 'small/big')).status, 404);
    // The quota raised: the next pass's retry gets it through.
    assert.equal((await call(`${b.storageUrl}/small`, { method: 'POST', token: b.token, headers: { 'X-Container-Meta-Quota-Bytes': '1000' } })).status, 204);
    await eventually('big on beta after the retry', async () => ((await head(b, 'small/big')).status === 200 ? true : undefined));
  });

  test('after a restart alpha resumes from its stored sync point: only the new change is pushed', async () => {
    await put(a, 'photos/before-restart.txt', 'old');
    await eventually('before-restart.txt on beta', async () => ((await head(b, 'pictures/before-restart.txt')).status === 200 ? true : undefined));
    // Let alpha's pass that pushed it save its point and settle.
    await new Promise((r) => setTimeout(r, 2000));
    await alpha.stop();
    alpha = await startAlpha();
    a = await login(alpha.url, 'test:tester', 'testing');
    await put(a, 'photos/after-restart.txt', 'new');
    await eventually('after-restart.txt on beta', async () => ((await head(b, 'pictures/after-restart.txt')).status === 200 ? true : undefined));
    await new Promise((r) => setTimeout(r, 1500));
    const lines = alpha.output().split('\n').filter((l) => l.includes(`container sync: ${accountOf(a)}/photos:`));
    // One push (the new object), no full pass over the older objects (those would show as skipped).
    assert.deepEqual(lines, [`container sync: ${accountOf(a)}/photos: 1 put, 0 deleted, 0 skipped, 0 failed`]);
  });
});
