/**
 * A pooled python3-requests Session (urllib3) does 1 000 mixed PUT/GET/HEAD/POST requests, a third
 * of them with `Connection: close`: no connection error. Before Swiftlet answered `Connection: close`,
 * urllib3 kept sockets the server was closing in its pool and about one request in three failed
 * with RemoteDisconnected. The Python side is test-clients/requests_pooled_session.py.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { startServer, type TestServer } from '../test/helpers/server.js';

const SCRIPT = resolve(import.meta.dirname, '../../test-clients/requests_pooled_session.py');

let server: TestServer;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

test('python3-requests pooled Session: 1 000 mixed requests, some with Connection: close, zero connection errors', async () => {
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile('/usr/bin/python3', [SCRIPT, server.url, '1000'], { timeout: 300_000, env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: '/tmp' } },
      (err, out, errOut) => done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout: out, stderr: errOut }));
  });
  assert.equal(code, 0, `script failed:\n${stderr}\n${stdout}`);
  const result = JSON.parse(stdout.trim()) as { statuses: Record<string, number>; errors: string[]; error_count: number };
  assert.equal(result.error_count, 0, result.errors.join('\n'));
  const answered = Object.values(result.statuses).reduce((a, b) => a + b, 0);
  assert.equal(answered, 1000);
  for (const status of Object.keys(result.statuses)) assert.ok(['200', '201', '202', '204', '404'].includes(status), `unexpected ${status}`);
});
