/**
 * openstacksdk (Debian's python3-openstacksdk) signs a form POST (generate_form_signature) with the
 * account's Temp-URL key it set itself; a token-less multipart POST with that signature (python3-requests,
 * as a browser) stores the files, a file over max_file_size is refused, and a form whose fields differ
 * from what was signed is 401. The Python side is test-clients/openstacksdk_formpost.py.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { startServer, type TestServer } from '../test/helpers/server.js';

const SCRIPT = resolve(import.meta.dirname, '../../test-clients/openstacksdk_formpost.py');

let server: TestServer;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

type Step = Record<string, unknown> & { step: string };

test('openstacksdk generate_form_signature: a browser-style form upload stores the files; too big → 400, forged → 401', async () => {
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile('/usr/bin/python3', [SCRIPT, server.url], { timeout: 120_000, env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: '/tmp' } },
      (err, out, errOut) => done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout: out, stderr: errOut }));
  });
  assert.equal(code, 0, `script failed:\n${stderr}\n${stdout}`);
  const steps = new Map<string, Step>();
  for (const line of stdout.split('\n').filter(Boolean)) {
    const s = JSON.parse(line) as Step;
    steps.set(s.step, s);
  }
  assert.deepEqual(steps.get('post'), { step: 'post', status: 201, body: '201 Created' });
  assert.deepEqual(steps.get('list'), { step: 'list', names: ['up-a.txt', 'up-b.bin'] });
  assert.deepEqual(steps.get('read'), { step: 'read', a: 'alpha\n', b: '000162657461' });
  assert.deepEqual(steps.get('too_big'), { step: 'too_big', status: 400, body: 'FormPost: max_file_size exceeded' });
  assert.deepEqual(steps.get('forged'), { step: 'forged', status: 401, body: 'FormPost: Invalid Signature' });
});
