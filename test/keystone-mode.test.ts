/**
 * Identity mode `keystone` without a Keystone: the configuration it needs, and what a server in that
 * mode does when Keystone cannot be reached (503, never a grant). The interop tier against a real
 * Keystone is test-keystone/ (`npm run test:keystone`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { freePort } from './helpers/server.js';
import { call } from './helpers/swift.js';
import { errorCode, send, signV2, signV4 } from './helpers/s3-sign.js';
import { startKeystoneSwiftlet, type KeystoneSwiftlet } from '../test-keystone/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'swiftlet-ksconf-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const load = (toml: string) => {
  const path = join(dir, `k${++n}.toml`);
  writeFileSync(path, toml);
  return loadConfig(path, {});
};
const rejects = (toml: string, pattern: RegExp) =>
  assert.throws(() => load(toml), (err: unknown) => err instanceof ConfigError && pattern.test(err.message));

const KS = '[keystone]\nauth_url = "http://127.0.0.1:5000/v3"\nusername = "swiftlet"\npassword = "pw"\nproject_name = "service"\n';

describe('[identity] mode and [keystone]', () => {
  test('defaults: built-in identity; keystone section defaults as keystonemiddleware (cache 300 s)', () => {
    const c = loadConfig(undefined, {});
    assert.equal(c.identity.mode, 'builtin');
    assert.equal(c.keystone.token_cache_time, 300);
    assert.equal(c.keystone.user_domain_name, 'Default');
    assert.equal(c.keystone.project_domain_name, 'Default');
    assert.equal(c.keystone.timeout, 10);
  });

  test('keystone mode with credentials; token_cache_time = -1 disables the cache', () => {
    const c = load(`[identity]\nmode = "keystone"\n${KS}token_cache_time = -1\ntimeout = 3\nuser_domain_name = "users"\n`);
    assert.equal(c.identity.mode, 'keystone');
    assert.equal(c.keystone.auth_url, 'http://127.0.0.1:5000/v3');
    assert.equal(c.keystone.token_cache_time, -1);
    assert.equal(c.keystone.timeout, 3);
    assert.equal(c.keystone.user_domain_name, 'users');
  });

  test('mistakes are start-up errors naming the key', () => {
    rejects('[identity]\nmode = "keystones"\n', /"identity\.mode" must be one of "builtin", "keystone"/);
    rejects('[identity]\nmode = "keystone"\n', /"keystone\.auth_url" is required/);
    rejects(`[identity]\nmode = "keystone"\n${KS.replace('password = "pw"\n', '')}`, /"keystone\.password" is required/);
    rejects(`[identity]\nmode = "keystone"\n${KS.replace('http://127.0.0.1:5000/v3', 'keystone:5000')}`, /"keystone\.auth_url" must be an http\(s\) URL/);
    rejects(`${KS}token_cache_time = -2\n`, /"keystone\.token_cache_time" must be an integer, -1/);
    rejects(`${KS}token_cache_time = "300"\n`, /"keystone\.token_cache_time" must be an integer/);
    rejects(`${KS}token_cache = 5\n`, /unknown key "keystone\.token_cache"; did you mean "keystone\.token_cache_time"/);
    rejects(`${KS}timeout = -1\n`, /"keystone\.timeout" must be a non-negative integer/);
    rejects(`[identity]\nmode = "keystone"\n${KS}timeout = 0\n`, /"keystone\.timeout" must be at least 1/);
    rejects(`${KS}\n[identity]\nmode = "keystone"\n[[identity.users]]\nproject = "p"\nname = "n"\npassword = "x"\n`, /users live in Keystone/);
  });
});

describe('keystone mode with Keystone unreachable', () => {
  let server: KeystoneSwiftlet;
  before(async () => {
    const dead = await freePort(); // nothing listens there
    server = await startKeystoneSwiftlet(`auth_url = "http://127.0.0.1:${dead}/v3"\nusername = "swiftlet"\npassword = "pw"\nproject_name = "service"\ntimeout = 2\n`);
  });
  after(async () => { await server.stop(); });

  test('start-up says so, and the server still starts', () => {
    assert.match(server.output(), /Identity: external Keystone at http:\/\/127\.0\.0\.1:\d+\/v3/);
    assert.match(server.output(), /cannot log in to Keystone yet/);
  });

  test('a request with a token → 503, with a service token too; nothing is written', async () => {
    assert.equal((await call(`${server.url}/v1/AUTH_p`, { method: 'HEAD', token: 'gAAAAAsometoken' })).status, 503);
    assert.equal((await call(`${server.url}/v1/SERVICE_p/c`, { method: 'PUT', token: 'a', serviceToken: 'b' })).status, 503);
    assert.equal((await call(`${server.url}/v1/AUTH_p/c`, { method: 'PUT', serviceToken: 'b' })).status, 503);
  });

  test('requests without a token need no Keystone: 401 with Swift\'s and Keystone\'s challenges; OPTIONS, /info, /healthcheck work', async () => {
    const r = await call(`${server.url}/v1/AUTH_p`);
    assert.equal(r.status, 401);
    const challenges = r.headers.get('www-authenticate') ?? '';
    assert.match(challenges, /Swift realm="AUTH_p"/);
    assert.match(challenges, /Keystone uri="http:\/\/127\.0\.0\.1:\d+"/);
    assert.equal((await call(`${server.url}/v1/AUTH_p/c`, { method: 'OPTIONS' })).status, 200);
    assert.equal((await call(`${server.url}/info`)).status, 200);
    assert.equal((await call(`${server.url}/healthcheck`)).text, 'OK');
  });

  test('an S3 request (V4 or V2) → 503 ServiceUnavailable as S3 XML, never AccessDenied', async () => {
    const port = Number(new URL(server.url).port);
    const creds = { access: '0123456789abcdef0123456789abcdef', secret: 'whatever' };
    for (const a of [
      await send(port, signV4(creds, `127.0.0.1:${port}`, 'GET', '/bucket/key')),
      await send(port, { method: 'PUT', path: '/bucket', headers: signV2(creds, 'PUT', '/bucket') }),
    ]) {
      assert.equal(a.status, 503, a.body);
      assert.equal(errorCode(a), 'ServiceUnavailable');
      assert.match(String(a.headers['content-type']), /application\/xml/);
    }
  });

  test('D9 keystoneauth test_invalid_request_authorized / _non_authorized: the unsplittable path "/" → 404 for every method (no identity root in this mode)', async () => {
    for (const method of ['GET', 'HEAD', 'PUT', 'POST', 'DELETE']) {
      assert.equal((await call(`${server.url}/`, { method })).status, 404, method);
    }
  });

  test('the built-in identity API is not served: /auth/v1.0 and /v3 issue no tokens', async () => {
    const v1 = await call(`${server.url}/auth/v1.0`, { headers: { 'X-Auth-User': 'admin:admin', 'X-Auth-Key': 'x' } });
    assert.equal(v1.status, 400);
    assert.equal(v1.headers.get('x-auth-token'), null);
    const v3 = await call(`${server.url}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(v3.status, 400);
    assert.equal(v3.headers.get('x-subject-token'), null);
  });
});
