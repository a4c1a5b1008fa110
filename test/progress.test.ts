/**
 * Progress of long CLI work (issue 20, "Long work shows progress"): the shared bar of
 * src/cli/progress.ts, used by `swiftlet audit`, `swiftlet images audit`, `swiftlet migrate` and
 * `npm run bench`. Its rendering, rate and time left are checked with an injected clock; then
 * `swiftlet audit` runs as a real child process beside a real server, once writing to a pipe (plain
 * periodic lines with counts) and once to a terminal (util-linux `script`: a bar redrawn in place).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { formatBytes, formatDuration, ProgressBar, type ProgressOptions } from '../src/cli/progress.js';
import { CLI, startServer, type TestServer } from './helpers/server.js';
import { call, login } from './helpers/swift.js';

/** A bar whose clock the test moves, and everything it wrote. */
function harness(options: Partial<ProgressOptions> & { tty: boolean }): { bar: ProgressBar; out: string[]; at: (ms: number) => void } {
  let now = 1_000_000;
  const out: string[] = [];
  const bar = new ProgressBar({ label: 'audit', unit: 'bytes', total: 1000, write: (t) => out.push(t), now: () => now, ...options });
  return { bar, out, at: (ms) => { now = 1_000_000 + ms; } };
}

describe('progress bar (injected clock)', () => {
  test('not a terminal: a plain line at once, then at most one per interval, and a final line with the time taken', () => {
    const { bar, out, at } = harness({ tty: false, lineEveryMs: 5000 });
    bar.update({ done: 0, text: '0/4 objects' });
    assert.deepEqual(out, ['audit: 0% 0/4 objects, rate ?, ETA ?\n'], 'no rate and no time left within the first second');
    at(2000);
    bar.update({ done: 100, text: '1/4 objects' });
    assert.equal(out.length, 1, 'no line before the interval has passed');
    at(10_000);
    bar.update({ done: 250, text: '1/4 objects' });
    // 250 bytes in 10 s: 25 B/s; 750 left: 30 s.
    assert.equal(out[1], 'audit: 25% 1/4 objects, 25 B/s, ETA 30s\n');
    at(12_000);
    bar.update({ done: 300, text: '2/4 objects' });
    assert.equal(out.length, 2);
    at(40_000);
    bar.finish({ done: 1000, text: '4/4 objects' });
    assert.equal(out[2], 'audit: 100% 4/4 objects, 25 B/s, took 40s\n');
    assert.ok(out.every((l) => !l.includes('\r') && !l.includes('\x1b')), 'no terminal control codes in a log');
  });

  test('a terminal: a 30-column bar redrawn in place at most every 200 ms, ended by a newline', () => {
    const { bar, out, at } = harness({ tty: true });
    at(1000);
    bar.update({ done: 500, text: 'half' });
    assert.equal(out[0], `\r[${'#'.repeat(15)}${'.'.repeat(15)}]  50% audit: half, 500 B/s, ETA 1s\x1b[K`);
    at(1100);
    bar.update({ done: 600, text: 'more' });
    assert.equal(out.length, 1, 'redraws are rate-limited');
    at(1300);
    bar.update({ done: 600, text: 'more' });
    assert.equal(out.length, 2);
    at(2000);
    bar.finish({ done: 1000, text: 'all' });
    assert.equal(out[2], `\r[${'#'.repeat(30)}] 100% audit: all, 500 B/s, took 2s\x1b[K`);
    assert.equal(out[3], '\n');
  });

  test('a message while the bar is shown clears the bar first; the next update draws it again at once', () => {
    const { bar, out, at } = harness({ tty: true });
    bar.update({ done: 10 });
    bar.log('damaged: a/b/c');
    assert.equal(out[1], '\r\x1b[Kdamaged: a/b/c\n');
    at(10);
    bar.update({ done: 20 });
    assert.equal(out.length, 3);
  });

  test('counts and large units: rate in the rate unit, time left in minutes and hours, a total learnt late', () => {
    // A benchmark: the bar fills with seconds, the rate is operations per second.
    const bench = harness({ tty: false, label: 'bench put-small', unit: 's', rateUnit: 'ops', total: 600 });
    bench.at(150_000);
    bench.bar.update({ done: 150, rateCount: 30_000, text: '30000 ops' });
    assert.equal(bench.out[0], 'bench put-small: 25% 30000 ops, 200 ops/s, ETA 7m30s\n');
    const images = harness({ tty: false, label: 'images audit', unit: 'images', total: undefined });
    images.at(4000);
    images.bar.update({ done: 2, total: 10_000 });
    assert.equal(images.out[0], 'images audit: 0% 0.5 images/s, ETA 5h33m\n');
    const unknown = harness({ tty: false, total: undefined });
    unknown.at(1000);
    unknown.bar.update({ done: 3 * 1024 * 1024 });
    assert.equal(unknown.out[0], 'audit: 3.0 MiB/s\n', 'no share and no time left without a total');
    assert.equal(formatDuration(59.6), '1m00s');
    assert.equal(formatDuration(3599), '59m59s');
    assert.equal(formatBytes(1536), '1.5 KiB');
  });
});

