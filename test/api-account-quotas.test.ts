/** Account quotas (Swift's account_quotas): X-Account-Meta-Quota-Bytes, set by a reseller, caps uploads. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

let server: TestServer;
let owner: Session; // test:tester, .admin of AUTH_test
let reseller: string; // test6:tester6, .reseller_admin

const account = (token: string, init: Parameters<typeof call>[1] = {}) => call(owner.storageUrl, { token, ...init });
const object = (name: string, init: Parameters<typeof call>[1] = {}) => call(`${owner.storageUrl}/quota/${name}`, { token: owner.token, ...init });

before(async () => {
  server = await startServer();
  owner = await login(server.url, 'test:tester', 'testing');
  reseller = (await login(server.url, 'test6:tester6', 'testing6')).token;
  assert.equal((await call(`${owner.storageUrl}/quota`, { method: 'PUT', token: owner.token })).status, 201);
});
after(async () => { await server.stop(); });

test('only a reseller sets the quota, to digits; the owner sees it and keeps setting other metadata', async () => {
  assert.equal((await account(owner.token, { method: 'POST', headers: { 'X-Account-Meta-Quota-Bytes': '100' } })).status, 403);
  assert.equal((await account(owner.token, { method: 'POST', headers: { 'X-Remove-Account-Meta-Quota-Bytes': 'x' } })).status, 403);
  assert.equal((await account(reseller, { method: 'POST', headers: { 'X-Account-Meta-Quota-Bytes': 'lots' } })).status, 400);
  assert.equal((await account(reseller, { method: 'POST', headers: { 'X-Account-Meta-Quota-Bytes': '10' } })).status, 204);
  assert.equal((await account(owner.token, { method: 'HEAD' })).headers.get('x-account-meta-quota-bytes'), '10');
  assert.equal((await account(owner.token, { method: 'POST', headers: { 'X-Account-Meta-Color': 'blue' } })).status, 204);
  const info = JSON.parse((await call(`${server.url}/info`)).text) as Record<string, unknown>;
  assert.deepEqual(info['account_quotas'], {});
});

test('an upload past the quota is 413 and stores nothing; deleting frees room; removing the quota lifts it', async () => {
  assert.equal((await account(reseller, { method: 'POST', headers: { 'X-Account-Meta-Quota-Bytes': '10' } })).status, 204);
  const over = await object('big', { method: 'PUT', body: '12345678901' });
  assert.equal(over.status, 413);
  assert.equal(over.text, 'Upload exceeds quota.');
  assert.equal((await object('big')).status, 404);
  assert.equal((await object('fits', { method: 'PUT', body: '1234567890' })).status, 201);
  assert.equal((await object('one-more', { method: 'PUT', body: 'x' })).status, 413);
  assert.equal((await object('fits', { method: 'POST', headers: { 'X-Object-Meta-A': 'b' } })).status, 202, 'POST is never refused');
  assert.equal((await object('fits', { method: 'DELETE' })).status, 204);
  assert.equal((await object('small', { method: 'PUT', body: '12345' })).status, 201);
  assert.equal((await account(reseller, { method: 'POST', headers: { 'X-Remove-Account-Meta-Quota-Bytes': 'x' } })).status, 204);
  assert.equal((await account(owner.token, { method: 'HEAD' })).headers.get('x-account-meta-quota-bytes'), null);
  assert.equal((await object('big', { method: 'PUT', body: 'x'.repeat(1000) })).status, 201);
});

test('a stranger learns nothing of the quota: authorisation comes first', async () => {
  assert.equal((await account(reseller, { method: 'POST', headers: { 'X-Account-Meta-Quota-Bytes': '1' } })).status, 204);
  const stranger = await login(server.url, 'test2:tester2', 'testing2');
  const res = await call(`${owner.storageUrl}/quota/x`, { method: 'PUT', token: stranger.token, body: 'too much' });
  assert.equal(res.status, 403);
  assert.equal((await account(reseller, { method: 'POST', headers: { 'X-Account-Meta-Quota-Bytes': '' } })).status, 204);
});
