/**
 * Temporary URLs through HTTP, as Swift's tempurl middleware answers them: signatures made here the
 * way clients make them (HMAC of "METHOD\nexpires\npath" with the Temp-URL-Key), sent without a token.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

const ACCOUNT_KEY = 'account-secret';
const ACCOUNT_KEY_2 = 'second-account-secret';
const CONTAINER_KEY = 'container-secret';

let server: TestServer;
let s: Session;
let service: string; // test5:tester5, role service
let account: string; // AUTH_test
let base: string;

function sig(key: string, method: string, expires: number, path: string, digest = 'sha256', extra?: { ipRange?: string; prefix?: boolean }): string {
  const lines = [method, String(expires), extra?.prefix ? `prefix:${path}` : path];
  if (extra?.ipRange) lines.unshift(`ip=${extra.ipRange}`);
  return createHmac(digest, key).update(lines.join('\n')).digest('hex');
}

const inADay = () => Math.floor(Date.now() / 1000) + 86400;

/** `?temp_url_sig=…&temp_url_expires=…` for `path` (decoded, as signed), plus extra parameters. */
function signedUrl(path: string, params: Record<string, string>): string {
  return `${server.url}${path.split('/').map(encodeURIComponent).join('/')}?${new URLSearchParams(params)}`;
}

function urlFor(method: string, path: string, key = ACCOUNT_KEY, expires = inADay(), extra: Record<string, string> = {}): string {
  return signedUrl(path, { temp_url_sig: sig(key, method, expires, path), temp_url_expires: String(expires), ...extra });
}

before(async () => {
  server = await startServer();
  s = await login(server.url, 'test:tester', 'testing');
  service = (await login(server.url, 'test5:tester5', 'testing5')).token;
  account = new URL(s.storageUrl).pathname.split('/')[2] ?? '';
  base = `/v1/${account}`;
  const ok = async (url: string, init: Parameters<typeof call>[1], expected: number) =>
    assert.equal((await call(url, { token: s.token, ...init })).status, expected, `${init?.method} ${url}`);
  await ok(s.storageUrl, { method: 'POST', headers: { 'X-Account-Meta-Temp-URL-Key': ACCOUNT_KEY, 'X-Account-Meta-Temp-URL-Key-2': ACCOUNT_KEY_2 } }, 204);
  await ok(`${s.storageUrl}/c`, { method: 'PUT' }, 201);
  await ok(`${s.storageUrl}/other`, { method: 'PUT' }, 201);
  await ok(`${s.storageUrl}/keyed`, { method: 'PUT', headers: { 'X-Container-Meta-Temp-URL-Key': CONTAINER_KEY } }, 201);
  await ok(`${s.storageUrl}/c/obj`, {
    method: 'PUT', body: 'obj contents', headers: { 'X-Object-Meta-Color': 'blue', 'X-Object-Meta-Public-Tag': 'shared' },
  }, 201);
  await ok(`${s.storageUrl}/c/other-obj`, { method: 'PUT', body: 'other obj contents' }, 201);
  await ok(`${s.storageUrl}/c/named`, { method: 'PUT', body: 'named', headers: { 'Content-Disposition': 'attachment; filename="stored.txt"' } }, 201);
  await ok(`${s.storageUrl}/keyed/seg1`, { method: 'PUT', body: 'one fish ' }, 201);
  await ok(`${s.storageUrl}/keyed/seg2`, { method: 'PUT', body: 'two fish' }, 201);
  await ok(`${s.storageUrl}/other/seg1`, { method: 'PUT', body: 'red fish ' }, 201);
  await ok(`${s.storageUrl}/other/seg2`, { method: 'PUT', body: 'blue fish' }, 201);
  await ok(`${s.storageUrl}/keyed/dlo-inside`, { method: 'PUT', body: '', headers: { 'X-Object-Manifest': 'keyed/seg' } }, 201);
  await ok(`${s.storageUrl}/keyed/dlo-outside`, { method: 'PUT', body: '', headers: { 'X-Object-Manifest': 'other/seg' } }, 201);
});
after(async () => { await server.stop(); });

