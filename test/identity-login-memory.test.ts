/**
 * Logins and the server's memory. scrypt needs 16 MiB per password check, and the thread that runs
 * it keeps that memory afterwards (glibc keeps each thread's freed memory for it). On libuv's pool,
 * as before, every pool thread that ever checked a password kept it: with `npm start`'s 32 pool
 * threads, 8 concurrent logins took an idle server from 98 to 231 MB, for good. Password checks now
 * run on at most two password threads, so a burst of logins costs what two do. Measured on a real
 * server process, with the pool `npm start` gives it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer } from './helpers/server.js';
import { call } from './helpers/swift.js';

function residentMiB(pid: number): number {
  const kib = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib) / 1024;
}

const USERS = [['test:tester', 'testing'], ['test2:tester2', 'testing2'], ['test:tester3', 'testing3'], ['test5:tester5', 'testing5']] as const;

test('bursts of concurrent logins leave the server holding about what two logins do, and every login succeeds', async () => {
  const server = await startServer({ env: { UV_THREADPOOL_SIZE: '32' } });
  try {
    const pid = server.process.pid ?? 0;
    const login = async (i: number) => {
      const [user, key] = USERS[i % USERS.length] ?? USERS[0];
      const r = await call(`${server.url}/auth/v1.0`, { headers: { 'x-auth-user': user, 'x-auth-key': key } });
      assert.equal(r.status, 200, `login ${user}`);
      assert.ok(r.headers.get('x-auth-token'), 'a token');
    };
    await Promise.all([login(0), login(1)]);
    const before = residentMiB(pid);
    for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: 16 }, (_, i) => login(i)));
    const wrong = await call(`${server.url}/auth/v1.0`, { headers: { 'x-auth-user': 'test:tester', 'x-auth-key': 'not-it' } });
    assert.equal(wrong.status, 401);
    const grown = residentMiB(pid) - before;
    // Each pool thread that checked a password kept >= 16 MiB: 48 logins over 32 threads grew by hundreds.
    assert.ok(grown < 64, `resident memory grew by ${grown.toFixed(0)} MiB over 48 logins`);
  } finally {
    await server.stop();
  }
});
