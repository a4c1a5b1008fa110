/**
 * WalFlusher, the flush behind every group-committed write (its thread flushes the -wal file, the
 * event loop waits on shared counters). What a caller relies on: its promise settles only once a
 * flush has run, callers settle in the order they asked, a failed flush is never reported as
 * success (and refuses every later write: after an fdatasync error nothing later proves the data
 * is on disk), and a pending flush keeps the process alive. Driven on real files; nothing here
 * asserts speed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLUSHED, WalFlusher } from '../src/storage/sqlite/wal-flusher.js';

function scratchDir(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-walflush-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `body` with a flusher of a 4 KiB WAL in a scratch directory; closes it and removes the directory after. */
async function withFlusher(body: (wal: WalFlusher) => Promise<void>): Promise<void> {
  const s = scratchDir();
  const path = join(s.dir, 'db-wal');
  writeFileSync(path, Buffer.alloc(4096, 1));
  const wal = new WalFlusher(path);
  try {
    await body(wal);
  } finally {
    await wal.close();
    s.done();
  }
}

test('every caller settles, in the order they asked, and later calls after an idle spell still flush', async () => {
  await withFlusher(async (wal) => {
    const order: number[] = [];
    await Promise.all(Array.from({ length: 50 }, (_, i) => wal.sync().then(() => order.push(i))));
    assert.deepEqual(order, Array.from({ length: 50 }, (_, i) => i));
    await new Promise((r) => setTimeout(r, 50)); // the thread is asleep now
    await wal.sync();
  });
});

test('settleFlushed answers a caller whose flush is done while the event loop is still busy', async () => {
  await withFlusher(async (wal) => {
    await wal.sync(); // the thread is up
    let answered = false;
    const pending = wal.sync().then(() => { answered = true; });
    const sleeper = new Int32Array(new SharedArrayBuffer(4));
    // The event loop never polls for I/O in this loop (Atomics.wait blocks it; awaiting a resolved
    // promise runs microtasks only), so the thread's notification cannot be what answers the caller.
    for (let i = 0; i < 500 && !answered; i++) {
      Atomics.wait(sleeper, 0, 0, 10);
      wal.settleFlushed();
      await Promise.resolve();
    }
    assert.equal(answered, true, 'the caller was not answered within 5 s of blocking');
    await pending;
  });
});

test('a caller is answered when its flush finishes between the flusher checking FLUSHED and arming its wait', async () => {
  await withFlusher(async (wal) => {
    const originalLoad = Atomics.load;
    try {
      // Stand-in for the event loop being preempted at the worst moment: the first time the flusher
      // reads FLUSHED, hold it (the value already read) until the thread has published the flush, so
      // that anything read afterwards sees the flush done. A flusher that decides on one reading and
      // arms its wait on a second one waits for a change that has already happened, and never answers.
      let armed = true;
      const patched = (array: Parameters<typeof Atomics.load>[0], index: number) => {
        const value = originalLoad(array as BigInt64Array, index);
        if (armed && index === FLUSHED && array instanceof BigInt64Array && array.buffer instanceof SharedArrayBuffer) {
          armed = false;
          Atomics.wait(array, FLUSHED, value as bigint, 5000);
        }
        return value;
      };
      Atomics.load = patched as typeof Atomics.load;
      const answered = wal.sync().then(() => 'answered');
      Atomics.load = originalLoad;
      const outcome = await Promise.race([answered, new Promise((r) => setTimeout(r, 3000, 'not answered within 3 s'))]);
      assert.equal(armed, false, 'the flusher never read FLUSHED');
      assert.equal(outcome, 'answered');
    } finally {
      Atomics.load = originalLoad;
    }
  });
});

test('a WAL that cannot be opened rejects every waiting caller; once it exists, a new thread flushes', async () => {
  const s = scratchDir();
  const path = join(s.dir, 'later', 'db-wal');
  const wal = new WalFlusher(path);
  try {
    const results = await Promise.allSettled([wal.sync(), wal.sync()]);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.match(String((r as PromiseRejectedResult).reason), /ENOENT/);
    }
    mkdirSync(join(s.dir, 'later'));
    writeFileSync(path, Buffer.alloc(4096, 1));
    await wal.sync();
  } finally {
    await wal.close();
    s.done();
  }
});

test('a failed fdatasync rejects its callers and every later one (fail closed until restart)', async () => {
  // fdatasync on /dev/null fails with EINVAL: a real failing flush, without a failing disk.
  const wal = new WalFlusher('/dev/null');
  const logged: unknown[] = [];
  const error = console.error;
  console.error = (...args: unknown[]) => { logged.push(args.join(' ')); };
  try {
    await assert.rejects(wal.sync(), /flushing \/dev\/null failed: writes are refused until restart/);
    await assert.rejects(wal.sync(), /writes are refused until restart/);
    await new Promise((r) => setTimeout(r, 100)); // the thread's report of the cause arrives as a message
    assert.match(String(logged[0]), /EINVAL/);
  } finally {
    console.error = error;
    await wal.close();
  }
});

test('a pending flush keeps the process alive, and close() lets it exit', () => {
  const s = scratchDir();
  try {
    const walPath = join(s.dir, 'db-wal');
    writeFileSync(walPath, Buffer.alloc(4096, 1));
    const flusher = fileURLToPath(new URL('../src/storage/sqlite/wal-flusher.js', import.meta.url));
    // Nothing but the flush is pending in the child: without a reference held for it, the process
    // would exit before the promise settles and print nothing.
    const script = `import { WalFlusher } from ${JSON.stringify(flusher)};
      const wal = new WalFlusher(${JSON.stringify(walPath)});
      wal.sync().then(() => { console.log('flushed'); return wal.close(); }).then(() => console.log('closed'));`;
    const scriptPath = join(s.dir, 'flush-once.mjs');
    writeFileSync(scriptPath, script);
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT; // a plain child, not one the test runner reports on
    const child = spawnSync(process.execPath, [scriptPath], { encoding: 'utf8', timeout: 20_000, env });
    assert.equal(child.stderr, '');
    assert.equal(child.status, 0);
    assert.equal(child.stdout, 'flushed\nclosed\n');
  } finally {
    s.done();
  }
});