function assertInvalid(res: { status: number; text: string; headers: Headers }, method = 'GET'): void {
  assert.equal(res.status, 401);
  if (method !== 'HEAD') assert.equal(res.text, '401 Unauthorized: Temp URL invalid\n');
  // As Swift 2.30.1 answers (side by side): its tempurl 401s do not name the account.
  assert.equal(res.headers.get('www-authenticate'), 'Swift realm="unknown"');
}

describe('temporary URLs signed with an account key', () => {
  test('GET without a token returns the object, named for download, with the URL expiry', async () => {
    const expires = inADay();
    const res = await call(urlFor('GET', `${base}/c/obj`, ACCOUNT_KEY, expires));
    assert.equal(res.status, 200);
    assert.equal(res.text, 'obj contents');
    assert.equal(res.headers.get('content-disposition'), `attachment; filename="obj"; filename*=UTF-8''obj`);
    assert.equal(res.headers.get('expires'), new Date(expires * 1000).toUTCString());
  });

  test('the second key signs as well, and an ISO 8601 expiry is accepted', async () => {
    assert.equal((await call(urlFor('GET', `${base}/c/obj`, ACCOUNT_KEY_2))).text, 'obj contents');
    const expires = inADay();
    const iso = new Date(expires * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const url = signedUrl(`${base}/c/obj`, { temp_url_sig: sig(ACCOUNT_KEY, 'GET', expires, `${base}/c/obj`), temp_url_expires: iso });
    const res = await call(url);
    assert.equal(res.status, 200);
    assert.equal(res.text, 'obj contents');
  });

  test('a GET URL also allows HEAD, but a HEAD URL allows neither GET nor PUT', async () => {
    assert.equal((await call(urlFor('GET', `${base}/c/obj`), { method: 'HEAD' })).status, 200);
    const head = urlFor('HEAD', `${base}/c/obj`);
    assert.equal((await call(head, { method: 'HEAD' })).status, 200);
    assertInvalid(await call(head));
    assertInvalid(await call(head, { method: 'PUT', body: 'x' }));
  });

  test('a wrong signature, another object, a changed or past expiry each answer 401 "Temp URL invalid"', async () => {
    const expires = inADay();
    const good = sig(ACCOUNT_KEY, 'GET', expires, `${base}/c/obj`);
    const flipped = (good[0] === 'a' ? 'b' : 'a') + good.slice(1);
    assertInvalid(await call(signedUrl(`${base}/c/obj`, { temp_url_sig: flipped, temp_url_expires: String(expires) })));
    assertInvalid(await call(signedUrl(`${base}/c/other-obj`, { temp_url_sig: good, temp_url_expires: String(expires) })));
    assertInvalid(await call(signedUrl(`${base}/c/obj`, { temp_url_sig: good, temp_url_expires: String(expires + 1) })));
    const past = Math.floor(Date.now() / 1000) - 10;
    assertInvalid(await call(urlFor('GET', `${base}/c/obj`, ACCOUNT_KEY, past)));
    assertInvalid(await call(urlFor('GET', `${base}/c/obj`, 'not-the-key')));
    // One of the two parameters alone is not a tempurl request that falls back to tokens: it is refused.
    assertInvalid(await call(signedUrl(`${base}/c/obj`, { temp_url_sig: good })));
    assertInvalid(await call(`${server.url}${base}/c/obj?temp_url_expires=${expires}`, { token: s.token }));
  });

  test('the signature covers the account: the same URL path under another account is refused', async () => {
    const expires = inADay();
    const sigForOurs = sig(ACCOUNT_KEY, 'GET', expires, `${base}/c/obj`);
    const res = await call(signedUrl('/v1/AUTH_test2/c/obj', { temp_url_sig: sigForOurs, temp_url_expires: String(expires) }));
    assert.equal(res.status, 401);
  });

  test('only object paths and the five methods can be signed', async () => {
    assertInvalid(await call(urlFor('GET', `${base}/c`)));
    assertInvalid(await call(urlFor('COPY', `${base}/c/obj`), { method: 'COPY', headers: { Destination: 'c/copied' } }));
    assert.equal((await call(`${s.storageUrl}/c/copied`, { token: s.token })).status, 404);
  });

  test('PUT through a URL stores the object; its response hides nothing the owner needs', async () => {
    const put = await call(urlFor('PUT', `${base}/c/uploaded`), { method: 'PUT', body: 'new contents', headers: { 'X-Object-Meta-Note': 'hi' } });
    assert.equal(put.status, 201);
    const got = await call(`${s.storageUrl}/c/uploaded`, { token: s.token });
    assert.equal(got.text, 'new contents');
    assert.equal(got.headers.get('x-object-meta-note'), 'hi');
    // A PUT URL allows HEAD of what it wrote, not GET.
    assert.equal((await call(urlFor('PUT', `${base}/c/uploaded`), { method: 'HEAD' })).status, 200);
    assertInvalid(await call(urlFor('PUT', `${base}/c/uploaded`)));
  });

  test('a manifest or symlink header on a write → 400, and nothing is written', async () => {
    const put = await call(urlFor('PUT', `${base}/c/sneaky`), { method: 'PUT', body: '', headers: { 'X-Object-Manifest': 'other/seg' } });
    assert.equal(put.status, 400);
    assert.equal(put.text, "The header 'X-Object-Manifest' is not allowed in this tempurl");
    assert.equal((await call(`${s.storageUrl}/c/sneaky`, { token: s.token })).status, 404);
    const link = await call(urlFor('PUT', `${base}/c/sneaky`), { method: 'PUT', body: '', headers: { 'X-Symlink-Target': 'other/seg1' } });
    assert.equal(link.status, 400);
    const post = await call(urlFor('POST', `${base}/c/obj`), { method: 'POST', headers: { 'X-Object-Manifest': 'other/seg' } });
    assert.equal(post.status, 400);
    const head = await call(`${s.storageUrl}/c/obj`, { method: 'HEAD', token: s.token });
    assert.equal(head.headers.get('x-object-manifest'), null);
  });

  test('DELETE through a URL removes the object', async () => {
    assert.equal((await call(`${s.storageUrl}/c/doomed`, { method: 'PUT', body: 'x', token: s.token })).status, 201);
    assert.equal((await call(urlFor('DELETE', `${base}/c/doomed`), { method: 'DELETE' })).status, 204);
    assert.equal((await call(`${s.storageUrl}/c/doomed`, { token: s.token })).status, 404);
  });

  test('private object metadata is hidden from the URL holder; X-Object-Meta-Public-* is shown', async () => {
    const res = await call(urlFor('GET', `${base}/c/obj`));
    assert.equal(res.headers.get('x-object-meta-color'), null);
    assert.equal(res.headers.get('x-object-meta-public-tag'), 'shared');
    const owner = await call(`${s.storageUrl}/c/obj`, { token: s.token });
    assert.equal(owner.headers.get('x-object-meta-color'), 'blue');
  });

  test('Content-Disposition: filename and inline from the URL, else the object\'s own', async () => {
    const named = await call(urlFor('GET', `${base}/c/obj`, ACCOUNT_KEY, inADay(), { filename: 'report ü.txt' }));
    assert.equal(named.headers.get('content-disposition'), `attachment; filename="report %C3%BC.txt"; filename*=UTF-8''report%20%C3%BC.txt`);
    const inline = await call(urlFor('GET', `${base}/c/obj`, ACCOUNT_KEY, inADay(), { inline: '' }));
    assert.equal(inline.headers.get('content-disposition'), 'inline');
    const inlineNamed = await call(urlFor('GET', `${base}/c/obj`, ACCOUNT_KEY, inADay(), { inline: '', filename: 'a.txt' }));
    assert.equal(inlineNamed.headers.get('content-disposition'), `inline; filename="a.txt"; filename*=UTF-8''a.txt`);
    const stored = await call(urlFor('GET', `${base}/c/named`));
    assert.equal(stored.headers.get('content-disposition'), 'attachment; filename="stored.txt"');
  });

  test('other query parameters do not reach the object: multipart-manifest=get is ignored on a DLO', async () => {
    const res = await call(urlFor('GET', `${base}/keyed/dlo-inside`, ACCOUNT_KEY, inADay(), { 'multipart-manifest': 'get' }));
    assert.equal(res.status, 200);
    assert.equal(res.text, 'one fish two fish');
  });

  test('an account key reaches segments in other containers of the account', async () => {
    const res = await call(urlFor('GET', `${base}/keyed/dlo-outside`));
    assert.equal(res.status, 200);
    assert.equal(res.text, 'red fish blue fish');
  });

  test('a token sent along is ignored: the signature alone decides', async () => {
    const other = await login(server.url, 'test2:tester2', 'testing2');
    const res = await call(urlFor('GET', `${base}/c/obj`), { token: other.token });
    assert.equal(res.status, 200);
    const bad = await call(urlFor('GET', `${base}/c/obj`, 'wrong-key'), { token: s.token });
    assert.equal(bad.status, 401, 'an owner token does not rescue a bad signature');
  });
});

describe('temporary URLs signed with a container key', () => {
  test('GET and HEAD work in that container only', async () => {
    const res = await call(urlFor('GET', `${base}/keyed/seg1`, CONTAINER_KEY));
    assert.equal(res.status, 200);
    assert.equal(res.text, 'one fish ');
    assert.equal((await call(urlFor('GET', `${base}/keyed/seg1`, CONTAINER_KEY), { method: 'HEAD' })).status, 200);
    assertInvalid(await call(urlFor('GET', `${base}/c/obj`, CONTAINER_KEY)));
  });

  test('a DLO whose segments are in the same container is served; one reaching into another container → 401', async () => {
    const inside = await call(urlFor('GET', `${base}/keyed/dlo-inside`, CONTAINER_KEY));
    assert.equal(inside.status, 200);
    assert.equal(inside.text, 'one fish two fish');
    assert.equal((await call(urlFor('GET', `${base}/keyed/dlo-outside`, CONTAINER_KEY))).status, 401);
    assert.equal((await call(urlFor('GET', `${base}/keyed/dlo-outside`, CONTAINER_KEY), { method: 'HEAD' })).status, 401);
  });

  test('the container key is an owner-only header: a read-ACL user does not see it', async () => {
    assert.equal((await call(`${s.storageUrl}/keyed`, {
      method: 'POST', token: s.token, headers: { 'X-Container-Read': 'test2:tester2' },
    })).status, 204);
    const reader = await login(server.url, 'test2:tester2', 'testing2');
    const seen = await call(`${s.storageUrl}/keyed`, { method: 'HEAD', token: reader.token });
    assert.equal(seen.status, 204);
    assert.equal(seen.headers.get('x-container-meta-temp-url-key'), null);
    const owner = await call(`${s.storageUrl}/keyed`, { method: 'HEAD', token: s.token });
    assert.equal(owner.headers.get('x-container-meta-temp-url-key'), CONTAINER_KEY);
  });
});

describe('prefix URLs, digests and address ranges', () => {
  test('temp_url_prefix grants the objects under the prefix and nothing else', async () => {
    const expires = inADay();
    const prefixSig = sig(ACCOUNT_KEY, 'GET', expires, `${base}/c/ob`, 'sha256', { prefix: true });
    const params = { temp_url_sig: prefixSig, temp_url_expires: String(expires), temp_url_prefix: 'ob' };
    assert.equal((await call(signedUrl(`${base}/c/obj`, params))).text, 'obj contents');
    assertInvalid(await call(signedUrl(`${base}/c/other-obj`, params)));
    const { temp_url_prefix: _dropped, ...withoutPrefix } = params;
    assertInvalid(await call(signedUrl(`${base}/c/obj`, withoutPrefix)));
  });

  test('sha1, sha256 and sha512 in hex or base64 (standard or URL-safe, padded or not) are accepted', async () => {
    const path = `${base}/c/obj`;
    for (const digest of ['sha1', 'sha256', 'sha512']) {
      for (const encoding of ['hex', 'base64', 'base64url', 'unpadded'] as const) {
        const expires = inADay();
        const mac = createHmac(digest, ACCOUNT_KEY).update(`GET\n${expires}\n${path}`).digest();
        const text = encoding === 'hex' ? mac.toString('hex')
          : encoding === 'base64' ? `${digest}:${mac.toString('base64')}`
            : encoding === 'base64url' ? `${digest}:${mac.toString('base64url')}`
              : `${digest}:${mac.toString('base64').replace(/=+$/, '')}`;
        const res = await call(signedUrl(path, { temp_url_sig: text, temp_url_expires: String(expires) }));
        assert.equal(res.status, 200, `${digest} ${encoding}`);
      }
    }
  });

  test('an unknown digest, a hex signature of no known length or a bad base64 character → 401', async () => {
    const expires = inADay();
    const path = `${base}/c/obj`;
    const md5 = createHmac('md5', ACCOUNT_KEY).update(`GET\n${expires}\n${path}`).digest();
    assertInvalid(await call(signedUrl(path, { temp_url_sig: `md5:${md5.toString('base64')}`, temp_url_expires: String(expires) })));
    assertInvalid(await call(signedUrl(path, { temp_url_sig: md5.toString('hex'), temp_url_expires: String(expires) })));
    const sha = createHmac('sha256', ACCOUNT_KEY).update(`GET\n${expires}\n${path}`).digest('base64');
    assertInvalid(await call(signedUrl(path, { temp_url_sig: `sha256:${sha.slice(0, 10)}!${sha.slice(11)}`, temp_url_expires: String(expires) })));
  });

  test('temp_url_ip_range is signed and enforced against the client address', async () => {
    const path = `${base}/c/obj`;
    const expires = inADay();
    const ranged = (range: string, signedRange = range) => signedUrl(path, {
      temp_url_sig: sig(ACCOUNT_KEY, 'GET', expires, path, 'sha256', { ipRange: signedRange }),
      temp_url_expires: String(expires), temp_url_ip_range: range,
    });
    assert.equal((await call(ranged('127.0.0.1'))).status, 200);
    assert.equal((await call(ranged('127.0.0.0/8'))).status, 200);
    assertInvalid(await call(ranged('10.0.0.0/8')));
    assertInvalid(await call(ranged('127.0.0.1/8')), 'GET'); // host bits set: not a network
    assertInvalid(await call(ranged('127.0.0.0/8', '10.0.0.0/8'))); // range not the one signed
  });
});

describe('service accounts and discovery', () => {
  test('a user alone cannot put a key on SERVICE_<project>; user + service tokens can, and its URLs work', async () => {
    const serviceAccount = `${server.url}/v1/SERVICE_test`;
    const key = 'service-held-secret';
    assert.equal((await call(serviceAccount, { method: 'POST', token: s.token, headers: { 'X-Account-Meta-Temp-URL-Key': key } })).status, 403);
    assert.equal((await call(serviceAccount, { method: 'POST', token: s.token, serviceToken: service, headers: { 'X-Account-Meta-Temp-URL-Key': key } })).status, 204);
    assert.equal((await call(`${serviceAccount}/images`, { method: 'PUT', token: s.token, serviceToken: service })).status, 201);
    assert.equal((await call(`${serviceAccount}/images/i1`, { method: 'PUT', body: 'image bytes', token: s.token, serviceToken: service })).status, 201);
    const res = await call(urlFor('GET', '/v1/SERVICE_test/images/i1', key));
    assert.equal(res.status, 200);
    assert.equal(res.text, 'image bytes');
    // The user's AUTH_ key does not sign for the service account.
    assert.equal((await call(urlFor('GET', '/v1/SERVICE_test/images/i1', ACCOUNT_KEY))).status, 401);
  });

  test('/info publishes tempurl with its methods and digests', async () => {
    const info = JSON.parse((await call(`${server.url}/info`)).text) as { tempurl?: { methods: string[]; allowed_digests: string[]; deprecated_digests: string[] } };
    assert.deepEqual(info.tempurl?.methods, ['GET', 'HEAD', 'PUT', 'POST', 'DELETE']);
    assert.deepEqual(info.tempurl?.allowed_digests, ['sha1', 'sha256', 'sha512']);
    assert.deepEqual(info.tempurl?.deprecated_digests, ['sha1']);
  });

  test('without the parameters a request is judged by its token as before', async () => {
    assert.equal((await call(`${s.storageUrl}/c/obj`)).status, 401);
    const res = await call(`${s.storageUrl}/c/obj`, { token: s.token });
    assert.equal(res.status, 200);
    assert.equal(createHash('md5').update(res.bytes).digest('hex'), res.headers.get('etag'));
  });
});
