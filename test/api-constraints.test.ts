/** Metadata constraints through HTTP: the 400 messages name the header the way Swift does. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

let server: TestServer;
let s: Session;
before(async () => {
  server = await startServer();
  s = await login(server.url, 'test:tester', 'testing');
  assert.equal((await call(`${s.storageUrl}/c`, { method: 'PUT', token: s.token })).status, 201);
});
after(async () => { await server.stop(); });

test('metadata name too long: 400 "Metadata name too long: x-object-meta-<Title-Cased key>"', async () => {
  const key = 'a'.repeat(129);
  const res = await call(`${s.storageUrl}/c/o`, { method: 'PUT', token: s.token, body: 'x', headers: { [`X-Object-Meta-${key}`]: 'v' } });
  assert.equal(res.status, 400);
  assert.equal(res.text, `Metadata name too long: x-object-meta-A${'a'.repeat(128)}`);
  const c = await call(`${s.storageUrl}/c`, { method: 'POST', token: s.token, headers: { [`X-Container-Meta-${key}`]: 'v' } });
  assert.equal(c.status, 400);
  assert.equal(c.text, `Metadata name too long: x-container-meta-A${'a'.repeat(128)}`);
});

test('metadata value too long: 400 "Metadata value longer than 256: x-object-meta-<Key>"', async () => {
  const res = await call(`${s.storageUrl}/c/o`, { method: 'PUT', token: s.token, body: 'x', headers: { 'X-Object-Meta-Ab': 'a'.repeat(257) } });
  assert.equal(res.status, 400);
  assert.equal(res.text, 'Metadata value longer than 256: x-object-meta-Ab');
  const ok = await call(`${s.storageUrl}/c/o`, { method: 'PUT', token: s.token, body: 'x', headers: { 'X-Object-Meta-Ab': 'a'.repeat(256) } });
  assert.equal(ok.status, 201);
});

test('too many items / too large in all: 400 with the limit', async () => {
  const many: Record<string, string> = {};
  for (let i = 0; i < 91; i++) many[`X-Object-Meta-K${i}`] = 'v';
  const res = await call(`${s.storageUrl}/c/o`, { method: 'PUT', token: s.token, body: 'x', headers: many });
  assert.equal(res.status, 400);
  assert.equal(res.text, 'Too many metadata items; max 90');
  const big: Record<string, string> = {};
  for (let i = 0; i < 20; i++) big[`X-Object-Meta-K${i}`] = 'a'.repeat(250);
  const large = await call(`${s.storageUrl}/c/o`, { method: 'PUT', token: s.token, body: 'x', headers: big });
  assert.equal(large.status, 400);
  assert.equal(large.text, 'Total metadata too large; max 4096');
});
