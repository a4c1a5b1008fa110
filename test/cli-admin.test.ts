/** The `swiftlet` identity admin CLI, used on a running server's data directory, then through HTTP. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { CLI, startServer, type TestServer } from './helpers/server.js';
import { call, login } from './helpers/swift.js';

let server: TestServer;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

const swiftlet = (...args: string[]) => execFileSync(process.execPath, [CLI, ...args, '--data', server.dataDir], { encoding: 'utf8' });

test('project, user and service-user created by the CLI log in and use a SERVICE_ account together', async () => {
  const project = JSON.parse(swiftlet('project', 'create', 'imaging', '--json')) as { id: string; account: string }[];
  assert.match(project[0]?.account ?? '', /^AUTH_[0-9a-f]{32}$/);
  swiftlet('user', 'create', 'alice', '--password', 'alicepw', '--project', 'imaging', '--role', 'admin');
  const svc = swiftlet('service-user', 'create', 'glance', '--password', 'glancepw');
  assert.match(svc, /glance\s+service\s+service/);

  const alice = await login(server.url, 'imaging:alice', 'alicepw');
  assert.equal(alice.storageUrl, `${server.url}/v1/AUTH_${project[0]?.id}`);
  const glance = await login(server.url, 'service:glance', 'glancepw');
  const serviceAccount = `${server.url}/v1/SERVICE_${project[0]?.id}`;
  assert.equal((await call(`${serviceAccount}/images`, { method: 'PUT', token: alice.token })).status, 403);
  assert.equal((await call(`${serviceAccount}/images`, { method: 'PUT', token: alice.token, serviceToken: glance.token })).status, 201);

  const users = swiftlet('user', 'list');
  assert.match(users, /alice\s+true\s+admin@imaging/);
  assert.match(users, /glance\s+true\s+service@service/);
});

test('mistakes get a clear message and a non-zero exit', () => {
  const dup = spawnSync(process.execPath, [CLI, 'project', 'create', 'test', '--data', server.dataDir], { encoding: 'utf8' });
  assert.equal(dup.status, 2);
  assert.match(dup.stderr, /project "test" already exists/);
  const missing = spawnSync(process.execPath, [CLI, 'role', 'add', 'admin', '--user', 'nobody', '--project', 'test', '--data', server.dataDir], { encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no user "nobody"/);
});

test('a password change or a role removal by the CLI ends the tokens issued before it, on the object API too', async () => {
  swiftlet('user', 'create', 'bob', '--password', 'bobpw', '--project', 'test', '--role', 'admin');
  const before = await login(server.url, 'test:bob', 'bobpw');
  assert.equal((await call(before.storageUrl, { method: 'HEAD', token: before.token })).status, 204);
  swiftlet('user', 'set-password', 'bob', '--password', 'bobpw2');
  await new Promise((r) => setTimeout(r, 1200)); // every process polls revocations once a second
  assert.equal((await call(before.storageUrl, { method: 'HEAD', token: before.token })).status, 401);
  const after = await login(server.url, 'test:bob', 'bobpw2');
  assert.equal((await call(after.storageUrl, { method: 'HEAD', token: after.token })).status, 204);
  swiftlet('role', 'remove', 'admin', '--user', 'bob', '--project', 'test');
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal((await call(after.storageUrl, { method: 'HEAD', token: after.token })).status, 401);
});
