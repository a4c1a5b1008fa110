/**
 * Section 11 of docs/auth-rules.md (the acceptance list) through HTTP against a real server: the items not already
 * asserted by auth-composite, auth-acl, auth-expired, auth-tempauth-matrix and project-domain tests.
 * Test names carry the rule id and the Swift / keystonemiddleware test they stand for; the mapping
 * of every item is docs/acceptance.md. Expected answers were checked against Swift 2.30 (tempauth SAIO)
 * where Swift can be asked; where Swiftlet's decisions (D1–D10) make Swiftlet differ, the name says so.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login } from './helpers/swift.js';
import { syncToError } from '../src/middleware/container-sync/sync-to.js';

const EXTRA_USERS = `
[[identity.users]]
project = "solo"
name = "solo"
password = "solopw"
roles = ["member"]

[[identity.users]]
project = "test"
name = "reader"
password = "readerpw"
roles = ["reader"]

[[identity.users]]
project = "audit"
name = "rr"
password = "rrpw"
roles = [".reseller_reader"]

[[identity.users]]
project = "audit"
name = "sa"
password = "sapw"
roles = ["SysAuditor"]

[[identity.users]]
project = "test"
name = "sysop"
password = "sysoppw"
roles = ["reseller_reader", "admin"]

[[identity.users]]
project = "tést"
name = "téster"
password = "páss"
roles = [".admin"]
`;

let server: TestServer;
let v1: string;
let U: string; // test:tester, admin of test
let U3: string; // test:tester3, member of test (no operator role)
let U2: string; // test2:tester2, admin of test2
let S: string; // test5:tester5, service
let R: string; // test6:tester6, reseller admin
let RR: string; // audit:rr, .reseller_reader → system reader

before(async () => {
  server = await startServer({
    extraToml: '[swift]\nallow_account_management = true\n[auth]\nsystem_reader_roles = "reseller_reader, SysAuditor"\nproject_reader_roles = "reader"\n',
    extraUsersToml: EXTRA_USERS,
  });
  v1 = `${server.url}/v1`;
  U = (await login(server.url, 'test:tester', 'testing')).token;
  U3 = (await login(server.url, 'test:tester3', 'testing3')).token;
  U2 = (await login(server.url, 'test2:tester2', 'testing2')).token;
  S = (await login(server.url, 'test5:tester5', 'testing5')).token;
  R = (await login(server.url, 'test6:tester6', 'testing6')).token;
  RR = (await login(server.url, 'audit:rr', 'rrpw')).token;
});
after(async () => { await server.stop(); });

const st = async (method: string, path: string, token?: string, headers: Record<string, string> = {}, serviceToken?: string) =>
  (await call(`${v1}${path}`, { method, token, serviceToken, headers, ...(method === 'PUT' && path.split('/').length > 3 ? { body: 'x' } : {}) })).status;

describe('keystoneauth SwiftAuth / TestAuthorize', () => {
  test('D9 test_invalid_request_authorized / _non_authorized: "/" → 404 with or without a token (GET / is the identity discovery document)', async () => {
    for (const method of ['PUT', 'POST', 'DELETE']) {
      assert.equal((await call(`${server.url}/`, { method })).status, 404, `${method} / anonymous`);
      assert.equal((await call(`${server.url}/`, { method, token: U })).status, 404, `${method} / with a token`);
    }
    assert.equal((await call(`${server.url}/`)).status, 300);
  });

  test('S4 test_confirmed_identity_is_authorized / test_authed_for_path_single / test_reseller_admin_is_owner: ResellerAdmin reaches any AUTH_ account as owner', async () => {
    assert.equal(await st('PUT', '/AUTH_test2/rc', U2, { 'X-Container-Read': 'test:*' }), 201);
    assert.equal(await st('GET', '/AUTH_test2/rc', R), 204);
    assert.equal(await st('PUT', '/AUTH_test2/rc/o', R), 201);
    assert.equal(await st('GET', '/AUTH_anything', R), 204);
    // owner: the reseller sees owner-only headers (proxy test_container.py::test_reseller_admin)
    const head = await call(`${v1}/AUTH_test2/rc`, { method: 'HEAD', token: R });
    assert.equal(head.headers.get('x-container-read'), 'test:*');
  });

  test('S9 test_confirmed_identity_is_not_authorized / fails_for_unauthorized_user: an admin of another project → 403', async () => {
    assert.equal(await st('GET', '/AUTH_test2', U), 403);
    assert.equal(await st('PUT', '/AUTH_test2/mine', U), 403);
    assert.equal(await st('PUT', '/AUTH_test2/rc/o2', U), 403); // rc has a read ACL for test, no write ACL
  });

  test('R5.4 test_anonymous_is_authorized_for_permitted_referrer(_with_validtoken): .r:* object read → 200 anonymous and with a token of another project', async () => {
    assert.equal(await st('PUT', '/AUTH_test/pub', U, { 'X-Container-Read': '.r:*' }), 201);
    assert.equal(await st('PUT', '/AUTH_test/pub/o', U), 201);
    assert.equal(await st('GET', '/AUTH_test/pub/o'), 200);
    assert.equal(await st('GET', '/AUTH_test/pub/o', U2), 200);
  });

  test('R1.5 test_anonymous_is_not_authorized_for_unknown_reseller_prefix / test_unknown_prefix / fails_for_invalid_reseller_prefix: BLAH_ → 401 anonymous or with a foreign token, 403 with a valid token; S4 reseller admin still allowed', async () => {
    assert.equal(await st('GET', '/BLAH_foo'), 401);
    assert.equal(await st('GET', '/BLAH_foo', 'BLAH_tkforeign'), 401);
    assert.equal(await st('GET', '/BLAH_test', U), 403);
    assert.equal(await st('PUT', '/BLAH_test/c', U), 403);
    // keystoneauth checks the reseller admin before the prefix (D1; tempauth would say 403)
    assert.equal(await st('GET', '/BLAH_foo', R), 204);
  });

  test('test_auth_scheme / tempauth test_anon: 401 carries WWW-Authenticate: Swift realm="<account>"', async () => {
    const res = await call(`${v1}/AUTH_test/c/o`);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Swift realm="AUTH_test"');
    const invalid = await call(`${v1}/AUTH_test`, { token: 'gSnotatoken' });
    assert.equal(invalid.status, 401);
    assert.equal(invalid.headers.get('www-authenticate'), 'Swift realm="AUTH_test"');
  });

  test('test_denied_responses: Confirmed (+ service Confirmed) → 403; none / Invalid / Invalid + svc Confirmed / Confirmed + svc Invalid / Invalid + svc Invalid → 401', async () => {
    assert.equal(await st('GET', '/AUTH_test2', U), 403);
    assert.equal(await st('GET', '/AUTH_test2', U, {}, S), 403);
    assert.equal(await st('GET', '/AUTH_test2'), 401);
    assert.equal(await st('GET', '/AUTH_test2', 'gSinvalid'), 401);
    assert.equal(await st('GET', '/AUTH_test2', 'gSinvalid', {}, S), 401);
    assert.equal(await st('GET', '/AUTH_test2', U, {}, 'gSinvalid'), 401);
    assert.equal(await st('GET', '/AUTH_test2', 'gSinvalid', {}, 'gSinvalid'), 401);
  });

  test('R4.5 test_fails_same_user_and_tenant: user "solo" of project "solo" without an operator role → 403 (is_admin is gone)', async () => {
    const solo = (await login(server.url, 'solo:solo', 'solopw')).token;
    assert.equal(await st('GET', '/AUTH_solo', solo), 403);
    assert.equal(await st('PUT', '/AUTH_solo/c', solo), 403);
  });

  test('R5.3/S12 TestAuthorize referrers with an identity: fails_for_invalid_referrer, fails_for_referrer_without_rlistings → 403; succeeds_for_referrer_with_obj / _with_rlistings', async () => {
    assert.equal(await st('PUT', '/AUTH_test/refd', U, { 'X-Container-Read': '.r:example.com' }), 201);
    assert.equal(await st('PUT', '/AUTH_test/refd/o', U), 201);
    const good = { Referer: 'http://example.com/page' };
    assert.equal(await st('GET', '/AUTH_test/refd/o', U2, good), 200);
    assert.equal(await st('GET', '/AUTH_test/refd/o', U2, { Referer: 'http://evil.com/' }), 403);
    assert.equal(await st('GET', '/AUTH_test/refd/o', undefined, { Referer: 'http://evil.com/' }), 401);
    assert.equal(await st('GET', '/AUTH_test/refd', U2, good), 403);
    assert.equal(await st('GET', '/AUTH_test/refd', undefined, good), 401);
    assert.equal(await st('POST', '/AUTH_test/refd', U, { 'X-Container-Read': '.r:example.com,.rlistings' }), 204);
    assert.equal(await st('GET', '/AUTH_test/refd', U2, good), 200);
    assert.equal(await st('GET', '/AUTH_test/refd', undefined, good), 200);
    assert.equal(await st('GET', '/AUTH_test/refd', undefined, { Referer: 'http://evil.com/' }), 401);
  });

  test('R5.5/R5.6 tempauth test_authorize_acl_group_access: the named project:user matches, and the bare account name (every user of it); other users and other accounts do not', async () => {
    assert.equal(await st('PUT', '/AUTH_test/grp', U, { 'X-Container-Read': 'test2:nobody,test9:*,test3' }), 201);
    assert.equal(await st('PUT', '/AUTH_test/grp/o', U), 201);
    assert.equal(await st('GET', '/AUTH_test/grp/o', U2), 403);
    // tempauth's `<account>` group (checked against Swift 2.30's tempauth on the SAIO: admitted).
    assert.equal(await st('POST', '/AUTH_test/grp', U, { 'X-Container-Read': 'test2' }), 204);
    assert.equal(await st('GET', '/AUTH_test/grp/o', U2), 200);
    assert.equal(await st('POST', '/AUTH_test/grp', U, { 'X-Container-Read': 'test2:tester2' }), 204);
    assert.equal(await st('GET', '/AUTH_test/grp/o', U2), 200);
    assert.equal(await st('POST', '/AUTH_test/grp', U, { 'X-Container-Read': 'test2:*' }), 204);
    assert.equal(await st('GET', '/AUTH_test/grp/o', U2), 200);
  });

  test('proxy test_POST_calls_clean_acl / test_PUT_calls_clean_acl (R5.1): container POST cleans ACLs too, and refuses bad ones with 400', async () => {
    assert.equal(await st('PUT', '/AUTH_test/cleanpost', U), 201);
    assert.equal(await st('POST', '/AUTH_test/cleanpost', U, { 'X-Container-Read': ' .ref : www.example.com , ,, test2:* ' }), 204);
    const head = await call(`${v1}/AUTH_test/cleanpost`, { method: 'HEAD', token: U });
    assert.equal(head.headers.get('x-container-read'), '.r:www.example.com,test2:*');
    const bad = await call(`${v1}/AUTH_test/cleanpost`, { method: 'POST', token: U, headers: { 'X-Container-Write': '.r:*' } });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /Referrers not allowed in write ACL/);
  });
});

describe('R4.4 reseller requests (test_detect_reseller_request, keystoneauth and tempauth)', () => {
  test('R4.4 X-Container-Sharding: the reseller admin sees False until it sets it; owners can neither set nor see it', async () => {
    assert.equal(await st('PUT', '/AUTH_test/shard', U, { 'X-Container-Sharding': 'true' }), 201);
    const ownerHead = await call(`${v1}/AUTH_test/shard`, { method: 'HEAD', token: U });
    assert.equal(ownerHead.status, 204);
    assert.equal(ownerHead.headers.get('x-container-sharding'), null);
    const before = await call(`${v1}/AUTH_test/shard`, { method: 'HEAD', token: R });
    assert.equal(before.headers.get('x-container-sharding'), 'False');
    assert.equal(await st('POST', '/AUTH_test/shard', R, { 'X-Container-Sharding': 'yes' }), 204);
    assert.equal((await call(`${v1}/AUTH_test/shard`, { method: 'HEAD', token: R })).headers.get('x-container-sharding'), 'True');
    const listing = await call(`${v1}/AUTH_test/shard`, { token: R });
    assert.equal(listing.status, 204);
    assert.equal(listing.headers.get('x-container-sharding'), 'True');
    // an owner's attempt to turn it off is ignored; it never shows them the flag or its sysmeta
    assert.equal(await st('POST', '/AUTH_test/shard', U, { 'X-Container-Sharding': 'false' }), 204);
    assert.equal((await call(`${v1}/AUTH_test/shard`, { method: 'HEAD', token: R })).headers.get('x-container-sharding'), 'True');
    const owner = await call(`${v1}/AUTH_test/shard`, { token: U });
    assert.equal(owner.headers.get('x-container-sharding'), null);
    for (const name of owner.headers.keys()) assert.doesNotMatch(name, /sysmeta/);
    assert.equal(await st('PUT', '/AUTH_test/shard2', R, { 'X-Container-Sharding': 'off' }), 201);
    assert.equal((await call(`${v1}/AUTH_test/shard2`, { method: 'HEAD', token: R })).headers.get('x-container-sharding'), 'False');
  });

  test('R4.4 a reseller request sees X-Container-Sharding on a 404 too, not on accounts or objects; refused requests show nothing', async () => {
    const missing = await call(`${v1}/AUTH_test/no-such-container`, { method: 'HEAD', token: R });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('x-container-sharding'), 'False');
    assert.equal((await call(`${v1}/AUTH_test`, { method: 'HEAD', token: R })).headers.get('x-container-sharding'), null);
    assert.equal((await call(`${v1}/AUTH_test/pub/o`, { method: 'HEAD', token: R })).headers.get('x-container-sharding'), null);
    const denied = await call(`${v1}/AUTH_test/shard`, { method: 'HEAD', token: U2 });
    assert.equal(denied.status, 403);
    assert.equal(denied.headers.get('x-container-sharding'), null);
  });
});

describe('S8 container sync keys and R4.2 owner-only sync settings', () => {
  test('S8 tempauth test_sync_request_* / keystoneauth succeeds_for_container_sync: key + X-Timestamp from a client are refused as in Swift 2.30 (its gatekeeper moves X-Timestamp aside): 401 anonymous, 403 identified; nothing is written', async () => {
    assert.equal(await st('PUT', '/AUTH_test/synced', U, { 'X-Container-Sync-Key': 'sekrit', 'X-Container-Sync-To': 'http://127.0.0.1/v1/AUTH_x/y' }), 201);
    const sync = { 'X-Container-Sync-Key': 'sekrit', 'X-Timestamp': '1700000000.00000' };
    assert.equal(await st('PUT', '/AUTH_test/synced/o', undefined, sync), 401);
    assert.equal(await st('PUT', '/AUTH_test/synced/o', U3, sync), 403);
    assert.equal(await st('DELETE', '/AUTH_test/synced/o', undefined, sync), 401);
    assert.equal(await st('GET', '/AUTH_test/synced/o', undefined, sync), 401);
    assert.equal(await st('PUT', '/AUTH_test/synced/o', undefined, { 'X-Container-Sync-Key': 'wrong', 'X-Timestamp': '1700000000.00000' }), 401);
    assert.equal(await st('HEAD', '/AUTH_test/synced/o', U), 404);
  });

  test('R4.2 X-Container-Sync-Key/-To: shown to owners and the reseller admin, hidden from readers; dropped silently from a non-owner\'s write', async () => {
    const owner = await call(`${v1}/AUTH_test/synced`, { method: 'HEAD', token: U });
    assert.equal(owner.headers.get('x-container-sync-key'), 'sekrit');
    assert.equal(owner.headers.get('x-container-sync-to'), 'http://127.0.0.1/v1/AUTH_x/y');
    assert.equal((await call(`${v1}/AUTH_test/synced`, { method: 'HEAD', token: R })).headers.get('x-container-sync-key'), 'sekrit');
    for (const token of [RR, (await login(server.url, 'test:reader', 'readerpw')).token]) {
      const head = await call(`${v1}/AUTH_test/synced`, { method: 'HEAD', token });
      assert.equal(head.status, 204);
      assert.equal(head.headers.get('x-container-sync-key'), null);
      assert.equal(head.headers.get('x-container-sync-to'), null);
    }
    // test2 gets read-write on the account: may POST the container, but not its owner-only settings
    assert.equal(await st('POST', '/AUTH_test', U, { 'X-Account-Access-Control': '{"read-write":["test2"]}' }), 204);
    try {
      const rw = await call(`${v1}/AUTH_test/synced`, { method: 'POST', token: U2, headers: {
        'X-Container-Sync-Key': 'stolen', 'X-Container-Sync-To': 'ftp://not-even-valid', 'X-Container-Read': '.r:*', 'X-Container-Meta-Note': 'rw was here',
      } });
      assert.equal(rw.status, 204);
      const after = await call(`${v1}/AUTH_test/synced`, { method: 'HEAD', token: U });
      assert.equal(after.headers.get('x-container-sync-key'), 'sekrit');
      assert.equal(after.headers.get('x-container-sync-to'), 'http://127.0.0.1/v1/AUTH_x/y');
      assert.equal(after.headers.get('x-container-read'), null);
      assert.equal(after.headers.get('x-container-meta-note'), 'rw was here');
      const asRw = await call(`${v1}/AUTH_test/synced`, { method: 'HEAD', token: U2 });
      assert.equal(asRw.status, 204);
      assert.equal(asRw.headers.get('x-container-sync-key'), null);
    } finally {
      assert.equal(await st('POST', '/AUTH_test', U, { 'X-Account-Access-Control': '' }), 204);
    }
  });

  test('S8 X-Container-Sync-To is checked as Swift\'s container server does (400 with its text); an empty value clears it', async () => {
    const cases: [string, number, string][] = [
      ['ftp://x/y', 400, `Invalid scheme 'ftp' in X-Container-Sync-To, must be "//", "http", or "https".`],
      ['http://127.0.0.1', 400, 'Path required in X-Container-Sync-To'],
      ['http://127.0.0.1/v1/a/c?x=1', 400, 'Params, queries, and fragments not allowed in X-Container-Sync-To'],
      ['http://evil.example.com/v1/a/c', 400, `Invalid host 'evil.example.com' in X-Container-Sync-To`],
      ['//realm/cl/a/c', 400, `No realm key for 'realm'`],
      ['//bad', 400, `Invalid X-Container-Sync-To format '//bad'`],
    ];
    for (const [value, status, text] of cases) {
      const res = await call(`${v1}/AUTH_test/synced`, { method: 'POST', token: U, headers: { 'X-Container-Sync-To': value } });
      assert.equal(res.status, status, value);
      assert.equal(res.text, text, value);
      assert.equal(syncToError(value), text, value);
      assert.equal((await call(`${v1}/AUTH_test/syncbad`, { method: 'PUT', token: U, headers: { 'X-Container-Sync-To': value } })).status, 400);
    }
    assert.equal(await st('HEAD', '/AUTH_test/syncbad', U), 404);
    assert.equal(await st('POST', '/AUTH_test/synced', U, { 'X-Container-Sync-To': 'https://127.0.0.1:8443/v1/AUTH_x/z/' }), 204);
    assert.equal((await call(`${v1}/AUTH_test/synced`, { method: 'HEAD', token: U })).headers.get('x-container-sync-to'), 'https://127.0.0.1:8443/v1/AUTH_x/z/');
    assert.equal(await st('POST', '/AUTH_test/synced', U, { 'X-Container-Sync-To': '' }), 204);
    assert.equal((await call(`${v1}/AUTH_test/synced`, { method: 'HEAD', token: U })).headers.get('x-container-sync-to'), null);
  });
});

describe('R4.2 / R4.3 owners and account operations', () => {
  test('proxy test_swift_owner (account and container) / tempauth test_admin_is_owner, test_regular_is_not_owner, test_reseller_admin_is_owner (reader is not)', async () => {
    assert.equal(await st('POST', '/AUTH_test', U, { 'X-Account-Meta-Temp-URL-Key': 'acctkey' }), 204);
    assert.equal(await st('PUT', '/AUTH_test/owned', U, { 'X-Container-Meta-Temp-URL-Key': 'ckey', 'X-Container-Read': 'test2:tester2' }), 201);
    const sees = async (token: string) => {
      const a = await call(`${v1}/AUTH_test`, { method: 'HEAD', token });
      const c = await call(`${v1}/AUTH_test/owned`, { method: 'HEAD', token });
      assert.ok(a.status < 300 && c.status < 300, `${a.status} ${c.status}`);
      return [a.headers.get('x-account-meta-temp-url-key'), c.headers.get('x-container-meta-temp-url-key'), c.headers.get('x-container-read')];
    };
    assert.deepEqual(await sees(U), ['acctkey', 'ckey', 'test2:tester2']);
    assert.deepEqual(await sees(R), ['acctkey', 'ckey', 'test2:tester2']);
    assert.deepEqual(await sees(RR), [null, null, null]);
    assert.deepEqual(await sees((await login(server.url, 'test:reader', 'readerpw')).token), [null, null, null]);
    const aclReader = await call(`${v1}/AUTH_test/owned`, { method: 'HEAD', token: U2 });
    assert.equal(aclReader.status, 204);
    assert.equal(aclReader.headers.get('x-container-meta-temp-url-key'), null);
    assert.equal(aclReader.headers.get('x-container-read'), null);
  });

  test('R4.2 a client\'s X-Timestamp is moved aside (gatekeeper): the object gets the server\'s time, as in Swift 2.30', async () => {
    const before = Date.now() / 1000;
    assert.equal(await st('PUT', '/AUTH_test/pub/old-ts', U, { 'X-Timestamp': '1000000000.00000' }), 201);
    const head = await call(`${v1}/AUTH_test/pub/old-ts`, { method: 'HEAD', token: U });
    const ts = Number(head.headers.get('x-timestamp'));
    assert.ok(ts >= before - 1 && ts <= Date.now() / 1000 + 1, String(ts));
    assert.doesNotMatch(head.headers.get('last-modified') ?? '', /2001/);
  });

  test('R4.3 tempauth test_account_put_permissions / test_account_delete_permissions: only the reseller admin deletes accounts; an operator may PUT its own (keystoneauth, D1; tempauth said 403)', async () => {
    assert.equal(await st('PUT', '/AUTH_fresh', R), 201);
    assert.equal(await st('PUT', '/AUTH_fresh', R), 202);
    assert.equal(await st('DELETE', '/AUTH_fresh', R), 204);
    assert.equal(await st('PUT', '/AUTH_test', U), 202);
    assert.equal(await st('DELETE', '/AUTH_test', U), 403);
    assert.equal(await st('PUT', '/AUTH_test', U3), 403);
    assert.equal(await st('DELETE', '/AUTH_test', U3), 403);
    for (const token of [RR, U2]) {
      assert.equal(await st('PUT', '/AUTH_fresh2', token), 403);
      assert.equal(await st('DELETE', '/AUTH_test', token), 403);
    }
  });

  test('Functional TestServiceToken test_user_plus_service_can_access_service_account: account PUT with allow_account_management → 2xx, DELETE 403; OPTIONS 200 without the service token', async () => {
    assert.ok([201, 202].includes(await st('PUT', '/SERVICE_test', U, {}, S)));
    assert.equal(await st('POST', '/SERVICE_test', U, { 'X-Account-Meta-Svc': '1' }, S), 204);
    assert.equal(await st('DELETE', '/SERVICE_test', U, {}, S), 403);
    assert.equal(await st('PUT', '/SERVICE_test', U), 403);
    assert.equal(await st('OPTIONS', '/SERVICE_test', U), 200);
  });
});

describe('section 6 account ACLs (TestAccountAcls)', () => {
  test('R6.4 test_user_gets_best_acl / test_account_acl_failures: listed in read-only and admin → admin wins; a read-write user cannot set the ACL', async () => {
    assert.equal(await st('POST', '/AUTH_test', U, { 'X-Account-Access-Control': '{"read-only":["test2"],"admin":["test2:tester2"]}' }), 204);
    try {
      assert.equal(await st('POST', '/AUTH_test', U2, { 'X-Account-Meta-By-Admin-Acl': 'yes' }), 204);
      assert.equal((await call(`${v1}/AUTH_test`, { method: 'HEAD', token: U2 })).headers.get('x-account-access-control'), '{"admin":["test2:tester2"],"read-only":["test2"]}');
      assert.equal(await st('POST', '/AUTH_test', U, { 'X-Account-Access-Control': '{"read-write":["test2"]}' }), 204);
      assert.equal(await st('POST', '/AUTH_test', U2, { 'X-Account-Access-Control': '{"admin":["test2"]}' }), 403);
      assert.equal((await call(`${v1}/AUTH_test`, { method: 'HEAD', token: U })).headers.get('x-account-access-control'), '{"read-write":["test2"]}');
    } finally {
      assert.equal(await st('POST', '/AUTH_test', U, { 'X-Account-Access-Control': '' }), 204);
    }
  });
});

describe('section 6 account ACLs on a second prefix (TestAccountAcls via TestAuthMultiplePrefixes, SOMEOTHER_)', () => {
  test('D8/R5.7 an account ACL on SERVICE_P, set by its owner (user + service token), grants without a service token; a stranger cannot set one', async () => {
    assert.equal(await st('POST', '/SERVICE_test', U, { 'X-Account-Access-Control': '{"read-only":["test2"]}' }, S), 204);
    try {
      assert.equal(await st('HEAD', '/SERVICE_test', U2), 204);
      assert.equal(await st('PUT', '/SERVICE_test/by-acl', U2), 403);
      assert.equal(await st('POST', '/SERVICE_test', U2, { 'X-Account-Access-Control': '{"admin":["test2"]}' }), 403);
      assert.equal(await st('POST', '/SERVICE_test', U, { 'X-Account-Access-Control': '{"admin":["test"]}' }), 403); // the user alone is no owner here
      assert.equal((await call(`${v1}/SERVICE_test`, { method: 'HEAD', token: U, serviceToken: S })).headers.get('x-account-access-control'), '{"read-only":["test2"]}');
    } finally {
      assert.equal(await st('POST', '/SERVICE_test', U, { 'X-Account-Access-Control': '' }, S), 204);
    }
    assert.equal(await st('HEAD', '/SERVICE_test', U2), 403);
  });
});

describe('section 7 read-only roles', () => {
  test('R7.1 TestAuthorizeReaderSystem reader_get (CSV list, any case) / reader_put → 403 / reader_put_to_own (also operator) / reader_put_elsewhere_fails', async () => {
    const sa = (await login(server.url, 'audit:sa', 'sapw')).token;
    for (const token of [RR, sa]) {
      assert.equal(await st('GET', '/AUTH_test/pub/o', token), 200);
      assert.equal(await st('HEAD', '/AUTH_test2', token), 204);
      assert.equal(await st('GET', '/SERVICE_test', token), 204); // an account without containers
      assert.equal(await st('PUT', '/AUTH_test/pub/x', token), 403);
      assert.equal(await st('POST', '/AUTH_test/pub', token), 403);
    }
    const sysop = (await login(server.url, 'test:sysop', 'sysoppw')).token;
    assert.equal(await st('PUT', '/AUTH_test/pub/by-sysop', sysop), 201);
    assert.equal(await st('PUT', '/AUTH_test2/rc/by-sysop', sysop), 403);
    assert.equal((await call(`${v1}/AUTH_test2/rc`, { token: sysop })).text, 'o\n'); // reads elsewhere still work
  });

  test('R7.2 TestAuthorizeReaderProject reader_get → allowed (no service token needed, as Swift) / reader_put → 403', async () => {
    const reader = (await login(server.url, 'test:reader', 'readerpw')).token;
    assert.equal(await st('GET', '/AUTH_test/pub/o', reader), 200);
    assert.equal(await st('HEAD', '/SERVICE_test', reader), 204);
    assert.equal(await st('PUT', '/AUTH_test/pub/r', reader), 403);
    assert.equal(await st('GET', '/AUTH_test2', reader), 403);
  });
});

describe('keystonemiddleware auth_token', () => {
  test('R2.2 anti-spoofing (CompositeAuth _no_service_token: client identity headers stripped): X-Roles, X-Service-Roles, X-Identity-Status… from a client grant nothing', async () => {
    const spoof = {
      'X-Identity-Status': 'Confirmed', 'X-Service-Identity-Status': 'Confirmed', 'X-Roles': 'admin,ResellerAdmin',
      'X-Service-Roles': 'service', 'X-Project-Id': 'test', 'X-Tenant-Id': 'test', 'X-User-Id': 'x', 'X-Is-Admin-Project': 'True',
    };
    assert.equal(await st('PUT', '/AUTH_test/spoofed', U3, spoof), 403);
    assert.equal(await st('GET', '/SERVICE_test', U, spoof), 403);
    assert.equal(await st('GET', '/AUTH_test', undefined, spoof), 401);
    assert.equal(await st('GET', '/AUTH_test2', U, spoof), 403);
  });

  test('RBAC_INFO_{GET,HEAD,OPTIONS}(_WITH_SERVICE_PREFIX): /info answers 200 to every user and to no token', async () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      for (const [token, serviceToken] of [[U, undefined], [R, undefined], [U3, undefined], [undefined, undefined], [U, S]] as const) {
        const res = await call(`${server.url}/info`, { method, token, serviceToken });
        assert.equal(res.status, 200, `${method} /info ${token === undefined ? 'anonymous' : 'with a token'}`);
      }
    }
  });
});

describe('tempauth tokens (R8.3)', () => {
  const auth = (path: string, headers: Record<string, string>, method = 'GET') => call(`${server.url}${path}`, { method, headers });

  test('R8.3 test_get_token_success / test_use_token_success / test_storage_url_default: tokens, expiry and storage URL', async () => {
    const res = await auth('/auth/v1.0', { 'X-Auth-User': 'test:tester', 'X-Auth-Key': 'testing' });
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
    const token = res.headers.get('x-auth-token') ?? '';
    assert.equal(res.headers.get('x-storage-token'), token);
    const expires = Number(res.headers.get('x-auth-token-expires'));
    assert.ok(expires > 86000 && expires <= 86400, String(expires));
    assert.equal(res.headers.get('x-storage-url'), `${server.url}/v1/AUTH_test`);
    assert.equal(await st('HEAD', '/AUTH_test', token), 204);
    assert.equal((await call(`${v1}/AUTH_test`, { method: 'HEAD', headers: { 'X-Storage-Token': token } })).status, 204);
  });

  test('R8.3 the three login forms and their header preferences (X-Storage-User/-Pass, /auth/v1/<acct>/auth)', async () => {
    assert.equal((await auth('/auth/auth', { 'X-Storage-User': 'test:tester', 'X-Storage-Pass': 'testing' })).status, 200);
    assert.equal((await auth('/auth/v1/test/auth', { 'X-Storage-User': 'tester', 'X-Storage-Pass': 'testing' })).status, 200);
    assert.equal((await auth('/auth/v1/test/auth', { 'X-Auth-User': 'test:tester', 'X-Auth-Key': 'testing' })).status, 200);
    // X-Auth-User must name the path's account; X-Storage-User there is a bare user name
    const other = await auth('/auth/v1/test/auth', { 'X-Auth-User': 'test2:tester2', 'X-Auth-Key': 'testing2' });
    assert.equal(other.status, 401);
    assert.equal(other.headers.get('www-authenticate'), 'Swift realm="test"');
    assert.equal((await auth('/auth/v1/test/auth', { 'X-Storage-User': 'test2:tester2', 'X-Storage-Pass': 'testing2' })).status, 401);
    // X-Auth-User / X-Auth-Key win over X-Storage-User / -Pass on /auth/v1.0
    assert.equal((await auth('/auth/v1.0', { 'X-Auth-User': 'test:tester', 'X-Storage-User': 'test2:tester2', 'X-Auth-Key': 'testing' })).status, 200);
    assert.equal((await auth('/auth/v1.0', { 'X-Auth-User': 'test:tester', 'X-Storage-Pass': 'testing', 'X-Auth-Key': 'wrong' })).status, 401);
  });

  test('R8.3 test_get_token_fail / _missing_key / bad path / test_request_method_not_allowed: 401 with realm, 400, 404, 405', async () => {
    const noKey = await auth('/auth/v1.0', { 'X-Auth-User': 'test:tester' });
    assert.equal(noKey.status, 401);
    assert.equal(noKey.headers.get('www-authenticate'), 'Swift realm="test"');
    const noColon = await auth('/auth/v1.0', { 'X-Auth-User': 'tester', 'X-Auth-Key': 'testing' });
    assert.equal(noColon.status, 401);
    assert.equal(noColon.headers.get('www-authenticate'), 'Swift realm="unknown"');
    const wrong = await auth('/auth/v1.0', { 'X-Auth-User': 'test:nobody', 'X-Auth-Key': 'testing' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('www-authenticate'), 'Swift realm="test"');
    for (const path of ['/auth/v1.1', '/auth/foo', '/auth/v1/test', '/auth/v1/test/auth/x']) {
      assert.equal((await auth(path, { 'X-Auth-User': 'test:tester', 'X-Auth-Key': 'testing' })).status, 400, path);
    }
    assert.equal((await auth('/auth/', { 'X-Auth-User': 'test:tester', 'X-Auth-Key': 'testing' })).status, 404);
    for (const method of ['POST', 'PUT', 'DELETE']) {
      assert.equal((await auth('/auth/v1.0', { 'X-Auth-User': 'test:tester', 'X-Auth-Key': 'testing' }, method)).status, 405, method);
    }
  });

  test('R8.3 test_successful_token_unicode_user: UTF-8 account, user and key log in; the storage URL is quoted', async () => {
    const utf8 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
    const res = await auth('/auth/v1.0', { 'X-Auth-User': utf8('tést:téster'), 'X-Auth-Key': utf8('páss') });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-storage-url'), `${server.url}/v1/AUTH_t%C3%A9st`);
    const token = res.headers.get('x-auth-token') ?? '';
    assert.equal(await st('PUT', '/AUTH_t%C3%A9st/c', token), 201);
    assert.equal(await st('PUT', '/AUTH_test/c-by-unicode', token), 403);
  });
});

describe('a blank reseller prefix and service_token_roles_required = false', () => {
  let blank: TestServer;
  before(async () => {
    blank = await startServer({ extraToml: '[auth]\nreseller_prefix = "\'\'"\nservice_token_roles_required = false\n' });
  });
  after(async () => { await blank.stop(); });

  test('R1.1/R1.3 tempauth test_auth_no_reseller_prefix_deny / _no_token, keystoneauth test_blank_reseller_prefix: accounts are bare project ids', async () => {
    const u = await login(blank.url, 'test:tester', 'testing');
    assert.equal(u.storageUrl, `${blank.url}/v1/test`);
    assert.equal((await call(`${blank.url}/v1/test/c`, { method: 'PUT', token: u.token })).status, 201);
    assert.equal((await call(`${blank.url}/v1/test`, { token: u.token })).text, 'c\n');
    assert.equal((await call(`${blank.url}/v1/test`)).status, 401);
    assert.equal((await call(`${blank.url}/v1/test`, { token: 'gSbogus' })).status, 401);
    assert.equal((await call(`${blank.url}/v1/test2`, { token: u.token })).status, 403);
    assert.equal((await call(`${blank.url}/v1/AUTH_test`, { token: u.token })).status, 403);
  });

  test('R2.3 test_service_token_with_invalid_service_role_not_required: a user token as service token is Confirmed → 403 (not 401, C6 alternative)', async () => {
    const u = (await login(blank.url, 'test:tester', 'testing')).token;
    const u2 = (await login(blank.url, 'test2:tester2', 'testing2')).token;
    assert.equal((await call(`${blank.url}/v1/test2`, { token: u, serviceToken: u2 })).status, 403);
    assert.equal((await call(`${blank.url}/v1/test`, { token: u, serviceToken: u2 })).status, 200);
    assert.equal((await call(`${blank.url}/v1/test`, { token: u, serviceToken: 'gSbogus' })).status, 401);
  });
});
