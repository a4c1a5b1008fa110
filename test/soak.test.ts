/**
 * `npm run soak` is a tool for release checks, not part of the suite; this runs it for 6 s end to
 * end (it starts its own Swiftlet) so that it cannot rot: it must finish, print its progress lines
 * with the server's memory and descriptors, and pass with no errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from './helpers/server.js';

test('npm run soak -- --minutes 0.1 runs a mixed load and reports memory, descriptors and errors', async () => {
  const root = resolve(import.meta.dirname, '../..');
  const port = await freePort();
  const run = spawnSync('npm', ['run', '--silent', 'soak', '--', '--minutes', '0.1', '--concurrency', '4', '--port', String(port)],
    { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, `soak exited ${run.status}: ${run.stdout}\n${run.stderr}`);
  const progress = run.stdout.split('\n').filter((l) => /^\s+\d+ s {2}requests \d+ {2}errors 0 {2}\d+ req\/s {2}RSS \d+ MiB {2}fds \d+$/.test(l));
  assert.ok(progress.length >= 3, `expected a progress line every second:\n${run.stdout}`);
  const summary = /summary: (\d+) requests in [\d.]+ s .*errors 0; RSS \d+ → \d+ MiB .*fds \d+ → \d+/.exec(run.stdout);
  assert.ok(summary, `no summary:\n${run.stdout}`);
  assert.ok(Number(summary[1]) > 50, 'the load made requests');
  assert.match(run.stdout, /^soak passed$/m);
});
