/** Container ACLs (docs/auth-rules.md section 5), account ACLs (section 6, D8) and owner-only headers (R4.2) through HTTP. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AUDITOR_USER_TOML, startServer, type TestServer } from './helpers/server.js';
import { call, login } from './helpers/swift.js';

let server: TestServer;
let owner: string;
let other: string; // test2:tester2, admin of another project
let member: string; // test:tester3, no operator role on test
let url: string;

before(async () => {
  server = await startServer({
    extraToml: '[auth]\nreseller_prefix = "AUTH, SERVICE"\nSERVICE_service_roles = "service"\nSERVICE_reader_roles = "svc_auditor"\n',
    extraUsersToml: AUDITOR_USER_TOML,
  });
  owner = (await login(server.url, 'test:tester', 'testing')).token;
  other = (await login(server.url, 'test2:tester2', 'testing2')).token;
  member = (await login(server.url, 'test:tester3', 'testing3')).token;
  url = `${server.url}/v1/AUTH_test`;
});
after(async () => { await server.stop(); });

async function setup(container: string, headers: Record<string, string>): Promise<void> {
  assert.equal((await call(`${url}/${container}`, { method: 'PUT', token: owner, headers })).status, 201);
  assert.equal((await call(`${url}/${container}/obj`, { method: 'PUT', token: owner, body: 'data' })).status, 201);
}

describe('container ACLs (section 5)', () => {
  test('R5.5 read ACL <project>:<user> by name: object GET and listing allowed, writes denied', async () => {
    await setup('readable', { 'X-Container-Read': 'test2:tester2' });
    assert.equal((await call(`${url}/readable/obj`, { token: other })).text, 'data');
    assert.equal((await call(`${url}/readable`, { token: other })).text, 'obj\n');
    assert.equal((await call(`${url}/readable/new`, { method: 'PUT', token: other, body: 'x' })).status, 403);
    assert.equal((await call(`${url}/readable/obj`, { method: 'DELETE', token: other })).status, 403);
  });

  test('R5.5 write ACL: object PUT/DELETE allowed, listing and reads not granted by write', async () => {
    await setup('writable', { 'X-Container-Write': 'test2:*' });
    assert.equal((await call(`${url}/writable/new`, { method: 'PUT', token: other, body: 'x' })).status, 201);
    assert.equal((await call(`${url}/writable`, { token: other })).status, 403);
    assert.equal((await call(`${url}/writable/obj`, { token: other })).status, 403);
    assert.equal((await call(`${url}/writable/new`, { method: 'DELETE', token: other })).status, 204);
  });

  test('R5.4 .r:* gives anonymous object reads but not listings; .rlistings adds listings', async () => {
    await setup('public', { 'X-Container-Read': '.r:*' });
    assert.equal((await call(`${url}/public/obj`)).text, 'data');
    assert.equal((await call(`${url}/public`)).status, 401);
    assert.equal((await call(`${url}/public`, { token: other })).status, 403);
    assert.equal((await call(`${url}/public`, { method: 'POST', token: owner, headers: { 'X-Container-Read': '.r:*,.rlistings' } })).status, 204);
    assert.equal((await call(`${url}/public`)).text, 'obj\n');
    assert.equal((await call(`${url}/public/obj`, { method: 'PUT', body: 'no' })).status, 401);
  });

  test('R5.3 referrer matching: last match wins, negative entries deny', async () => {
    await setup('referred', { 'X-Container-Read': '.r:.example.com,.r:-thief.example.com' });
    assert.equal((await call(`${url}/referred/obj`, { headers: { Referer: 'http://www.example.com/page' } })).status, 200);
    assert.equal((await call(`${url}/referred/obj`, { headers: { Referer: 'http://thief.example.com/' } })).status, 401);
    assert.equal((await call(`${url}/referred/obj`)).status, 401);
  });

  test('S13 role-name ACL entries apply to the account\'s own project only', async () => {
    await setup('roles', { 'X-Container-Read': 'member' });
    assert.equal((await call(`${url}/roles/obj`, { token: member })).status, 200);
    assert.equal((await call(`${url}/roles`, { token: member })).status, 200);
  });

  test('R5.1 bad ACLs → 400 with the reason; referrers in write ACLs refused', async () => {
    const bad = await call(`${url}/bad`, { method: 'PUT', token: owner, headers: { 'X-Container-Read': '.r:' } });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /No host\/domain value after referrer designation in ACL: '\.r:'/);
    const write = await call(`${url}/bad`, { method: 'PUT', token: owner, headers: { 'X-Container-Write': '.r:*' } });
    assert.equal(write.status, 400);
    assert.match(write.text, /Referrers not allowed in write ACL/);
    const unknown = await call(`${url}/bad`, { method: 'PUT', token: owner, headers: { 'X-Container-Read': '.foo:bar' } });
    assert.equal(unknown.status, 400);
    assert.match(unknown.text, /Unknown designator '\.foo' in ACL/);
    assert.equal((await call(`${url}/bad`, { method: 'HEAD', token: owner })).status, 404);
  });

  test('R5.1 ACLs are stored cleaned', async () => {
    assert.equal((await call(`${url}/clean`, { method: 'PUT', token: owner, headers: { 'X-Container-Read': ' .r : one , ,, .r:two , .r : - three ' } })).status, 201);
    const head = await call(`${url}/clean`, { method: 'HEAD', token: owner });
    assert.equal(head.headers.get('x-container-read'), '.r:one,.r:two,.r:-three');
  });
});

describe('owner-only headers (R4.2)', () => {
  test('non-owners do not see ACLs; their ACL headers are dropped silently', async () => {
    await setup('shared', { 'X-Container-Read': 'test2:tester2', 'X-Container-Write': 'test2:tester2' });
    const asOther = await call(`${url}/shared`, { method: 'HEAD', token: other });
    assert.equal(asOther.status, 204);
    assert.equal(asOther.headers.get('x-container-read'), null);
    const asOwner = await call(`${url}/shared`, { method: 'HEAD', token: owner });
    assert.equal(asOwner.headers.get('x-container-read'), 'test2:tester2');
  });
});

describe('account ACLs (section 6, D8)', () => {
  test('R6.2 invalid X-Account-Access-Control → 400 with Swift\'s text', async () => {
    const res = await call(url, { method: 'POST', token: owner, headers: { 'X-Account-Access-Control': '{"admin":"x"}' } });
    assert.equal(res.status, 400);
    assert.equal(res.text, 'X-Account-Access-Control invalid: Value for key "admin" must be a list\n\nInput: {"admin":"x"}\n');
    const key = await call(url, { method: 'POST', token: owner, headers: { 'X-Account-Access-Control': '{"owner":[]}' } });
    assert.equal(key.status, 400);
    assert.match(key.text, /Key "owner" not recognized/);
  });

  test('R6.4 read-only grants reads of the account, containers and objects; no writes', async () => {
    await setup('acct-acl', {});
    const set = await call(url, { method: 'POST', token: owner, headers: { 'X-Account-Access-Control': '{"read-only": ["test2"]}' } });
    assert.equal(set.status, 204);
    const echo = await call(url, { method: 'HEAD', token: owner });
    assert.equal(echo.headers.get('x-account-access-control'), '{"read-only":["test2"]}');
    assert.equal((await call(`${url}/acct-acl/obj`, { token: other })).text, 'data');
    assert.equal((await call(url, { method: 'HEAD', token: other })).status, 204);
    assert.equal((await call(url, { method: 'HEAD', token: other })).headers.get('x-account-access-control'), null);
    assert.equal((await call(`${url}/acct-acl/x`, { method: 'PUT', token: other, body: 'x' })).status, 403);
  });

  test('R6.4 read-write allows object and container writes but not account POST; admin is owner', async () => {
    await call(url, { method: 'POST', token: owner, headers: { 'X-Account-Access-Control': '{"read-write": ["test2:tester2"]}' } });
    assert.equal((await call(`${url}/rw-made`, { method: 'PUT', token: other })).status, 201);
    assert.equal((await call(url, { method: 'POST', token: other, headers: { 'X-Account-Meta-X': 'y' } })).status, 403);
    await call(url, { method: 'POST', token: owner, headers: { 'X-Account-Access-Control': '{"admin": ["test2:tester2"]}' } });
    assert.equal((await call(url, { method: 'POST', token: other, headers: { 'X-Account-Meta-X': 'y' } })).status, 204);
    assert.equal((await call(url, { method: 'HEAD', token: other })).headers.get('x-account-access-control'), '{"admin":["test2:tester2"]}');
    await call(url, { method: 'POST', token: owner, headers: { 'X-Account-Access-Control': '' } });
    assert.equal((await call(url, { method: 'HEAD', token: other })).status, 403);
  });
});

describe('prefix reader roles (D6)', () => {
  test('SERVICE_reader_roles may read every SERVICE_ account, never write, never AUTH_', async () => {
    const user = (await login(server.url, 'test:tester', 'testing')).token;
    const service = (await login(server.url, 'test5:tester5', 'testing5')).token;
    assert.equal((await call(`${server.url}/v1/SERVICE_test/imgs`, { method: 'PUT', token: user, serviceToken: service })).status, 201);
    assert.equal((await call(`${server.url}/v1/SERVICE_test/imgs/i`, { method: 'PUT', token: user, serviceToken: service, body: 'img' })).status, 201);
    const auditor = (await login(server.url, 'audit:auditor', 'auditpw')).token;
    assert.equal((await call(`${server.url}/v1/SERVICE_test`, { token: auditor })).text, 'imgs\n');
    assert.equal((await call(`${server.url}/v1/SERVICE_test/imgs/i`, { token: auditor })).text, 'img');
    assert.equal((await call(`${server.url}/v1/SERVICE_test/imgs/i`, { method: 'DELETE', token: auditor })).status, 403);
    assert.equal((await call(`${server.url}/v1/SERVICE_test/imgs/j`, { method: 'PUT', token: auditor, body: 'x' })).status, 403);
    assert.equal((await call(`${server.url}/v1/AUTH_test`, { token: auditor })).status, 403);
  });
});
