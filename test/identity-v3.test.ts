/**
 * The built-in Keystone v3 subset through HTTP: tokens (password by name or id, project scope by
 * id or name, unscoped, token-method rescoping), validation (GET/HEAD, allow_expired), revocation on
 * every worker, the catalog's object-store endpoint, the admin API (projects, users, roles,
 * assignments) and version discovery.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, type TestServer } from './helpers/server.js';
import { call, type Reply } from './helpers/swift.js';

let server: TestServer;
before(async () => { server = await startServer({ workers: 2 }); });
after(async () => { await server?.stop(); });

interface TokenBody {
  token: {
    methods: string[];
    user: { id: string; name: string; domain: { id: string; name: string } };
    project?: { id: string; name: string; domain: { id: string; name: string } };
    roles?: { id: string; name: string }[];
    catalog?: { type: string; name: string; endpoints: { interface: string; region: string; url: string }[] }[];
    audit_ids: string[];
    expires_at: string;
    issued_at: string;
  };
}

interface Issued { status: number; token: string; body: TokenBody; reply: Reply }

const passwordAuth = (user: Record<string, unknown>, password: string, scope?: unknown) => ({
  auth: {
    identity: { methods: ['password'], password: { user: { ...user, password } } },
    ...(scope === undefined ? {} : { scope }),
  },
});

async function post(body: unknown, query = ''): Promise<Issued> {
  const reply = await call(`${server.url}/v3/auth/tokens${query}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  const parsed = reply.status === 201 ? (JSON.parse(reply.text) as TokenBody) : ({} as TokenBody);
  return { status: reply.status, token: reply.headers.get('x-subject-token') ?? '', body: parsed, reply };
}

/** A project-scoped token by user name + domain name and project name + domain name. */
async function tokenFor(user: string, password: string, project: string): Promise<Issued> {
  const r = await post(passwordAuth({ name: user, domain: { name: 'Default' } }, password,
    { project: { name: project, domain: { name: 'Default' } } }));
  assert.equal(r.status, 201, `login ${user} on ${project}: ${r.reply.text}`);
  return r;
}

function assertKeystoneError(r: Reply, status: number, title: string): void {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  const body = JSON.parse(r.text) as { error: { code: number; title: string; message: string } };
  assert.equal(body.error.code, status);
  assert.equal(body.error.title, title);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
}

const v3 = (path: string, token: string | undefined, init: RequestInit = {}) => {
  const headers = new Headers(init.headers);
  if (init.body !== undefined) headers.set('Content-Type', 'application/json');
  return call(`${server.url}/v3${path}`, { ...init, headers, ...(token ? { token } : {}) });
};

