/**
 * The real `openstack` CLI (Debian's python3-openstackclient) against Swiftlet's built-in Keystone v3
 * subset and its object store: the bootstrap admin creates a project, a user and a role assignment,
 * then the new user works with containers and objects through the catalog's object-store endpoint.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type TestServer } from '../test/helpers/server.js';
import { parseOscJson, passwordAuth, runOpenstack, type OpenstackUser, type OscRun } from './openstack.js';
import { call } from '../test/helpers/swift.js';

let server: TestServer;
let work: string;

before(async () => {
  server = await startServer();
  work = mkdtempSync(join(tmpdir(), 'swiftlet-osc-'));
});
after(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

type Credentials = OpenstackUser;
const ADMIN: Credentials = { user: 'admin', password: 'adminpw', project: 'admin' };

/** Runs `openstack <args>` with the OS_* environment for these credentials. */
function osc(creds: Credentials, args: string[]): Promise<OscRun> {
  return runOpenstack(server.url, work, passwordAuth(creds), args);
}

/** Runs a command that must succeed. */
async function ok(creds: Credentials, args: string[]): Promise<string> {
  const r = await osc(creds, args);
  assert.equal(r.code, 0, `openstack ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** Runs a command with `-f json` and parses its output. */
async function okJson<T>(creds: Credentials, args: string[]): Promise<T> {
  return parseOscJson<T>(args, await ok(creds, [...args, '-f', 'json']));
}

type Row = Record<string, unknown>;

const PROJECT = 'osc-project';
const USER = 'osc-user';
const USER_PW = 'osc-secret-1';
const ROLE = 'osc-observer';
const MEMBER: Credentials = { user: USER, password: USER_PW, project: PROJECT };
let projectId = '';

test('token issue: the bootstrap admin gets a project-scoped token that /v3 validates; endpoint list', async () => {
  const [t, endpoints] = await Promise.all([
    okJson<Row>(ADMIN, ['token', 'issue']),
    okJson<Row[]>(ADMIN, ['endpoint', 'list', '--service', 'object-store']),
  ]);
  assert.deepEqual(endpoints.map((e) => e.Interface).sort(), ['admin', 'internal', 'public']);
  for (const e of endpoints) {
    assert.equal(e.URL, `${server.url}/v1/AUTH_%(project_id)s`);
    assert.equal(e['Service Type'], 'object-store');
  }
  assert.equal(typeof t.id, 'string');
  assert.match(String(t.id), /^gS/);
  assert.match(String(t.project_id), /^[0-9a-f]{32}$/);
  assert.match(String(t.expires), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  const v = await call(`${server.url}/v3/auth/tokens`, { token: String(t.id), headers: { 'X-Subject-Token': String(t.id) } });
  assert.equal(v.status, 200);
  const body = JSON.parse(v.text) as { token: { user: { id: string; name: string }; project: { id: string; name: string } } };
  assert.equal(body.token.user.name, 'admin');
  assert.equal(body.token.user.id, t.user_id);
  assert.equal(body.token.project.name, 'admin');
  assert.equal(body.token.project.id, t.project_id);
});

test('token issue with a wrong password fails with HTTP 401', async () => {
  const r = await osc({ ...ADMIN, password: 'wrong' }, ['token', 'issue', '-f', 'json']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /HTTP 401/);
});

test('project create, user create --project --password, role create / role list', async () => {
  // Independent commands run side by side: each CLI start costs seconds of Python imports.
  const [p, r] = await Promise.all([
    okJson<Row>(ADMIN, ['project', 'create', '--description', 'made by the openstack CLI', PROJECT]),
    okJson<Row>(ADMIN, ['role', 'create', ROLE]),
  ]);
  assert.equal(r.name, ROLE);
  assert.equal(p.name, PROJECT);
  assert.equal(p.domain_id, 'default');
  assert.equal(p.enabled, true);
  assert.equal(p.description, 'made by the openstack CLI');
  projectId = String(p.id);
  assert.match(projectId, /^[0-9a-f]{32}$/);

  const [dup, u, roles, shown] = await Promise.all([
    osc(ADMIN, ['project', 'create', PROJECT, '-f', 'json']),
    okJson<Row>(ADMIN, ['user', 'create', '--project', PROJECT, '--password', USER_PW, USER]),
    okJson<Row[]>(ADMIN, ['role', 'list']),
    okJson<Row>(ADMIN, ['project', 'show', PROJECT]),
  ]);
  assert.notEqual(dup.code, 0, 'a second project with the same name is refused');
  assert.match(dup.stderr, /HTTP 409/);
  assert.equal(shown.id, projectId);

  assert.equal(u.name, USER);
  assert.equal(u.domain_id, 'default');
  assert.equal(u.default_project_id, projectId);
  assert.equal(u.enabled, true);

  const names = roles.map((x) => x.Name);
  assert.ok(names.includes(ROLE), `role list shows the new role: ${names.join(', ')}`);
  assert.ok(names.includes('admin'), 'role list shows admin');
  assert.equal(roles.find((x) => x.Name === ROLE)?.ID, r.id);
});

test('role add --project --user admin, then role assignment list --project --names', async () => {
  assert.ok(projectId, 'the project was created');
  const [added] = await Promise.all([
    ok(ADMIN, ['role', 'add', '--project', PROJECT, '--user', USER, 'admin']),
    ok(ADMIN, ['role', 'add', '--project', PROJECT, '--user', USER, ROLE]),
  ]);
  assert.equal(added.trim(), '');
  const rows = await okJson<Row[]>(ADMIN, ['role', 'assignment', 'list', '--project', PROJECT, '--names']);
  const seen = rows.map((x) => `${String(x.Role)} ${String(x.User)} ${String(x.Project)}`).sort();
  assert.deepEqual(seen, [`admin ${USER}@Default ${PROJECT}@Default`, `${ROLE} ${USER}@Default ${PROJECT}@Default`].sort());
  const mine = await okJson<Row[]>(ADMIN, ['project', 'list', '--user', USER]);
  assert.deepEqual(mine.map((x) => x.Name), [PROJECT]);
});

test('the new user is not an identity admin: project create is refused with HTTP 403', async () => {
  assert.ok(projectId, 'the project was created');
  const r = await osc(MEMBER, ['project', 'create', 'not-allowed', '-f', 'json']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /HTTP 403/);
});

test('as the new user: container create, object create, object list, object save, container list', async () => {
  assert.ok(projectId, 'the project was created');
  const account = `AUTH_${projectId}`;
  const t = await okJson<Row>(MEMBER, ['token', 'issue']);
  assert.equal(t.project_id, projectId);

  const c = await okJson<Row[]>(MEMBER, ['container', 'create', 'osc-box']);
  assert.equal(c.length, 1);
  assert.equal(c[0]?.container, 'osc-box');
  assert.equal(c[0]?.account, account, 'the catalog sent the CLI to the project account');

  const data = randomBytes(300_000);
  writeFileSync(join(work, 'payload.bin'), data);
  const o = await okJson<Row[]>(MEMBER, ['object', 'create', 'osc-box', 'payload.bin']);
  assert.equal(o[0]?.object, 'payload.bin');
  assert.equal(o[0]?.container, 'osc-box');
  const md5 = createHash('md5').update(data).digest('hex');
  assert.equal(o[0]?.etag, md5);

  const [listed, shown, , containers] = await Promise.all([
    okJson<Row[]>(MEMBER, ['object', 'list', 'osc-box']),
    okJson<Row>(MEMBER, ['object', 'show', 'osc-box', 'payload.bin']),
    ok(MEMBER, ['object', 'save', '--file', 'saved.bin', 'osc-box', 'payload.bin']),
    okJson<Row[]>(MEMBER, ['container', 'list']),
  ]);
  assert.deepEqual(listed.map((x) => x.Name), ['payload.bin']);
  assert.equal(shown['content-length'], String(data.length));
  assert.equal(shown.etag, md5);
  const saved = readFileSync(join(work, 'saved.bin'));
  assert.equal(saved.length, data.length);
  assert.ok(saved.equals(data), 'object save returns the uploaded bytes');
  assert.deepEqual(containers.map((x) => x.Name), ['osc-box']);

  // The same bytes through the Swift API with a v1.0 login of the same user and project.
  const res = await fetch(`${server.url}/auth/v1.0`, { headers: { 'X-Auth-User': `${PROJECT}:${USER}`, 'X-Auth-Key': USER_PW } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-storage-url'), `${server.url}/v1/${account}`);
  const got = await call(`${server.url}/v1/${account}/osc-box/payload.bin`, { token: res.headers.get('x-auth-token') ?? '' });
  assert.equal(got.status, 200);
  assert.ok(got.bytes.equals(data));
});

test('token revoke: a revoked token no longer validates and is refused by the object API', async () => {
  assert.ok(projectId, 'the project was created');
  const t = await okJson<Row>(MEMBER, ['token', 'issue']);
  const id = String(t.id);
  const account = `${server.url}/v1/AUTH_${projectId}`;
  assert.equal((await call(account, { method: 'HEAD', token: id })).status, 204);
  await ok(MEMBER, ['token', 'revoke', id]);
  const admin = await okJson<Row>(ADMIN, ['token', 'issue']);
  const v = await call(`${server.url}/v3/auth/tokens`, { token: String(admin.id), headers: { 'X-Subject-Token': id } });
  assert.equal(v.status, 404);
  assert.equal((await call(account, { method: 'HEAD', token: id })).status, 401);
});

test('cleanup through the CLI: object delete, container delete, role remove, user password set, user/role/project delete', async () => {
  assert.ok(projectId, 'the project was created');
  await Promise.all([
    ok(MEMBER, ['object', 'delete', 'osc-box', 'payload.bin']),
    ok(ADMIN, ['role', 'remove', '--project', PROJECT, '--user', USER, ROLE]),
  ]);
  await ok(MEMBER, ['container', 'delete', 'osc-box']);
  assert.deepEqual(await okJson<Row[]>(MEMBER, ['container', 'list']), []);
  const [rows] = await Promise.all([
    okJson<Row[]>(ADMIN, ['role', 'assignment', 'list', '--project', PROJECT, '--names']),
    ok(MEMBER, ['user', 'password', 'set', '--original-password', USER_PW, '--password', 'osc-secret-2']),
  ]);
  assert.deepEqual(rows.map((x) => x.Role), ['admin']);
  const old = await osc(MEMBER, ['token', 'issue', '-f', 'json']);
  assert.match(old.stderr, /HTTP 401/, 'the old password no longer works');
  const renewed = await okJson<Row>({ ...MEMBER, password: 'osc-secret-2' }, ['token', 'issue']);
  assert.equal(renewed.project_id, projectId);
  await Promise.all([
    ok(ADMIN, ['role', 'delete', ROLE]),
    ok(ADMIN, ['user', 'delete', USER]),
    ok(ADMIN, ['project', 'delete', PROJECT]),
  ]);
  const projects = await okJson<Row[]>(ADMIN, ['project', 'list']);
  assert.ok(!projects.some((x) => x.Name === PROJECT));
  const denied = await osc({ ...MEMBER, password: 'osc-secret-2' }, ['token', 'issue', '-f', 'json']);
  assert.notEqual(denied.code, 0, 'a deleted user cannot log in');
  assert.match(denied.stderr, /HTTP 401/);
});
