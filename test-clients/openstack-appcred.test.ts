/**
 * Application credentials with the real `openstack` CLI (Debian's python3-openstackclient) against
 * Swiftlet's built-in Keystone v3 subset: `application credential create / list / show / delete`,
 * then `--os-auth-type v3applicationcredential` (by id, and by name + user) for `token issue` and for
 * the object store through the catalog; a deleted credential no longer logs in.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type TestServer } from '../test/helpers/server.js';
import { runOpenstack, type OscRun } from './openstack.js';
import { call } from '../test/helpers/swift.js';

let server: TestServer;
let work: string;

before(async () => {
  server = await startServer();
  work = mkdtempSync(join(tmpdir(), 'swiftlet-osc-appcred-'));
});
after(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** `openstack <args>` with only the given OS_* settings (plus the auth URL) in its environment. */
function osc(settings: Record<string, string>, args: string[]): Promise<OscRun> {
  return runOpenstack(server.url, work, settings, args);
}

async function okJson<T>(settings: Record<string, string>, args: string[]): Promise<T> {
  const r = await osc(settings, [...args, '-f', 'json']);
  assert.equal(r.code, 0, `openstack ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout) as T;
}

const TESTER = {
  OS_USERNAME: 'tester', OS_PASSWORD: 'testing', OS_PROJECT_NAME: 'test', OS_USER_DOMAIN_NAME: 'Default', OS_PROJECT_DOMAIN_NAME: 'Default',
};
type Row = Record<string, unknown>;
let created: Row = {};

test('application credential create (with --role, --expiration, --description) and list / show', async () => {
  created = await okJson<Row>(TESTER, ['application', 'credential', 'create', 'osc-cred', '--role', 'admin',
    '--expiration', '2099-01-01T00:00:00', '--description', 'made by the CLI']);
  assert.equal(created.name, 'osc-cred');
  assert.equal(created.project_id, 'test');
  assert.equal(created.roles, 'admin');
  assert.equal(created.unrestricted, false);
  assert.equal(created.expires_at, '2099-01-01T00:00:00.000000');
  assert.ok(typeof created.secret === 'string' && created.secret.length >= 64);
  const listed = await okJson<Row[]>(TESTER, ['application', 'credential', 'list']);
  assert.deepEqual(listed.map((r) => r.Name), ['osc-cred']);
  assert.equal(listed[0]?.ID, created.id);
  const shown = await okJson<Row>(TESTER, ['application', 'credential', 'show', 'osc-cred']);
  assert.equal(shown.id, created.id);
  assert.equal(shown.description, 'made by the CLI');
  assert.equal(shown.secret, undefined);
});

test('--os-auth-type v3applicationcredential: token issue by id, container list by name + user; the token works on the object API', async () => {
  const byId = { OS_AUTH_TYPE: 'v3applicationcredential', OS_APPLICATION_CREDENTIAL_ID: String(created.id), OS_APPLICATION_CREDENTIAL_SECRET: String(created.secret) };
  const token = await okJson<Row>(byId, ['token', 'issue']);
  assert.equal(token.project_id, 'test');
  assert.equal((await call(`${server.url}/v1/AUTH_test/cli-appcred`, { method: 'PUT', token: String(token.id) })).status, 201);
  const byName = {
    OS_AUTH_TYPE: 'v3applicationcredential', OS_APPLICATION_CREDENTIAL_NAME: 'osc-cred', OS_APPLICATION_CREDENTIAL_SECRET: String(created.secret),
    OS_USERNAME: 'tester', OS_USER_DOMAIN_NAME: 'Default',
  };
  const containers = await okJson<Row[]>(byName, ['container', 'list']);
  assert.deepEqual(containers.map((c) => c.Name), ['cli-appcred']);
  // a restricted credential cannot make another one
  const refused = await osc(byId, ['application', 'credential', 'create', 'child']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /HTTP 403/);
});

test('application credential delete: gone from the list, and it no longer logs in (HTTP 401)', async () => {
  const r = await osc(TESTER, ['application', 'credential', 'delete', 'osc-cred']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await okJson<Row[]>(TESTER, ['application', 'credential', 'list']), []);
  const denied = await osc({ OS_AUTH_TYPE: 'v3applicationcredential', OS_APPLICATION_CREDENTIAL_ID: String(created.id), OS_APPLICATION_CREDENTIAL_SECRET: String(created.secret) }, ['token', 'issue']);
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /HTTP 401/);
});