function run(command: string[], viaTerminal: boolean): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = viaTerminal
      ? spawn('script', ['-qefc', command.map((a) => `'${a}'`).join(' '), '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(command[0] ?? '', command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('swiftlet audit shows its progress', () => {
  const OBJECTS = 12;
  const SIZE = 64 * 1024;
  let server: TestServer;
  let configFile: string;
  before(async () => {
    server = await startServer({ extraToml: '[auditor]\nenabled = false' });
    const s = await login(server.url, 'test:tester', 'testing');
    assert.equal((await call(`${s.storageUrl}/p`, { method: 'PUT', token: s.token })).status, 201);
    for (let i = 0; i < OBJECTS; i++) {
      const r = await call(`${s.storageUrl}/p/o${i}`, { method: 'PUT', token: s.token, body: Buffer.alloc(SIZE, i) });
      assert.equal(r.status, 201);
    }
    configFile = `${server.dataDir}-progress.toml`;
    writeFileSync(configFile, '[auditor]\nbytes_per_second = 0\n');
  });
  after(async () => {
    await server.stop();
    rmSync(configFile, { force: true });
  });

  test('to a pipe: plain lines every 5 s with the objects and bytes so far, the rate and the time left, then 100%', async () => {
    // 768 KiB at 120 kB/s: about 6.5 s, so a line at the start, one 5 s in, and the last.
    const r = await run([process.execPath, CLI, 'audit', '--data', server.dataDir, '--config', configFile, '--bytes-per-second', '120000'], false);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`audit: ${OBJECTS} objects, 768.0 KiB checked; 0 damaged, 0 missing, 0 quarantined`));
    assert.doesNotMatch(r.stderr, /\r|\x1b/);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('audit: '));
    assert.ok(lines.length >= 3, r.stderr);
    const parsed = lines.map((l) => {
      const m = /^audit: (\d+)% (\d+)\/(\d+) objects, ([\d.]+ [KM]?i?B)\/768.0 KiB \(0 damaged, 0 missing\), (?:[\d.]+ [KM]?i?B\/s|rate \?), (ETA \S+|took \d+s)$/.exec(l);
      assert.ok(m, `a progress line: ${JSON.stringify(l)}`);
      return { percent: Number(m[1]), objects: Number(m[2]), total: Number(m[3]), end: m[5] ?? '' };
    });
    assert.ok(parsed.every((p) => p.total === OBJECTS));
    for (let i = 1; i < parsed.length; i++) assert.ok((parsed[i]?.percent ?? 0) >= (parsed[i - 1]?.percent ?? 0), 'progress only grows');
    const middle = parsed.slice(1, -1);
    assert.ok(middle.some((p) => p.percent > 0 && p.percent < 100 && /^ETA \d+s$/.test(p.end)), `a line midway with the time left: ${lines.join(' | ')}`);
    const last = parsed[parsed.length - 1];
    assert.deepEqual({ percent: last?.percent, objects: last?.objects }, { percent: 100, objects: OBJECTS });
    assert.match(last?.end ?? '', /^took \d+s$/);
  });

  test('to a terminal: a bar redrawn in place, ending at 100%', async () => {
    const r = await run([process.execPath, CLI, 'audit', '--data', server.dataDir, '--config', configFile, '--bytes-per-second', '0'], true);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`\\r\\[#{30}\\] 100% audit: ${OBJECTS}/${OBJECTS} objects, 768.0 KiB/768.0 KiB \\(0 damaged, 0 missing\\), [\\d.]+ [KMG]?i?B/s, took \\d+s\\x1b\\[K`));
    assert.doesNotMatch(r.stdout, /^audit: \d+%/m, 'no plain lines on a terminal');
  });
});
