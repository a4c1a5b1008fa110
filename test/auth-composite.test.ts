/**
 * The composite-token matrix of docs/auth-rules.md section 3.1 (C1–C17) through HTTP against a real server, with
 * the built-in identity and tempauth-style users mapped to roles (D1): U = test:tester (.admin → admin
 * on project test), S = test5:tester5 (.service → service), reseller prefixes AUTH and SERVICE with
 * SERVICE_service_roles = service (the out-of-the-box configuration).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AUDITOR_USER_TOML, startServer, type TestServer } from './helpers/server.js';
import { call, login } from './helpers/swift.js';

let server: TestServer;
let U: string; // admin of project test
let U1: string; // test:tester3, member only
let U2: string; // admin of project test2
let S: string; // service user
let R: string; // reseller admin
let base: string;

before(async () => {
  server = await startServer({
    extraToml: '[swift]\nallow_account_management = true\n',
    extraUsersToml: AUDITOR_USER_TOML,
  });
  base = `${server.url}/v1`;
  U = (await login(server.url, 'test:tester', 'testing')).token;
  U1 = (await login(server.url, 'test:tester3', 'testing3')).token;
  U2 = (await login(server.url, 'test2:tester2', 'testing2')).token;
  S = (await login(server.url, 'test5:tester5', 'testing5')).token;
  R = (await login(server.url, 'test6:tester6', 'testing6')).token;
});
after(async () => { await server.stop(); });

const status = async (method: string, path: string, token?: string, serviceToken?: string, body?: string) =>
  (await call(`${base}${path}`, { method, token, serviceToken, ...(body !== undefined ? { body } : {}) })).status;

describe('composite tokens (docs/auth-rules.md 3.1)', () => {
  test('C1 user token on AUTH_P → 2xx, account DELETE 403', async () => {
    assert.equal(await status('HEAD', '/AUTH_test', U), 204);
    assert.equal(await status('PUT', '/AUTH_test/c1', U), 201);
    assert.equal(await status('PUT', '/AUTH_test/c1/o', U, undefined, 'x'), 201);
    assert.equal(await status('GET', '/AUTH_test/c1/o', U), 200);
    assert.equal(await status('DELETE', '/AUTH_test', U), 403);
  });

  test('C2 user token alone on SERVICE_P → 403 for every method', async () => {
    for (const [m, p] of [['GET', '/SERVICE_test'], ['HEAD', '/SERVICE_test'], ['POST', '/SERVICE_test'],
      ['PUT', '/SERVICE_test/c'], ['GET', '/SERVICE_test/c'], ['PUT', '/SERVICE_test/c/o'], ['DELETE', '/SERVICE_test/c/o']] as const) {
      assert.equal(await status(m, p, U), 403, `${m} ${p}`);
    }
  });

  test('C3 user + service token on SERVICE_P → 2xx for containers, objects and account reads; account DELETE 403', async () => {
    assert.equal(await status('PUT', '/SERVICE_test/images', U, S), 201);
    assert.equal(await status('POST', '/SERVICE_test/images', U, S), 204);
    assert.equal(await status('HEAD', '/SERVICE_test/images', U, S), 204);
    assert.equal(await status('PUT', '/SERVICE_test/images/img1', U, S, 'image bytes'), 201);
    const got = await call(`${base}/SERVICE_test/images/img1`, { token: U, serviceToken: S });
    assert.equal(got.status, 200);
    assert.equal(got.text, 'image bytes');
    assert.equal(await status('HEAD', '/SERVICE_test/images/img1', U, S), 200);
    assert.equal(await status('POST', '/SERVICE_test/images/img1', U, S), 202);
    const listing = await call(`${base}/SERVICE_test/images`, { token: U, serviceToken: S });
    assert.equal(listing.text, 'img1\n');
    assert.equal(await status('GET', '/SERVICE_test', U, S), 200);
    assert.equal(await status('HEAD', '/SERVICE_test', U, S), 204);
    assert.equal(await status('POST', '/SERVICE_test', U, S), 204);
    assert.equal(await status('DELETE', '/SERVICE_test/images/img1', U, S), 204);
    assert.equal(await status('DELETE', '/SERVICE_test/images', U, S), 204);
    assert.equal(await status('DELETE', '/SERVICE_test', U, S), 403);
  });

  test('C4 service token alone → 401 on SERVICE_P and AUTH_P', async () => {
    assert.equal(await status('GET', '/SERVICE_test', undefined, S), 401);
    assert.equal(await status('GET', '/AUTH_test', undefined, S), 401);
  });

  test('C5 service user as X-Auth-Token (alone or in both headers) → 403', async () => {
    assert.equal(await status('GET', '/SERVICE_test', S), 403);
    assert.equal(await status('GET', '/AUTH_test', S), 403);
    assert.equal(await status('GET', '/SERVICE_test', S, S), 403);
  });

  test('C6 user token sent as service token → 401 (D4)', async () => {
    assert.equal(await status('GET', '/SERVICE_test', U, U), 401);
  });

  test('C7 member (no operator role) + service token → 403 on SERVICE_P and AUTH_P', async () => {
    assert.equal(await status('GET', '/SERVICE_test', U1, S), 403);
    assert.equal(await status('GET', '/AUTH_test', U1, S), 403);
  });

  test('C8 admin of another project + service token → 403', async () => {
    assert.equal(await status('GET', '/SERVICE_test', U2, S), 403);
  });

  test('C9 valid user + invalid service token → 401 on any account, AUTH_P included', async () => {
    assert.equal(await status('GET', '/SERVICE_test', U, 'gSbogus'), 401);
    assert.equal(await status('GET', '/AUTH_test', U, 'gSbogus'), 401);
  });

  test('C10 invalid user token + service token → 401', async () => {
    assert.equal(await status('GET', '/SERVICE_test', 'gSbogus', S), 401);
  });

  test('C12 user + service token on AUTH_P → 2xx (the service token does no harm)', async () => {
    assert.equal(await status('HEAD', '/AUTH_test', U, S), 204);
  });

  test('C13 reseller admin alone on SERVICE_P → 2xx, account DELETE included', async () => {
    assert.equal(await status('PUT', '/SERVICE_test/r', R), 201);
    assert.equal(await status('GET', '/SERVICE_test', R), 200);
    assert.equal(await status('DELETE', '/SERVICE_test/r', R), 204);
    assert.equal(await status('DELETE', '/SERVICE_test', R), 204);
  });

  test('C14 OPTIONS → 200 whatever the tokens', async () => {
    assert.equal(await status('OPTIONS', '/SERVICE_test/c'), 200);
    assert.equal(await status('OPTIONS', '/SERVICE_test/c', U), 200);
    assert.equal(await status('OPTIONS', '/AUTH_test/c/o', undefined, S), 200);
  });

  test('C15 role sets are never merged: `service` in X-Auth-Token is no service role', async () => {
    // tester5 holds `service` on test5 but no operator role: its own SERVICE_ account stays closed.
    assert.equal(await status('GET', '/SERVICE_test5', S, S), 403);
  });

  test('C17 only the X-Auth-Token project decides: U + S cannot reach SERVICE_ of another project', async () => {
    assert.equal(await status('GET', '/SERVICE_test2', U, S), 403);
  });
});

describe('read-only roles', () => {
  test('D6 SERVICE_reader_roles is off by default: the auditor role alone gives nothing', async () => {
    const A = (await login(server.url, 'audit:auditor', 'auditpw')).token;
    assert.equal(await status('GET', '/SERVICE_test', A), 403);
  });
});

describe('sub-requests are authorised again (D10, K1)', () => {
  test('K1 COPY from AUTH_P into SERVICE_P without a service token → 403, with one → 201', async () => {
    assert.equal(await status('PUT', '/AUTH_test/k1', U), 201);
    assert.equal(await status('PUT', '/AUTH_test/k1/src', U, undefined, 'secret'), 201);
    assert.equal(await status('PUT', '/SERVICE_test/k1', U, S), 201);
    const copy = (serviceToken?: string) => call(`${base}/AUTH_test/k1/src`, {
      method: 'COPY', token: U, serviceToken, headers: { Destination: 'k1/dst', 'Destination-Account': 'SERVICE_test' },
    });
    assert.equal((await copy()).status, 403);
    assert.equal(await status('HEAD', '/SERVICE_test/k1/dst', U, S), 404);
    assert.equal((await copy(S)).status, 201);
    assert.equal((await call(`${base}/SERVICE_test/k1/dst`, { token: U, serviceToken: S })).text, 'secret');
  });

  test('D10 X-Copy-From a SERVICE_ object needs the service token for the source read', async () => {
    assert.equal(await status('PUT', '/SERVICE_test/k1/hidden', U, S, 'service data'), 201);
    const res = await call(`${base}/AUTH_test/k1/leak`, {
      method: 'PUT', token: U, headers: { 'X-Copy-From': 'k1/hidden', 'X-Copy-From-Account': 'SERVICE_test', 'Content-Length': '0' },
    });
    assert.equal(res.status, 403);
    assert.equal(await status('HEAD', '/AUTH_test/k1/leak', U), 404);
  });
});