/** One request on a connection of its own, so that the cluster spreads them over the workers. */
function fresh(url: string, method: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('discovery', () => {
  test('GET /v3 describes the v3 API; GET / lists it with 300', async () => {
    const r = await call(`${server.url}/v3`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    const body = JSON.parse(r.text) as { version: { id: string; status: string; links: { rel: string; href: string }[]; 'media-types': { type: string }[] } };
    assert.match(body.version.id, /^v3\.\d+$/);
    assert.equal(body.version.status, 'stable');
    assert.deepEqual(body.version.links, [{ rel: 'self', href: `${server.url}/v3/` }]);
    assert.equal(body.version['media-types'][0]?.type, 'application/vnd.openstack.identity-v3+json');
    assert.equal((await call(`${server.url}/v3/`)).status, 200);

    const root = await call(`${server.url}/`);
    assert.equal(root.status, 300);
    const versions = JSON.parse(root.text) as { versions: { values: { id: string; links: { href: string }[] }[] } };
    assert.equal(versions.versions.values[0]?.id, body.version.id);
    assert.equal(versions.versions.values[0]?.links[0]?.href, `${server.url}/v3/`);
  });
});

describe('POST /v3/auth/tokens', () => {
  test('password by user name + domain name, project scope by name + domain name', async () => {
    const r = await tokenFor('admin', 'adminpw', 'admin');
    assert.match(r.token, /^gS[A-Za-z0-9_-]+$/);
    assert.match(r.reply.headers.get('content-type') ?? '', /^application\/json/);
    const t = r.body.token;
    assert.deepEqual(t.methods, ['password']);
    assert.equal(t.user.name, 'admin');
    assert.deepEqual(t.user.domain, { id: 'default', name: 'Default' });
    assert.equal(t.project?.name, 'admin');
    assert.match(t.project?.id ?? '', /^[0-9a-f]{32}$/);
    assert.deepEqual(t.roles?.map((x) => x.name), ['admin']);
    assert.equal(t.audit_ids.length, 1);
    assert.match(t.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.match(t.issued_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const life = Date.parse(t.expires_at) - Date.parse(t.issued_at);
    assert.ok(Math.abs(life - 86_400_000) < 2000, `default token life is a day (${life} ms)`);
    const store = t.catalog?.find((s) => s.type === 'object-store');
    assert.ok(store, 'the catalog lists the object store');
    assert.deepEqual(store.endpoints.map((e) => e.interface).sort(), ['admin', 'internal', 'public']);
    for (const e of store.endpoints) assert.equal(e.url, `${server.url}/v1/AUTH_${t.project?.id ?? ''}`);
    const identity = t.catalog?.find((s) => s.type === 'identity');
    assert.equal(identity?.endpoints.find((e) => e.interface === 'public')?.url, `${server.url}/v3`);
  });

  test('password by user id, project scope by id (and by name + domain id)', async () => {
    const byName = await tokenFor('tester', 'testing', 'test');
    const userId = byName.body.token.user.id;
    const r = await post(passwordAuth({ id: userId }, 'testing', { project: { id: 'test' } }));
    assert.equal(r.status, 201, r.reply.text);
    assert.equal(r.body.token.user.id, userId);
    assert.equal(r.body.token.user.name, 'tester');
    assert.deepEqual(r.body.token.project, { domain: { id: 'default', name: 'Default' }, id: 'test', name: 'test' });
    const r2 = await post(passwordAuth({ name: 'tester', domain: { id: 'default' } }, 'testing', { project: { name: 'test', domain: { id: 'default' } } }));
    assert.equal(r2.status, 201, r2.reply.text);
    assert.equal(r2.body.token.project?.id, 'test');
    assert.notEqual(r2.token, r.token);
    assert.notDeepEqual(r2.body.token.audit_ids, r.body.token.audit_ids);
  });

  test('?nocatalog leaves the catalog out', async () => {
    const r = await post(passwordAuth({ name: 'tester', domain: { name: 'Default' } }, 'testing', { project: { id: 'test' } }), '?nocatalog');
    assert.equal(r.status, 201);
    assert.equal(r.body.token.catalog, undefined);
    assert.equal(r.body.token.project?.id, 'test');
  });

  test('unscoped token: explicit "unscoped", and no scope for a user without a default project', async () => {
    const r = await post(passwordAuth({ name: 'tester', domain: { name: 'Default' } }, 'testing', 'unscoped'));
    assert.equal(r.status, 201, r.reply.text);
    assert.equal(r.body.token.project, undefined);
    assert.equal(r.body.token.roles, undefined);
    assert.equal(r.body.token.catalog, undefined);
    assert.equal(r.body.token.user.name, 'tester');
    // Without a scope, a user is scoped to its default project (config users: their project).
    const d = await post(passwordAuth({ name: 'tester', domain: { name: 'Default' } }, 'testing'));
    assert.equal(d.status, 201);
    assert.equal(d.body.token.project?.id, 'test');
    // An unscoped token is no key to an account.
    assert.equal((await call(`${server.url}/v1/AUTH_test`, { method: 'HEAD', token: r.token })).status, 403);
  });

  test('wrong password, unknown user, unknown domain, project without a role → 401 Keystone error', async () => {
    const cases = [
      passwordAuth({ name: 'tester', domain: { name: 'Default' } }, 'wrong', { project: { id: 'test' } }),
      passwordAuth({ name: 'nobody', domain: { name: 'Default' } }, 'testing'),
      passwordAuth({ name: 'tester', domain: { name: 'Elsewhere' } }, 'testing'),
      passwordAuth({ name: 'tester', domain: { name: 'Default' } }, 'testing', { project: { id: 'test2' } }),
      passwordAuth({ name: 'tester', domain: { name: 'Default' } }, 'testing', { project: { id: 'no-such-project' } }),
    ];
    for (const body of cases) {
      const r = await post(body);
      assertKeystoneError(r.reply, 401, 'Unauthorized');
      assert.equal(r.reply.headers.get('x-subject-token'), null);
      assert.match(r.reply.headers.get('www-authenticate') ?? '', /^Keystone uri=/);
    }
  });

  test('malformed requests → 400', async () => {
    const bad = await call(`${server.url}/v3/auth/tokens`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{not json' });
    assertKeystoneError(bad, 400, 'Bad Request');
    assertKeystoneError((await post({ auth: {} })).reply, 400, 'Bad Request');
  });

  test('token method: an unscoped token is rescoped to a project, never outliving the original', async () => {
    const unscoped = await post(passwordAuth({ name: 'tester', domain: { name: 'Default' } }, 'testing', 'unscoped'));
    assert.equal(unscoped.status, 201);
    await sleep(20);
    const r = await post({ auth: { identity: { methods: ['token'], token: { id: unscoped.token } }, scope: { project: { name: 'test', domain: { id: 'default' } } } } });
    assert.equal(r.status, 201, r.reply.text);
    assert.deepEqual(r.body.token.methods, ['token']);
    assert.equal(r.body.token.project?.id, 'test');
    assert.equal(r.body.token.user.name, 'tester');
    assert.equal(r.body.token.expires_at, unscoped.body.token.expires_at);
    assert.equal((await call(`${server.url}/v1/AUTH_test`, { method: 'HEAD', token: r.token })).status, 204);
    // Rescoping to a project the user holds no role on fails; so does a bogus token.
    const denied = await post({ auth: { identity: { methods: ['token'], token: { id: unscoped.token } }, scope: { project: { id: 'test2' } } } });
    assertKeystoneError(denied.reply, 401, 'Unauthorized');
    const bogus = await post({ auth: { identity: { methods: ['token'], token: { id: 'gSnotatoken' } }, scope: { project: { id: 'test' } } } });
    assertKeystoneError(bogus.reply, 401, 'Unauthorized');
  });
});

describe('validation: GET/HEAD /v3/auth/tokens', () => {
  test('GET returns the subject token, HEAD answers 200; unknown → 404, no caller → 401, other user → 403', async () => {
    const admin = await tokenFor('admin', 'adminpw', 'admin');
    const user = await tokenFor('tester', 'testing', 'test');
    const g = await v3('/auth/tokens', admin.token, { headers: { 'X-Subject-Token': user.token } });
    assert.equal(g.status, 200, g.text);
    assert.equal(g.headers.get('x-subject-token'), user.token);
    const body = JSON.parse(g.text) as TokenBody;
    assert.equal(body.token.user.name, 'tester');
    assert.equal(body.token.project?.id, 'test');
    assert.deepEqual(body.token.audit_ids, user.body.token.audit_ids);
    assert.equal(body.token.expires_at, user.body.token.expires_at);
    assert.ok(body.token.catalog?.some((s) => s.type === 'object-store'));

    const h = await v3('/auth/tokens', admin.token, { method: 'HEAD', headers: { 'X-Subject-Token': user.token } });
    assert.equal(h.status, 200);
    assert.equal(h.headers.get('x-subject-token'), user.token);
    assert.equal(h.bytes.length, 0);

    // A user may validate its own token.
    assert.equal((await v3('/auth/tokens', user.token, { headers: { 'X-Subject-Token': user.token } })).status, 200);
    assertKeystoneError(await v3('/auth/tokens', admin.token, { headers: { 'X-Subject-Token': 'gSgarbage' } }), 404, 'Not Found');
    assertKeystoneError(await v3('/auth/tokens', undefined, { headers: { 'X-Subject-Token': user.token } }), 401, 'Unauthorized');
    // An ordinary user may not inspect another user's token.
    const other = await tokenFor('tester2', 'testing2', 'test2');
    assertKeystoneError(await v3('/auth/tokens', other.token, { headers: { 'X-Subject-Token': user.token } }), 403, 'Forbidden');
    // A service user may (that is what a service validating its users' tokens does).
    const service = await tokenFor('tester5', 'testing5', 'test5');
    assert.equal((await v3('/auth/tokens', service.token, { headers: { 'X-Subject-Token': user.token } })).status, 200);
  });

  test('allow_expired: an expired token validates only with ?allow_expired=true', async () => {
    const short = await startServer({ extraToml: '[auth]\ntoken_life = 2\nallow_expired_window = 60\n' });
    try {
      const login = async (user: string, password: string, project: string) => {
        const r = await call(`${short.url}/v3/auth/tokens`, {
          method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(passwordAuth({ name: user, domain: { name: 'Default' } }, password, { project: { name: project, domain: { name: 'Default' } } })),
        });
        assert.equal(r.status, 201);
        return r.headers.get('x-subject-token') ?? '';
      };
      const user = await login('tester', 'testing', 'test');
      await sleep(2600);
      const admin = await login('admin', 'adminpw', 'admin');
      const url = `${short.url}/v3/auth/tokens`;
      assertKeystoneError(await call(url, { token: admin, headers: { 'X-Subject-Token': user } }), 404, 'Not Found');
      const ok = await call(`${url}?allow_expired=true`, { token: admin, headers: { 'X-Subject-Token': user } });
      assert.equal(ok.status, 200, ok.text);
      const body = JSON.parse(ok.text) as TokenBody;
      assert.ok(Date.parse(body.token.expires_at) < Date.now(), 'the token is reported with its past expiry');
      assert.equal((await call(`${url}?allow_expired=1`, { method: 'HEAD', token: admin, headers: { 'X-Subject-Token': user } })).status, 200);
      // allow_expired is about the subject: an expired caller token is still refused.
      assertKeystoneError(await call(`${url}?allow_expired=true`, { token: user, headers: { 'X-Subject-Token': admin } }), 401, 'Unauthorized');
      // And the object API refuses the expired token on its own.
      assert.equal((await call(`${short.url}/v1/AUTH_test`, { method: 'HEAD', token: user })).status, 401);
    } finally {
      await short.stop();
    }
  });
});

describe('revocation: DELETE /v3/auth/tokens', () => {
  test('a revoked token is refused by the object API (401) and by validation (404)', async () => {
    const admin = await tokenFor('admin', 'adminpw', 'admin');
    const user = await tokenFor('tester', 'testing', 'test');
    const account = `${server.url}/v1/AUTH_test`;
    assert.equal((await call(account, { method: 'HEAD', token: user.token })).status, 204);
    const del = await v3('/auth/tokens', user.token, { method: 'DELETE', headers: { 'X-Subject-Token': user.token } });
    assert.equal(del.status, 204);
    // Two workers here: the one that did not take the DELETE learns of it within a second.
    await sleep(1200);
    assert.equal((await call(account, { method: 'HEAD', token: user.token })).status, 401);
    assertKeystoneError(await v3('/auth/tokens', admin.token, { headers: { 'X-Subject-Token': user.token } }), 404, 'Not Found');
    // Revoking it again: it is no longer a token.
    assertKeystoneError(await v3('/auth/tokens', admin.token, { method: 'DELETE', headers: { 'X-Subject-Token': user.token } }), 404, 'Not Found');
    // It cannot be exchanged for a new one either.
    const rescoped = await post({ auth: { identity: { methods: ['token'], token: { id: user.token } }, scope: { project: { id: 'test' } } } });
    assertKeystoneError(rescoped.reply, 401, 'Unauthorized');
    // Other tokens of the same user are untouched.
    const again = await tokenFor('tester', 'testing', 'test');
    assert.equal((await call(account, { method: 'HEAD', token: again.token })).status, 204);
  });

  test('a token revoked on one worker is refused by every worker', async () => {
    const admin = await tokenFor('admin', 'adminpw', 'admin');
    const user = await tokenFor('tester', 'testing', 'test');
    const account = `${server.url}/v1/AUTH_test`;
    // Each request on a connection of its own: the cluster hands connections to workers in turn.
    for (let i = 0; i < 6; i++) assert.equal(await fresh(account, 'HEAD', { 'X-Auth-Token': user.token }), 204);
    assert.equal(await fresh(`${server.url}/v3/auth/tokens`, 'DELETE', { 'X-Auth-Token': admin.token, 'X-Subject-Token': user.token }), 204);
    // Workers learn of revocations within a second.
    await sleep(1200);
    for (let i = 0; i < 8; i++) {
      assert.equal(await fresh(account, 'HEAD', { 'X-Auth-Token': user.token }), 401, `object API, connection ${i}`);
      assert.equal(await fresh(`${server.url}/v3/auth/tokens`, 'GET', { 'X-Auth-Token': admin.token, 'X-Subject-Token': user.token }), 404, `validation, connection ${i}`);
    }
  });
});

describe('catalog', () => {
  test('the object-store URL of the catalog is the project account and works with the Swift API', async () => {
    const admin = await tokenFor('admin', 'adminpw', 'admin');
    for (const t of [await tokenFor('tester', 'testing', 'test'), admin]) {
      const url = t.body.token.catalog?.find((s) => s.type === 'object-store')?.endpoints.find((e) => e.interface === 'public')?.url ?? '';
      assert.equal(url, `${server.url}/v1/AUTH_${t.body.token.project?.id ?? ''}`);
      assert.equal((await call(`${url}/v3box`, { method: 'PUT', token: t.token })).status, 201);
      const data = Buffer.from(`bytes for ${t.body.token.user.name}`);
      assert.equal((await call(`${url}/v3box/obj`, { method: 'PUT', token: t.token, body: data })).status, 201);
      const got = await call(`${url}/v3box/obj`, { token: t.token });
      assert.equal(got.status, 200);
      assert.ok(got.bytes.equals(data));
      const listing = await call(url, { token: t.token });
      assert.equal(listing.status, 200);
      assert.deepEqual(listing.text.split('\n').filter(Boolean), ['v3box']);
    }
    // tester's token does not open the admin project's account.
    const user = await tokenFor('tester', 'testing', 'test');
    assert.equal((await call(`${server.url}/v1/AUTH_${admin.body.token.project?.id ?? ''}`, { token: user.token })).status, 403);
  });
});

describe('admin API', () => {
  let admin: string;
  before(async () => { admin = (await tokenFor('admin', 'adminpw', 'admin')).token; });

  const postJson = (path: string, token: string | undefined, body: unknown) => v3(path, token, { method: 'POST', body: JSON.stringify(body) });

  test('create project, user, role; assign; list with ?name=; the user logs in and uses its account', async () => {
    const p = await postJson('/projects', admin, { project: { name: 'crud-proj', description: 'for tests', domain_id: 'default' } });
    assert.equal(p.status, 201, p.text);
    const project = (JSON.parse(p.text) as { project: { id: string; name: string; domain_id: string; enabled: boolean; description: string } }).project;
    assert.equal(project.name, 'crud-proj');
    assert.equal(project.domain_id, 'default');
    assert.equal(project.enabled, true);
    assert.equal(project.description, 'for tests');

    const u = await postJson('/users', admin, { user: { name: 'crud-user', password: 'crud-pw', default_project_id: project.id } });
    assert.equal(u.status, 201, u.text);
    const user = (JSON.parse(u.text) as { user: { id: string; name: string; default_project_id: string; enabled: boolean } }).user;
    assert.equal(user.name, 'crud-user');
    assert.equal(user.default_project_id, project.id);
    assert.equal(user.enabled, true);
    assert.equal((u.text.match(/crud-pw/g) ?? []).length, 0, 'the password is not echoed');

    const r = await postJson('/roles', admin, { role: { name: 'crud-role' } });
    assert.equal(r.status, 201, r.text);
    const role = (JSON.parse(r.text) as { role: { id: string; name: string } }).role;
    assert.equal(role.name, 'crud-role');

    // Before the assignment the user cannot get a token on the project.
    const before = await post(passwordAuth({ id: user.id }, 'crud-pw', { project: { id: project.id } }));
    assert.equal(before.status, 401);

    const grant = `/projects/${project.id}/users/${user.id}/roles/${role.id}`;
    assert.equal((await v3(grant, admin, { method: 'PUT' })).status, 204);
    assert.equal((await v3(grant, admin, { method: 'HEAD' })).status, 204);
    assert.equal((await v3(grant, admin)).status, 204);
    const roles = await v3(`/projects/${project.id}/users/${user.id}/roles`, admin);
    assert.deepEqual((JSON.parse(roles.text) as { roles: { name: string }[] }).roles.map((x) => x.name), ['crud-role']);

    const ra = await v3(`/role_assignments?scope.project.id=${project.id}&include_names=1`, admin);
    assert.equal(ra.status, 200);
    const assignments = (JSON.parse(ra.text) as { role_assignments: { role: { id: string; name: string }; user: { id: string; name: string }; scope: { project: { id: string; name: string } } }[] }).role_assignments;
    assert.equal(assignments.length, 1);
    assert.deepEqual([assignments[0]?.role.name, assignments[0]?.user.name, assignments[0]?.scope.project.name], ['crud-role', 'crud-user', 'crud-proj']);
    assert.deepEqual([assignments[0]?.role.id, assignments[0]?.user.id, assignments[0]?.scope.project.id], [role.id, user.id, project.id]);

    for (const [path, key, id] of [['/projects?name=crud-proj', 'projects', project.id], ['/users?name=crud-user', 'users', user.id], ['/roles?name=crud-role', 'roles', role.id]] as const) {
      const l = await v3(path, admin);
      assert.equal(l.status, 200, l.text);
      const items = (JSON.parse(l.text) as Record<string, { id: string }[]>)[key] ?? [];
      assert.deepEqual(items.map((x) => x.id), [id], path);
    }
    const none = await v3('/projects?name=no-such-name', admin);
    assert.deepEqual((JSON.parse(none.text) as { projects: unknown[] }).projects, []);
    const all = await v3('/projects', admin);
    const names = (JSON.parse(all.text) as { projects: { name: string }[] }).projects.map((x) => x.name);
    for (const n of ['admin', 'test', 'test2', 'crud-proj']) assert.ok(names.includes(n), `project list has ${n}`);

    // The new user logs in (no scope → its default project) and uses its account.
    const login = await post(passwordAuth({ name: 'crud-user', domain: { id: 'default' } }, 'crud-pw'));
    assert.equal(login.status, 201, login.reply.text);
    assert.equal(login.body.token.project?.id, project.id);
    assert.deepEqual(login.body.token.roles?.map((x) => x.name), ['crud-role']);
    const own = await v3(`/users/${user.id}/projects`, login.token);
    assert.deepEqual((JSON.parse(own.text) as { projects: { id: string }[] }).projects.map((x) => x.id), [project.id]);
    const account = `${server.url}/v1/AUTH_${project.id}`;
    // crud-role is no operator role: the account is not the user's to write.
    assert.equal((await call(`${account}/c`, { method: 'PUT', token: login.token })).status, 403);
    const adminRole = (JSON.parse((await v3('/roles?name=admin', admin)).text) as { roles: { id: string }[] }).roles[0]?.id ?? '';
    assert.equal((await v3(`/projects/${project.id}/users/${user.id}/roles/${adminRole}`, admin, { method: 'PUT' })).status, 204);
    let operator = await post(passwordAuth({ id: user.id }, 'crud-pw', { project: { id: project.id } }));
    assert.equal(operator.status, 201);
    assert.equal((await call(`${account}/c`, { method: 'PUT', token: operator.token })).status, 201);

    // Password change: the old one stops working, and so do the tokens issued before (as Keystone).
    assert.equal((await v3(`/users/${user.id}`, admin, { method: 'PATCH', body: JSON.stringify({ user: { password: 'crud-pw-2' } }) })).status, 200);
    assert.equal((await post(passwordAuth({ id: user.id }, 'crud-pw'))).status, 401);
    assert.equal((await post(passwordAuth({ id: user.id }, 'crud-pw-2'))).status, 201);
    await sleep(1200); // two workers: the other one learns of the revocation within a second
    assert.equal((await call(`${account}/c`, { method: 'HEAD', token: operator.token })).status, 401);
    operator = await post(passwordAuth({ id: user.id }, 'crud-pw-2', { project: { id: project.id } }));

    // Self-service change: the original password is required.
    const changePw = (body: unknown) => v3(`/users/${user.id}/password`, operator.token, { method: 'POST', body: JSON.stringify({ user: body }) });
    assertKeystoneError(await changePw({ original_password: 'wrong', password: 'crud-pw-3' }), 401, 'Unauthorized');
    assertKeystoneError(await changePw({ password: 'crud-pw-3' }), 400, 'Bad Request');
    assert.equal((await changePw({ original_password: 'crud-pw-2', password: 'crud-pw-3' })).status, 204);
    assert.equal((await post(passwordAuth({ id: user.id }, 'crud-pw-2'))).status, 401);
    operator = await post(passwordAuth({ id: user.id }, 'crud-pw-3', { project: { id: project.id } }));
    assert.equal((await changePw({ original_password: 'crud-pw-3', password: 'crud-pw-2' })).status, 204);
    operator = await post(passwordAuth({ id: user.id }, 'crud-pw-2', { project: { id: project.id } }));

    // Unassign, then delete. As in Keystone, tokens carrying the removed role stop validating.
    const validate = (t: string) => v3('/auth/tokens', admin, { headers: { 'X-Subject-Token': t } });
    const after = await post(passwordAuth({ id: user.id }, 'crud-pw-2', { project: { id: project.id } }));
    const unscoped = await post(passwordAuth({ id: user.id }, 'crud-pw-2', 'unscoped'));
    assert.equal((await validate(operator.token)).status, 200);
    assert.equal((await v3(grant, admin, { method: 'DELETE' })).status, 204);
    assertKeystoneError(await v3(grant, admin, { method: 'GET' }), 404, 'Not Found');
    assertKeystoneError(await validate(operator.token), 404, 'Not Found');
    assertKeystoneError(await validate(after.token), 404, 'Not Found');
    assert.equal((await validate(unscoped.token)).status, 200);
    const onlyAdmin = await post(passwordAuth({ id: user.id }, 'crud-pw-2', { project: { id: project.id } }));
    assert.deepEqual(onlyAdmin.body.token.roles?.map((x) => x.name), ['admin']);
    assert.equal((await v3(`/users/${user.id}`, admin, { method: 'DELETE' })).status, 204);
    assertKeystoneError(await v3(`/users/${user.id}`, admin), 404, 'Not Found');
    assertKeystoneError(await validate(unscoped.token), 404, 'Not Found');
    assertKeystoneError(await validate(onlyAdmin.token), 404, 'Not Found');
    assertKeystoneError(await v3(`/users/${user.id}/projects`, onlyAdmin.token), 401, 'Unauthorized');
    assert.equal((await post(passwordAuth({ id: user.id }, 'crud-pw-2'))).status, 401);
    assert.equal((await v3(`/roles/${role.id}`, admin, { method: 'DELETE' })).status, 204);
    assert.equal((await v3(`/projects/${project.id}`, admin, { method: 'DELETE' })).status, 204);
    assertKeystoneError(await v3(`/projects/${project.id}`, admin), 404, 'Not Found');
  });

  test('duplicates → 409', async () => {
    assertKeystoneError(await postJson('/projects', admin, { project: { name: 'test' } }), 409, 'Conflict');
    assertKeystoneError(await postJson('/users', admin, { user: { name: 'tester', password: 'x' } }), 409, 'Conflict');
    assertKeystoneError(await postJson('/roles', admin, { role: { name: 'admin' } }), 409, 'Conflict');
    assert.equal((await postJson('/projects', admin, { project: { name: 'dup-once' } })).status, 201);
    assertKeystoneError(await postJson('/projects', admin, { project: { name: 'dup-once' } }), 409, 'Conflict');
  });

  test('non-admins → 403 (an operator of another project included); no token → 401', async () => {
    // tester holds `admin` on project test: an object-store operator, not an identity admin.
    const tester = (await tokenFor('tester', 'testing', 'test')).token;
    assertKeystoneError(await postJson('/projects', tester, { project: { name: 'sneaky' } }), 403, 'Forbidden');
    assertKeystoneError(await postJson('/users', tester, { user: { name: 'sneaky', password: 'x' } }), 403, 'Forbidden');
    assertKeystoneError(await postJson('/roles', tester, { role: { name: 'sneaky' } }), 403, 'Forbidden');
    assertKeystoneError(await v3('/users', tester), 403, 'Forbidden');
    assertKeystoneError(await v3('/projects', tester), 403, 'Forbidden');
    assertKeystoneError(await v3('/role_assignments', tester), 403, 'Forbidden');
    const adminRole = (JSON.parse((await v3('/roles?name=admin', admin)).text) as { roles: { id: string }[] }).roles[0]?.id ?? '';
    const self = (JSON.parse((await v3('/auth/tokens', tester, { headers: { 'X-Subject-Token': tester } })).text) as TokenBody).token.user.id;
    assertKeystoneError(await v3(`/projects/test2/users/${self}/roles/${adminRole}`, tester, { method: 'PUT' }), 403, 'Forbidden');
    // Nothing was created or granted.
    assert.deepEqual((JSON.parse((await v3('/projects?name=sneaky', admin)).text) as { projects: unknown[] }).projects, []);
    assert.equal((await post(passwordAuth({ id: self }, 'testing', { project: { id: 'test2' } }))).status, 401);
    // Reading oneself is allowed.
    assert.equal((await v3(`/users/${self}`, tester)).status, 200);
    assert.equal((await v3('/projects/test', tester)).status, 200);
    // The reseller admin is an identity admin.
    const reseller = (await tokenFor('tester6', 'testing6', 'test6')).token;
    assert.equal((await v3('/projects', reseller)).status, 200);
    // No token, or a bad one.
    assertKeystoneError(await v3('/projects', undefined), 401, 'Unauthorized');
    assertKeystoneError(await v3('/projects', 'gSbogus'), 401, 'Unauthorized');
  });

  test('a disabled project takes its tokens with it', async () => {
    const p = await postJson('/projects', admin, { project: { name: 'to-disable' } });
    const project = (JSON.parse(p.text) as { project: { id: string } }).project;
    const u = await postJson('/users', admin, { user: { name: 'to-disable-user', password: 'pw' } });
    const user = (JSON.parse(u.text) as { user: { id: string } }).user;
    const adminRole = (JSON.parse((await v3('/roles?name=admin', admin)).text) as { roles: { id: string }[] }).roles[0]?.id ?? '';
    assert.equal((await v3(`/projects/${project.id}/users/${user.id}/roles/${adminRole}`, admin, { method: 'PUT' })).status, 204);
    const t = await post(passwordAuth({ id: user.id }, 'pw', { project: { id: project.id } }));
    assert.equal(t.status, 201);
    const validate = () => v3('/auth/tokens', admin, { headers: { 'X-Subject-Token': t.token } });
    assert.equal((await validate()).status, 200);
    assert.equal((await v3(`/projects/${project.id}`, admin, { method: 'PATCH', body: JSON.stringify({ project: { enabled: false } }) })).status, 200);
    assertKeystoneError(await validate(), 404, 'Not Found');
    assertKeystoneError((await post(passwordAuth({ id: user.id }, 'pw', { project: { id: project.id } }))).reply, 401, 'Unauthorized');
  });

  test('the catalog as read-only services, endpoints and regions', async () => {
    const s = await v3('/services', admin);
    assert.equal(s.status, 200, s.text);
    const services = (JSON.parse(s.text) as { services: { id: string; type: string; name: string; enabled: boolean }[] }).services;
    const store = services.find((x) => x.type === 'object-store');
    assert.ok(store);
    assert.equal(store.name, 'swift');
    assert.equal(store.enabled, true);
    assert.ok(services.some((x) => x.type === 'identity'));
    assert.deepEqual((JSON.parse((await v3('/services?type=object-store', admin)).text) as { services: { id: string }[] }).services.map((x) => x.id), [store.id]);
    assert.equal((await v3(`/services/${store.id}`, admin)).status, 200);
    assertKeystoneError(await v3('/services/nope', admin), 404, 'Not Found');

    const e = await v3(`/endpoints?service_id=${store.id}`, admin);
    assert.equal(e.status, 200);
    const endpoints = (JSON.parse(e.text) as { endpoints: { id: string; interface: string; url: string; service_id: string; region_id: string }[] }).endpoints;
    assert.deepEqual(endpoints.map((x) => x.interface).sort(), ['admin', 'internal', 'public']);
    for (const x of endpoints) {
      assert.equal(x.url, `${server.url}/v1/AUTH_%(project_id)s`);
      assert.equal(x.service_id, store.id);
      assert.equal(x.region_id, 'RegionOne');
    }
    const all = (JSON.parse((await v3('/endpoints?interface=public', admin)).text) as { endpoints: { url: string }[] }).endpoints;
    assert.ok(all.some((x) => x.url === `${server.url}/v3`));
    const regions = await v3('/regions', admin);
    assert.deepEqual((JSON.parse(regions.text) as { regions: { id: string }[] }).regions.map((x) => x.id), ['RegionOne']);

    const tester = (await tokenFor('tester', 'testing', 'test')).token;
    assertKeystoneError(await v3('/endpoints', tester), 403, 'Forbidden');
    assertKeystoneError(await v3('/services', tester), 403, 'Forbidden');
    assert.equal((await v3('/regions', tester)).status, 200);
    assertKeystoneError(await postJson('/services', tester, { service: { type: 'compute' } }), 403, 'Forbidden');
    assert.equal((await postJson('/services', admin, { service: { type: 'compute' } })).status, 501);
    assert.equal((await v3(`/endpoints/${endpoints[0]?.id ?? ''}`, admin, { method: 'DELETE' })).status, 501);
  });

  test('unknown ids → 404', async () => {
    const adminRole = (JSON.parse((await v3('/roles?name=admin', admin)).text) as { roles: { id: string }[] }).roles[0]?.id ?? '';
    const tester = (await tokenFor('tester', 'testing', 'test')).body.token.user.id;
    assertKeystoneError(await v3('/projects/0123456789abcdef0123456789abcdef', admin), 404, 'Not Found');
    assertKeystoneError(await v3('/users/0123456789abcdef0123456789abcdef', admin), 404, 'Not Found');
    assertKeystoneError(await v3('/roles/0123456789abcdef0123456789abcdef', admin), 404, 'Not Found');
    assertKeystoneError(await v3('/domains/elsewhere', admin), 404, 'Not Found');
    assertKeystoneError(await v3(`/projects/nope/users/${tester}/roles/${adminRole}`, admin, { method: 'PUT' }), 404, 'Not Found');
    assertKeystoneError(await v3(`/projects/test/users/nope/roles/${adminRole}`, admin, { method: 'PUT' }), 404, 'Not Found');
    assertKeystoneError(await v3(`/projects/test/users/${tester}/roles/nope`, admin, { method: 'PUT' }), 404, 'Not Found');
    assertKeystoneError(await v3('/users/nope', admin, { method: 'DELETE' }), 404, 'Not Found');
    assertKeystoneError(await v3('/no-such-collection', admin), 404, 'Not Found');
    const domain = await v3('/domains/default', admin);
    assert.equal(domain.status, 200);
    assert.equal((JSON.parse(domain.text) as { domain: { name: string } }).domain.name, 'Default');
  });
});
