/**
 * The background-work lease (src/storage/postgres/lease.ts) on a real PostgreSQL: one holder at a
 * time among several nodes, handed over on release, and taken over promptly when the holder's
 * process is killed (the janitor and expirer keep running when their node dies).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { AdvisoryLease } from '../src/storage/postgres/lease.js';
import { MetadataUnavailableError } from '../src/storage/postgres/errors.js';
import { freshDatabases } from './helpers/postgres.js';

const KEY = 0x4a41_4e49;

test('lease: one holder among three nodes; handed over on release', async () => {
  const { urls, drop } = await freshDatabases('lease');
  const url = urls[0] ?? '';
  const nodes = [new AdvisoryLease(url, KEY), new AdvisoryLease(url, KEY), new AdvisoryLease(url, KEY)];
  try {
    const first = await Promise.all(nodes.map((n) => n.tryAcquire()));
    assert.equal(first.filter(Boolean).length, 1, `exactly one holder: ${first.join(',')}`);
    const holder = first.indexOf(true);
    assert.equal(await nodes[holder]?.tryAcquire(), true, 'the holder keeps it');
    assert.deepEqual(await Promise.all(nodes.map((n) => n.tryAcquire())), first, 'and the others still cannot take it');
    const otherWork = new AdvisoryLease(url, KEY + 1);
    assert.equal(await otherWork.tryAcquire(), true, 'another key is another lease');
    await otherWork.release();
    await nodes[holder]?.release();
    const second = await Promise.all(nodes.map((n, i) => (i === holder ? Promise.resolve(false) : n.tryAcquire())));
    assert.equal(second.filter(Boolean).length, 1, 'released: another node takes it');
  } finally {
    for (const n of nodes) await n.release();
    await drop();
  }
});

test('lease: the holder killed with SIGKILL, another node holds it within a second', async () => {
  const { urls, drop } = await freshDatabases('leasekill');
  const url = urls[0] ?? '';
  const child = spawn(process.execPath, [resolve(import.meta.dirname, 'helpers/lease-holder.js'), url, String(KEY)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const survivor = new AdvisoryLease(url, KEY);
  try {
    const [line] = await new Promise<string[]>((res) => createInterface({ input: child.stdout }).once('line', (l) => res([l])));
    assert.equal(line, 'held');
    assert.equal(await survivor.tryAcquire(), false, 'held by the other node');
    const killedAt = Date.now();
    child.kill('SIGKILL');
    while (!(await survivor.tryAcquire())) {
      assert.ok(Date.now() - killedAt < 1000, 'taken over within a second');
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    child.kill('SIGKILL');
    await survivor.release();
    await drop();
  }
});

test('lease: an unreachable server is a MetadataUnavailableError, not a hang', async () => {
  const lease = new AdvisoryLease('postgres://postgres@127.0.0.1:1/postgres', KEY, 1000);
  await assert.rejects(lease.tryAcquire(), (err: unknown) => err instanceof MetadataUnavailableError);
});
