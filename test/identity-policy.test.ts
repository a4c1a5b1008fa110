/**
 * Keystone's default policy on identity reads that name other users: a role check
 * (`GET|HEAD /v3/projects/{p}/users/{u}/roles/{r}`), a grant list and `GET /v3/users/{id}` are for
 * identity admins, the user themself, and (for grants) readers of that project. Everyone else gets
 * 403 whether or not the user, project or role exists, so ids cannot be probed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { call } from './helpers/swift.js';

let server: TestServer;
interface Who { token: string; userId: string; projectId: string }
const who: Record<string, Who> = {};
let adminRoleId = '';
let memberRoleId = '';
const UNKNOWN = '0123456789abcdef0123456789abcdef';

async function login(user: string, password: string, project: string): Promise<Who> {
  const res = await call(`${server.url}/v3/auth/tokens`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: {
      identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
      scope: { project: { name: project, domain: { name: 'Default' } } },
    } }),
  });
  assert.equal(res.status, 201, res.text);
  const body = JSON.parse(res.text) as { token: { user: { id: string }; project: { id: string } } };
  return { token: res.headers.get('x-subject-token') ?? '', userId: body.token.user.id, projectId: body.token.project.id };
}

const v3 = (path: string, w: Who, method = 'GET') => call(`${server.url}/v3${path}`, { method, headers: { 'X-Auth-Token': w.token } });

before(async () => {
  server = await startServer();
  who.admin = await login('admin', 'adminpw', 'admin');
  who.tester = await login('tester', 'testing', 'test');      // admin role on project test (not an identity admin)
  who.tester3 = await login('tester3', 'testing3', 'test');   // member of project test
  who.tester2 = await login('tester2', 'testing2', 'test2');  // admin role on project test2 only
  const roles = JSON.parse((await v3('/roles', who.admin)).text) as { roles: { id: string; name: string }[] };
  adminRoleId = roles.roles.find((r) => r.name === 'admin')?.id ?? '';
  memberRoleId = roles.roles.find((r) => r.name === 'member')?.id ?? '';
  assert.ok(adminRoleId && memberRoleId);
});
after(async () => { await server.stop(); });

const grant = (project: string, user: string, role: string) => `/projects/${project}/users/${user}/roles/${role}`;

test('role check: an identity admin, the user themself and a reader of the project are answered 204/404', async () => {
  const { admin, tester, tester3 } = who;
  const test = tester3.projectId;
  for (const [caller, name] of [[admin, 'admin'], [tester3, 'the user'], [tester, 'a reader (admin role) of the project']] as const) {
    assert.equal((await v3(grant(test, tester3.userId, memberRoleId), caller)).status, 204, name);
    assert.equal((await v3(grant(test, tester3.userId, memberRoleId), caller, 'HEAD')).status, 204, name);
    assert.equal((await v3(grant(test, tester3.userId, UNKNOWN), caller)).status, 404, name);
  }
  // tester3 (member of test) reads the grants of another user of test.
  assert.equal((await v3(grant(test, tester.userId, adminRoleId), tester3)).status, 204);
  assert.equal((await v3(`/projects/${test}/users/${tester.userId}/roles`, tester3)).status, 200);
});

test('role check by anyone else: 403 whether or not the grant, user, project or role exists', async () => {
  const { tester2, tester3 } = who;
  const test = tester3.projectId;
  for (const path of [
    grant(test, tester3.userId, memberRoleId), // exists
    grant(test, tester3.userId, adminRoleId), // not held
    grant(test, tester3.userId, UNKNOWN), // no such role
    grant(test, UNKNOWN, memberRoleId), // no such user
    grant(UNKNOWN, tester3.userId, memberRoleId), // no such project
    `/projects/${test}/users/${tester3.userId}/roles`,
    `/projects/${UNKNOWN}/users/${UNKNOWN}/roles`,
  ]) {
    const res = await v3(path, tester2);
    assert.equal(res.status, 403, `${path}: ${res.text}`);
    assert.match(res.text, /identity:(check|list)_grant/);
    assert.equal((await v3(path, tester2, 'HEAD')).status, 403, `HEAD ${path}`);
  }
});

test('GET /v3/users/{id}: the user themself and admins; others 403 for existing and unknown ids alike', async () => {
  const { admin, tester2, tester3 } = who;
  assert.equal((await v3(`/users/${tester3.userId}`, tester3)).status, 200);
  assert.equal((await v3(`/users/${tester3.userId}`, admin)).status, 200);
  assert.equal((await v3(`/users/${UNKNOWN}`, admin)).status, 404);
  const existing = await v3(`/users/${tester3.userId}`, tester2);
  const unknown = await v3(`/users/${UNKNOWN}`, tester2);
  assert.equal(existing.status, 403);
  assert.equal(unknown.status, 403);
  assert.equal(existing.text, unknown.text);
  assert.equal((await v3(`/users/${UNKNOWN}/projects`, tester2)).status, 403);
  assert.equal((await v3(`/users/${UNKNOWN}`, tester2, 'PATCH')).status, 403);
  assert.equal((await v3(`/users/${UNKNOWN}`, tester2, 'DELETE')).status, 403);
});

test('GET /v3/projects/{id} of another project: 403 for existing and unknown ids alike', async () => {
  const { admin, tester2, tester3 } = who;
  assert.equal((await v3(`/projects/${tester3.projectId}`, tester2)).status, 403);
  assert.equal((await v3(`/projects/${UNKNOWN}`, tester2)).status, 403);
  assert.equal((await v3(`/projects/${UNKNOWN}`, admin)).status, 404);
  assert.equal((await v3(`/projects/${tester2.projectId}`, tester2)).status, 200);
});
