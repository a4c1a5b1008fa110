/**
 * Application credentials in the built-in Keystone v3 subset, through HTTP: create / list / show /
 * delete under `/v3/users/{id}/application_credentials`, the `application_credential` auth method (id +
 * secret, or name + user + secret), roles a subset of the creator's, expiry, `unrestricted`, and the end
 * of a credential (deleted, its role removed, its user deleted) on /v3 and on the object API alike.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, type TestServer } from './helpers/server.js';
import { call, type Reply } from './helpers/swift.js';

const USERS = `
[[identity.users]]
project = "test"
name = "multi"
password = "multipw"
roles = [".admin", "member"]
`;

let server: TestServer;
before(async () => { server = await startServer({ extraUsersToml: USERS }); });
after(async () => { await server.stop(); });

interface Cred { id: string; name: string; secret?: string; roles: { id: string; name: string }[]; unrestricted: boolean; project_id: string; user_id: string; expires_at: string | null; description: string | null }
interface TokenBody { token: { methods: string[]; user: { id: string }; project?: { id: string; name: string }; roles?: { name: string }[]; expires_at: string; application_credential?: { id: string; name: string; restricted: boolean } } }

const json = (body: unknown) => ({ headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

async function issue(identity: Record<string, unknown>, scope?: unknown): Promise<{ status: number; token: string; body: TokenBody; reply: Reply }> {
  const reply = await call(`${server.url}/v3/auth/tokens`, { method: 'POST', ...json({ auth: { identity, ...(scope ? { scope } : {}) } }) });
  return { status: reply.status, token: reply.headers.get('x-subject-token') ?? '', body: reply.status === 201 ? JSON.parse(reply.text) as TokenBody : ({} as TokenBody), reply };
}
const password = (name: string, pw: string, project: string) => issue(
  { methods: ['password'], password: { user: { name, domain: { id: 'default' }, password: pw } } },
  { project: { name: project, domain: { id: 'default' } } });
const byId = (id: string, secret: string) => issue({ methods: ['application_credential'], application_credential: { id, secret } });
const v3 = (path: string, token: string, init: RequestInit = {}) => call(`${server.url}/v3${path}`, { ...init, token });

async function createCred(userId: string, token: string, body: Record<string, unknown>): Promise<Cred> {
  const res = await v3(`/users/${userId}/application_credentials`, token, { method: 'POST', ...json({ application_credential: body }) });
  assert.equal(res.status, 201, res.text);
  return (JSON.parse(res.text) as { application_credential: Cred }).application_credential;
}
const errorOf = (r: Reply) => (JSON.parse(r.text) as { error: { code: number; message: string } }).error;

describe('application credentials', () => {
  let tester: Awaited<ReturnType<typeof password>>;
  let userId: string;
  let cred: Cred;

  before(async () => {
    tester = await password('tester', 'testing', 'test');
    assert.equal(tester.status, 201);
    userId = tester.body.token.user.id;
  });

  test('create: 201 with a generated secret (shown once), the token\'s project and roles, restricted by default', async () => {
    cred = await createCred(userId, tester.token, { name: 'ci', description: 'CI uploads' });
    assert.equal(cred.name, 'ci');
    assert.equal(cred.description, 'CI uploads');
    assert.equal(cred.project_id, 'test');
    assert.equal(cred.user_id, userId);
    assert.deepEqual(cred.roles.map((r) => r.name), ['admin']);
    assert.equal(cred.unrestricted, false);
    assert.equal(cred.expires_at, null);
    assert.ok((cred.secret ?? '').length >= 64);
    const dup = await v3(`/users/${userId}/application_credentials`, tester.token, { method: 'POST', ...json({ application_credential: { name: 'ci' } }) });
    assert.equal(dup.status, 409);
  });

  test('auth by id + secret and by name + user + secret: a token for the credential\'s project and roles that works on the object API', async () => {
    const t = await byId(cred.id, cred.secret ?? '');
    assert.equal(t.status, 201, t.reply.text);
    assert.deepEqual(t.body.token.methods, ['application_credential']);
    assert.equal(t.body.token.project?.id, 'test');
    assert.deepEqual(t.body.token.roles?.map((r) => r.name), ['admin']);
    assert.deepEqual(t.body.token.application_credential, { id: cred.id, name: 'ci', restricted: true });
    assert.equal((await call(`${server.url}/v1/AUTH_test/from-appcred`, { method: 'PUT', token: t.token })).status, 201);
    const byName = await issue({ methods: ['application_credential'], application_credential: { name: 'ci', secret: cred.secret, user: { name: 'tester', domain: { name: 'Default' } } } });
    assert.equal(byName.status, 201, byName.reply.text);
    const byNameAndUserId = await issue({ methods: ['application_credential'], application_credential: { name: 'ci', secret: cred.secret, user: { id: userId } } });
    assert.equal(byNameAndUserId.status, 201);
  });

  test('wrong secret, unknown id, or a scope in the request → 401', async () => {
    assert.equal((await byId(cred.id, 'wrong')).status, 401);
    assert.equal((await byId('0'.repeat(32), cred.secret ?? '')).status, 401);
    const scoped = await issue({ methods: ['application_credential'], application_credential: { id: cred.id, secret: cred.secret } }, { project: { id: 'test' } });
    assert.equal(scoped.status, 401);
  });

  test('a restricted credential\'s token cannot create or delete application credentials (403), nor be rescoped; an unrestricted one can create', async () => {
    const t = await byId(cred.id, cred.secret ?? '');
    const res = await v3(`/users/${userId}/application_credentials`, t.token, { method: 'POST', ...json({ application_credential: { name: 'child' } }) });
    assert.equal(res.status, 403);
    assert.match(errorOf(res).message, /Using method 'application_credential' is not allowed for managing additional application credentials/);
    assert.equal((await v3(`/users/${userId}/application_credentials/${cred.id}`, t.token, { method: 'DELETE' })).status, 403);
    assert.equal((await v3(`/users/${userId}/application_credentials`, t.token)).status, 200);
    const rescoped = await issue({ methods: ['token'], token: { id: t.token } }, { project: { id: 'test' } });
    assert.equal(rescoped.status, 401);
    const free = await createCred(userId, tester.token, { name: 'free', unrestricted: true });
    assert.equal(free.unrestricted, true);
    const ft = await byId(free.id, free.secret ?? '');
    assert.equal(ft.body.token.application_credential?.restricted, false);
    const child = await createCred(userId, ft.token, { name: 'child' });
    assert.equal(child.project_id, 'test');
  });

  test('list (no secrets; ?name=), show; other users are refused, identity admins are not', async () => {
    const res = await v3(`/users/${userId}/application_credentials`, tester.token);
    assert.equal(res.status, 200);
    const listed = (JSON.parse(res.text) as { application_credentials: Cred[] }).application_credentials;
    assert.deepEqual(listed.map((c) => c.name), ['child', 'ci', 'free']);
    for (const c of listed) assert.equal(c.secret, undefined);
    const named = JSON.parse((await v3(`/users/${userId}/application_credentials?name=ci`, tester.token)).text) as { application_credentials: Cred[] };
    assert.deepEqual(named.application_credentials.map((c) => c.id), [cred.id]);
    const shown = await v3(`/users/${userId}/application_credentials/${cred.id}`, tester.token);
    assert.equal((JSON.parse(shown.text) as { application_credential: Cred }).application_credential.name, 'ci');
    const other = await password('tester2', 'testing2', 'test2');
    assert.equal((await v3(`/users/${userId}/application_credentials`, other.token)).status, 403);
    assert.equal((await v3(`/users/${userId}/application_credentials`, other.token, { method: 'POST', ...json({ application_credential: { name: 'x' } }) })).status, 403);
    const admin = await password('admin', 'adminpw', 'admin');
    assert.equal((await v3(`/users/${userId}/application_credentials`, admin.token)).status, 200);
    assert.equal((await v3(`/users/${userId}/application_credentials/${'f'.repeat(32)}`, tester.token)).status, 404);
  });

  test('roles: a subset of the creator\'s; an unheld role → 400; the token carries only the delegated roles', async () => {
    const multi = await password('multi', 'multipw', 'test');
    const multiId = multi.body.token.user.id;
    const bad = await v3(`/users/${multiId}/application_credentials`, multi.token, { method: 'POST', ...json({ application_credential: { name: 'x', roles: [{ name: 'ResellerAdmin' }] } }) });
    assert.equal(bad.status, 400);
    assert.match(errorOf(bad).message, /unassigned role/);
    const memberOnly = await createCred(multiId, multi.token, { name: 'member-only', roles: [{ name: 'member' }] });
    assert.deepEqual(memberOnly.roles.map((r) => r.name), ['member']);
    const t = await byId(memberOnly.id, memberOnly.secret ?? '');
    assert.deepEqual(t.body.token.roles?.map((r) => r.name), ['member']);
    // member is no operator role: the object API refuses writes the creator itself could make
    assert.equal((await call(`${server.url}/v1/AUTH_test/by-member-cred`, { method: 'PUT', token: t.token })).status, 403);
    assert.equal((await call(`${server.url}/v1/AUTH_test/by-multi`, { method: 'PUT', token: multi.token })).status, 201);
  });

  test('expiry: a past expires_at → 400; a token ends no later than its credential, which then stops authenticating', async () => {
    const past = await v3(`/users/${userId}/application_credentials`, tester.token, { method: 'POST', ...json({ application_credential: { name: 'old', expires_at: '2020-01-01T00:00:00' } }) });
    assert.equal(past.status, 400);
    const expiresAt = new Date(Date.now() + 3000).toISOString();
    const soon = await createCred(userId, tester.token, { name: 'soon', expires_at: expiresAt });
    assert.ok(soon.expires_at?.startsWith(expiresAt.slice(0, 19)), `${soon.expires_at} vs ${expiresAt}`);
    const t = await byId(soon.id, soon.secret ?? '');
    assert.equal(t.status, 201);
    assert.ok(Date.parse(t.body.token.expires_at) <= Date.parse(expiresAt), t.body.token.expires_at);
    await sleep(3500);
    assert.equal((await byId(soon.id, soon.secret ?? '')).status, 401);
    assert.equal((await call(`${server.url}/v1/AUTH_test`, { method: 'HEAD', token: t.token })).status, 401);
  });

  test('DELETE: 204, then no more authentication, and its tokens are refused by /v3 and the object API', async () => {
    const t = await byId(cred.id, cred.secret ?? '');
    assert.equal((await call(`${server.url}/v1/AUTH_test`, { method: 'HEAD', token: t.token })).status, 204);
    assert.equal((await v3(`/users/${userId}/application_credentials/${cred.id}`, tester.token, { method: 'DELETE' })).status, 204);
    assert.equal((await byId(cred.id, cred.secret ?? '')).status, 401);
    assert.equal((await v3('/auth/tokens', tester.token, { headers: { 'X-Subject-Token': t.token } })).status, 404);
    await sleep(1100); // revocation events reach every process within a second
    assert.equal((await call(`${server.url}/v1/AUTH_test`, { method: 'HEAD', token: t.token })).status, 401);
    assert.equal((await v3(`/users/${userId}/application_credentials/${cred.id}`, tester.token)).status, 404);
  });

  test('revoked with the creator\'s role (the credential disappears) and with the creator (user deleted)', async () => {
    const admin = await password('admin', 'adminpw', 'admin');
    const multi = await password('multi', 'multipw', 'test');
    const multiId = multi.body.token.user.id;
    const held = await createCred(multiId, multi.token, { name: 'admin-role', roles: [{ name: 'admin' }] });
    const t = await byId(held.id, held.secret ?? '');
    assert.equal(t.status, 201);
    const roles = JSON.parse((await v3('/roles?name=admin', admin.token)).text) as { roles: { id: string }[] };
    const adminRoleId = roles.roles[0]?.id ?? '';
    assert.equal((await v3(`/projects/test/users/${multiId}/roles/${adminRoleId}`, admin.token, { method: 'DELETE' })).status, 204);
    assert.equal((await byId(held.id, held.secret ?? '')).status, 401);
    const listed = JSON.parse((await v3(`/users/${multiId}/application_credentials`, admin.token)).text) as { application_credentials: Cred[] };
    assert.deepEqual(listed.application_credentials.map((c) => c.name), ['member-only']);
    await sleep(1100);
    assert.equal((await call(`${server.url}/v1/AUTH_test`, { method: 'HEAD', token: t.token })).status, 401);

    // a user made through the API, with a credential, then deleted
    const created = await v3('/users', admin.token, { method: 'POST', ...json({ user: { name: 'temp', password: 'temppw', default_project_id: 'test' } }) });
    assert.equal(created.status, 201, created.text);
    const tempId = (JSON.parse(created.text) as { user: { id: string } }).user.id;
    assert.equal((await v3(`/projects/test/users/${tempId}/roles/${adminRoleId}`, admin.token, { method: 'PUT' })).status, 204);
    const temp = await password('temp', 'temppw', 'test');
    const tempCred = await createCred(tempId, temp.token, { name: 'temp-cred' });
    const tt = await byId(tempCred.id, tempCred.secret ?? '');
    assert.equal(tt.status, 201);
    assert.equal((await v3(`/users/${tempId}`, admin.token, { method: 'DELETE' })).status, 204);
    assert.equal((await byId(tempCred.id, tempCred.secret ?? '')).status, 401);
    await sleep(1100);
    assert.equal((await call(`${server.url}/v1/AUTH_test`, { method: 'HEAD', token: tt.token })).status, 401);
  });

  test('an unscoped token cannot create one (400)', async () => {
    const unscoped = await call(`${server.url}/v3/auth/tokens`, { method: 'POST', ...json({ auth: { identity: { methods: ['password'], password: { user: { id: userId, password: 'testing' } } }, scope: 'unscoped' } }) });
    assert.equal(unscoped.status, 201);
    const res = await v3(`/users/${userId}/application_credentials`, unscoped.headers.get('x-subject-token') ?? '', { method: 'POST', ...json({ application_credential: { name: 'nope' } }) });
    assert.equal(res.status, 400);
  });
});
