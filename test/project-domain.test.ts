/** docs/auth-rules.md R4.6: the project domain recorded on accounts, through HTTP, and its rules table. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login } from './helpers/swift.js';
import { domainToRecord } from '../src/middleware/project-domain/project-domain.js';

let server: TestServer;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

test('R4.6 rules: new own account → its domain; new foreign account → _unknown; _unknown replaced by the owner', () => {
  assert.equal(domainToRecord(undefined, true, 'default'), 'default');
  assert.equal(domainToRecord(undefined, true, undefined), undefined);
  assert.equal(domainToRecord(undefined, false, 'default'), '_unknown');
  assert.equal(domainToRecord('', true, 'default'), 'default');
  assert.equal(domainToRecord('_unknown', true, 'dom2'), 'dom2');
  assert.equal(domainToRecord('default', true, 'dom2'), undefined);
  assert.equal(domainToRecord('_unknown', false, 'default'), undefined);
});

test('R4.6 through HTTP: X-Account-Project-Domain-Id after the first container PUT, _unknown when a stranger created it', async () => {
  const owner = await login(server.url, 'test:tester', 'testing');
  assert.equal((await call(`${owner.storageUrl}/c`, { method: 'PUT', token: owner.token })).status, 201);
  const head = await call(owner.storageUrl, { method: 'HEAD', token: owner.token });
  assert.equal(head.headers.get('x-account-project-domain-id'), 'default');
  for (const name of head.headers.keys()) assert.doesNotMatch(name, /sysmeta/);

  const reseller = await login(server.url, 'test6:tester6', 'testing6');
  const foreign = `${server.url}/v1/AUTH_test2`;
  assert.equal((await call(`${foreign}/made-by-reseller`, { method: 'PUT', token: reseller.token })).status, 201);
  assert.equal((await call(foreign, { method: 'HEAD', token: reseller.token })).headers.get('x-account-project-domain-id'), '_unknown');
  const own = await login(server.url, 'test2:tester2', 'testing2');
  assert.equal((await call(`${foreign}/mine`, { method: 'PUT', token: own.token })).status, 201);
  assert.equal((await call(foreign, { method: 'HEAD', token: own.token })).headers.get('x-account-project-domain-id'), 'default');
});
