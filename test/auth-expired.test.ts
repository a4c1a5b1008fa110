/** C11 / D7: an expired user token counts only together with a valid service token. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login } from './helpers/swift.js';

let server: TestServer;
before(async () => { server = await startServer({ extraToml: '[auth]\ntoken_life = 2\n' }); });
after(async () => { await server.stop(); });

test('C11 expired user token + valid service token → 2xx; alone → 401', async () => {
  const user = await login(server.url, 'test:tester', 'testing');
  assert.equal((await call(`${server.url}/v1/SERVICE_test/c`, { method: 'PUT', token: user.token, serviceToken: (await login(server.url, 'test5:tester5', 'testing5')).token })).status, 201);
  await sleep(2500);
  const service = await login(server.url, 'test5:tester5', 'testing5');
  assert.equal((await call(`${server.url}/v1/AUTH_test`, { method: 'HEAD', token: user.token })).status, 401);
  assert.equal((await call(`${server.url}/v1/SERVICE_test/c`, { method: 'HEAD', token: user.token, serviceToken: service.token })).status, 204);
  // An expired service token never counts.
  await sleep(2500);
  assert.equal((await call(`${server.url}/v1/SERVICE_test/c`, { method: 'HEAD', token: user.token, serviceToken: service.token })).status, 401);
});
