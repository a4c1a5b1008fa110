/**
 * docs/auth-rules.md R8.7, tempauth's composite matrix, mapped through D1 onto the one policy engine: groups become
 * roles (.admin → admin, .service → service, .reseller_admin → ResellerAdmin) and `PRE2_require_group
 * = .service` becomes `PRE2_service_roles = service`. Where tempauth's own answers differ, the rules'
 * decisions win and say so: D4 (a user token as service token → 401) and C9 (an invalid service token
 * discards the identity → 401).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login } from './helpers/swift.js';

const USERS = `
[[identity.users]]
project = "acct"
name = "joe"
password = "joepw"
roles = [".admin"]

[[identity.users]]
project = "glance"
name = "glance"
password = "glancepw"
roles = [".service"]
`;

describe('R8.7 with PRE2_service_roles = service (tempauth: PRE2_require_group = .service)', () => {
  let server: TestServer;
  let joe: string;
  let glance: string;
  let reseller: string;
  const url = (path: string) => `${server.url}/v1/${path}`;
  const st = async (method: string, path: string, token?: string, serviceToken?: string) =>
    (await call(url(path), { method, token, serviceToken })).status;

  before(async () => {
    server = await startServer({
      extraToml: '[swift]\nallow_account_management = true\n[auth]\nreseller_prefix = "AUTH, PRE2"\nPRE2_service_roles = "service"\n',
      extraUsersToml: USERS,
    });
    joe = (await login(server.url, 'acct:joe', 'joepw')).token;
    glance = (await login(server.url, 'glance:glance', 'glancepw')).token;
    reseller = (await login(server.url, 'test6:tester6', 'testing6')).token;
  });
  after(async () => { await server.stop(); });

  test('joe alone → 403', async () => assert.equal(await st('GET', 'PRE2_acct', joe), 403));
  test('joe + glance service token → 2xx; DELETE of the account → 403', async () => {
    assert.equal(await st('PUT', 'PRE2_acct/c', joe, glance), 201);
    assert.equal(await st('GET', 'PRE2_acct', joe, glance), 200);
    assert.equal(await st('DELETE', 'PRE2_acct', joe, glance), 403);
  });
  test('glance alone, or in both headers → 403', async () => {
    assert.equal(await st('GET', 'PRE2_acct', glance), 403);
    assert.equal(await st('GET', 'PRE2_acct', glance, glance), 403);
  });
  test('joe in both headers → 401 (D4; tempauth said 403)', async () => assert.equal(await st('GET', 'PRE2_acct', joe, joe), 401));
  test('bad X-Auth-Token, with or without a service token → 401', async () => {
    assert.equal(await st('GET', 'PRE2_acct', 'gSbad'), 401);
    assert.equal(await st('GET', 'PRE2_acct', 'gSbad', glance), 401);
  });
  test('good user + bad service token → 401 (C9; tempauth said 403)', async () => assert.equal(await st('GET', 'PRE2_acct', joe, 'gSbad'), 401));
  test('.reseller_admin deletes the account', async () => {
    assert.equal(await st('DELETE', 'PRE2_acct/c', reseller), 204);
    assert.equal(await st('DELETE', 'PRE2_acct', reseller), 204);
  });
  test('AUTH_ accounts need no service token', async () => assert.equal(await st('HEAD', 'AUTH_acct', joe), 204));
});

describe('R8.7 without a service requirement on PRE2', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ extraToml: '[auth]\nreseller_prefix = "AUTH, PRE2"\n', extraUsersToml: USERS });
  });
  after(async () => { await server.stop(); });

  test('an .admin of acct reaches PRE2_acct alone', async () => {
    const joe = (await login(server.url, 'acct:joe', 'joepw')).token;
    assert.equal((await call(`${server.url}/v1/PRE2_acct`, { method: 'HEAD', token: joe })).status, 204);
  });
});
