/**
 * python-swiftclient (Debian's python3-swiftclient) in a service account: a Connection with the
 * user's token as preauthtoken and the service's token as service token works in SERVICE_test;
 * the user token alone (or the service token alone) gets ClientException http_status 403.
 * The Python side is test-clients/swiftclient_service_token.py; it prints one JSON line per step.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { startServer, type TestServer } from '../test/helpers/server.js';
import { call, login } from '../test/helpers/swift.js';

const SCRIPT = resolve(import.meta.dirname, '../../test-clients/swiftclient_service_token.py');

let server: TestServer;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

type Step = Record<string, unknown> & { step: string };

function runScript(authUrl: string): Promise<{ code: number; steps: Map<string, Step>; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile('/usr/bin/python3', [SCRIPT, authUrl], { timeout: 120_000, env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' } }, (err, stdout, stderr) => {
      const steps = new Map<string, Step>();
      for (const line of stdout.split('\n').filter(Boolean)) {
        const s = JSON.parse(line) as Step;
        steps.set(s.step, s);
      }
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, steps, stdout, stderr });
    });
  });
}

test('swiftclient Connection(preauthurl, preauthtoken=user, service token) in SERVICE_test; 403 without it', async () => {
  const r = await runScript(`${server.url}/auth/v1.0`);
  assert.equal(r.code, 0, `script failed:\n${r.stderr}\n${r.stdout}`);
  const step = (name: string): Step => {
    const s = r.steps.get(name);
    assert.ok(s, `step ${name} ran:\n${r.stdout}\n${r.stderr}`);
    return s;
  };

  assert.deepEqual(step('login'), {
    step: 'login', distinct_tokens: true,
    user_url: `${server.url}/v1/AUTH_test`, service_user_url: `${server.url}/v1/AUTH_test5`,
    service_url: `${server.url}/v1/SERVICE_test`,
  });
  const put = step('put');
  assert.equal(put.etag, put.md5);
  assert.deepEqual(step('get'), {
    step: 'get', same_bytes: true, length: 70003, content_length: '70003', etag: put.md5, content_type: 'application/octet-stream',
  });
  assert.deepEqual(step('list_container'), {
    step: 'list_container', names: ['image/disk.raw', 'image/manifest.json'], bytes: [70003, 15],
    meta_owner: 'image-service', object_count: '2',
  });
  assert.deepEqual(step('list_account'), { step: 'list_account', names: ['svc-box'], container_count: '1' });
  assert.deepEqual(step('head'), { step: 'head', content_type: 'application/json', content_length: '15' });

  // Without the service token every request is refused with 403 (ClientException.http_status).
  assert.deepEqual(step('user_token_alone'), {
    step: 'user_token_alone', get_account: 403, get_container: 403, get_object: 403, put_object: 403, delete_object: 403,
  });
  assert.deepEqual(step('service_token_alone'), { step: 'service_token_alone', get_container: 403, put_object: 403 });
  assert.deepEqual(step('after_refusals'), { step: 'after_refusals', names: ['image/disk.raw', 'image/manifest.json'] });

  // swiftclient's own service_username/service_key options reach the same data.
  assert.deepEqual(step('os_options_service_user'), { step: 'os_options_service_user', body: '{"size": 70003}' });
  assert.deepEqual(step('delete'), { step: 'delete', get_after_delete: 404, containers_left: [] });
  step('done');

  // What swiftclient did is visible through HTTP: SERVICE_test exists (empty again), and the data
  // never went to the user's own account.
  const user = await login(server.url, 'test:tester', 'testing');
  const service = await login(server.url, 'test5:tester5', 'testing5');
  const head = await call(`${server.url}/v1/SERVICE_test`, { method: 'HEAD', token: user.token, serviceToken: service.token });
  assert.equal(head.status, 204);
  assert.equal(head.headers.get('x-account-container-count'), '0');
  assert.equal((await call(`${user.storageUrl}/svc-box`, { method: 'HEAD', token: user.token })).status, 404);
});
