/**
 * /v3 escalation attempts by a member (test:tester3, role `member` on project test, no operator role):
 * granting itself roles, creating users, projects and roles, changing or deleting other users, and
 * application credentials carrying roles it does not hold. Each is refused, and afterwards the member's
 * role assignments are unchanged and it still cannot write to its project's account.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { report, runCases, type Case } from './attack/runner.js';

let server: TestServer;
interface Scoped { token: string; userId: string; projectId: string; roles: { id: string; name: string }[] }
let member: Scoped;
let admin: Scoped;
let other: Scoped;

async function v3Login(name: string, password: string, project: string): Promise<Scoped> {
  const res = await fetch(`${server.url}/v3/auth/tokens`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name, domain: { id: 'default' }, password } } }, scope: { project: { name: project, domain: { id: 'default' } } } } }),
  });
  assert.equal(res.status, 201, `${name}: ${await res.clone().text()}`);
  const body = await res.json() as { token: { user: { id: string }; project: { id: string }; roles: { id: string; name: string }[] } };
  return { token: res.headers.get('x-subject-token') ?? '', userId: body.token.user.id, projectId: body.token.project.id, roles: body.token.roles };
}

async function assignments(userId: string): Promise<string> {
  const res = await fetch(`${server.url}/v3/role_assignments?user.id=${userId}`, { headers: { 'X-Auth-Token': admin.token } });
  assert.equal(res.status, 200);
  const body = await res.json() as { role_assignments: { role: { id: string }; scope: unknown }[] };
  return JSON.stringify(body.role_assignments.map((a) => [a.role.id, a.scope]).sort());
}

before(async () => {
  server = await startServer();
  member = await v3Login('tester3', 'testing3', 'test');
  admin = await v3Login('tester6', 'testing6', 'test6');
  other = await v3Login('tester', 'testing', 'test');
});
after(async () => { await server.stop(); });

describe('/v3 escalation by a member', () => {
  test('every attempt is refused and nothing about the member changes', async () => {
    const roles = await (await fetch(`${server.url}/v3/roles`, { headers: { 'X-Auth-Token': admin.token } })).json() as { roles: { id: string; name: string }[] };
    const held = new Set(member.roles.map((r) => r.id));
    const unheld = roles.roles.filter((r) => !held.has(r.id));
    assert.ok(unheld.length >= 2, JSON.stringify(roles));
    const before = await assignments(member.userId);
    const h = { 'X-Auth-Token': member.token, 'Content-Type': 'application/json' };
    const me = member.userId;
    const p = member.projectId;
    const cases: Case[] = [];
    const add = (name: string, method: string, path: string, expect: number | number[], body?: unknown) =>
      cases.push({ name, method, path, headers: h, expect, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    for (const r of unheld) {
      add(`grant itself ${r.name} on its project`, 'PUT', `/v3/projects/${p}/users/${me}/roles/${r.id}`, 403);
      add(`grant itself ${r.name} on another project`, 'PUT', `/v3/projects/${other.projectId === p ? admin.projectId : other.projectId}/users/${me}/roles/${r.id}`, 403);
      add(`grant another user ${r.name}`, 'PUT', `/v3/projects/${p}/users/${other.userId}/roles/${r.id}`, 403);
      add(`application credential with ${r.name} by name`, 'POST', `/v3/users/${me}/application_credentials`, 400, { application_credential: { name: `esc-${r.name}`, roles: [{ name: r.name }] } });
      add(`application credential with ${r.name} by id`, 'POST', `/v3/users/${me}/application_credentials`, 400, { application_credential: { name: `esc-id-${r.name}`, roles: [{ id: r.id }] } });
      add(`application credential with member + ${r.name}`, 'POST', `/v3/users/${me}/application_credentials`, 400, { application_credential: { name: `esc-mix-${r.name}`, roles: [...member.roles.map((x) => ({ id: x.id })), { id: r.id }] } });
      add(`delete role ${r.name}`, 'DELETE', `/v3/roles/${r.id}`, 403);
    }
    add('revoke another user\'s role', 'DELETE', `/v3/projects/${p}/users/${other.userId}/roles/${other.roles[0]?.id ?? 'x'}`, 403);
    add('create a user', 'POST', '/v3/users', 403, { user: { name: 'evil', password: 'evil', default_project_id: p } });
    add('create a user in its own project with an admin flag', 'POST', '/v3/users', 403, { user: { name: 'evil2', password: 'evil', roles: ['admin'] } });
    add('create a project', 'POST', '/v3/projects', 403, { project: { name: 'evil', domain_id: 'default' } });
    add('create a role', 'POST', '/v3/roles', 403, { role: { name: 'ResellerAdmin2' } });
    add('rename itself', 'PATCH', `/v3/users/${me}`, 403, { user: { name: 'tester' } });
    add('change another user\'s password', 'PATCH', `/v3/users/${other.userId}`, 403, { user: { password: 'owned' } });
    add('change another user\'s password through /password', 'POST', `/v3/users/${other.userId}/password`, [401, 403], { user: { password: 'owned', original_password: 'guess' } });
    add('delete another user', 'DELETE', `/v3/users/${other.userId}`, 403);
    add('delete itself', 'DELETE', `/v3/users/${me}`, 403);
    add('update its project', 'PATCH', `/v3/projects/${p}`, 403, { project: { name: 'renamed' } });
    add('delete its project', 'DELETE', `/v3/projects/${p}`, 403);
    add('list users', 'GET', '/v3/users', 403);
    add('read another user', 'GET', `/v3/users/${other.userId}`, 403);
    add('list another user\'s application credentials', 'GET', `/v3/users/${other.userId}/application_credentials`, 403);
    add('create an application credential for another user', 'POST', `/v3/users/${other.userId}/application_credentials`, 403, { application_credential: { name: 'stolen' } });
    add('scope a token to a project it has no role on', 'POST', '/v3/auth/tokens', 401,
      { auth: { identity: { methods: ['token'], token: { id: member.token } }, scope: { project: { id: admin.projectId } } } });
    add('password token scoped to another project', 'POST', '/v3/auth/tokens', 401,
      { auth: { identity: { methods: ['password'], password: { user: { name: 'tester3', domain: { id: 'default' }, password: 'testing3' } } }, scope: { project: { name: 'test2', domain: { id: 'default' } } } } });
    const failures = await runCases(server.url, cases, 4);
    assert.equal(failures.length, 0, `${failures.length} of ${cases.length}:\n${report(failures)}`);
    assert.equal(await assignments(member.userId), before, 'the member\'s role assignments changed');
    const put = await fetch(`${server.url}/v1/AUTH_test/escalated`, { method: 'PUT', headers: { 'X-Auth-Token': member.token } });
    assert.equal(put.status, 403, 'the member still cannot write to AUTH_test');
    const creds = await (await fetch(`${server.url}/v3/users/${me}/application_credentials`, { headers: { 'X-Auth-Token': member.token } })).json() as { application_credentials: unknown[] };
    assert.deepEqual(creds.application_credentials, [], 'no application credential was created');
  });
});
