/**
 * Bulk upload limits an operator sets (`[swift] max_files_per_archive`, `max_archive_expanded_bytes`):
 * a small compressed archive cannot expand into any number of objects or bytes; past a limit the
 * report says 400 with the limit, as Swift's other bulk limits. A tar cut short reports 400 Bad Request
 * for the file it cuts, stores nothing of it, and logs no stack trace.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

let server: TestServer;
let s: Session;
before(async () => {
  server = await startServer({ extraToml: '[swift]\nmax_files_per_archive = 5\nmax_archive_expanded_bytes = 100000\n' });
  s = await login(server.url, 'test:tester', 'testing');
});
after(async () => { await server.stop(); });

async function tarOf(files: [string, Buffer][]): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, data] of files) pack.entry({ name, size: data.length }, data);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function extract(container: string, archive: Buffer, type: string) {
  const res = await call(`${s.storageUrl}/${container}?extract-archive=${type}`, {
    method: 'PUT', token: s.token, body: new Uint8Array(archive), headers: { Accept: 'application/json' },
  });
  assert.equal(res.status, 200);
  return JSON.parse(res.text) as { 'Response Status': string; 'Response Body': string; 'Number Files Created': number; Errors: [string, string][] };
}

async function names(container: string): Promise<string[]> {
  const res = await call(`${s.storageUrl}/${container}`, { token: s.token });
  return res.status === 200 ? res.text.split('\n').filter(Boolean) : [];
}

test('more files than max_files_per_archive: 400 with the limit, the files before it created', async () => {
  const files = Array.from({ length: 8 }, (_, i): [string, Buffer] => [`f${i}.txt`, Buffer.from(`file ${i}`)]);
  const report = await extract('many', gzipSync(await tarOf(files)), 'tar.gz');
  assert.equal(report['Response Status'], '400 Bad Request');
  assert.equal(report['Response Body'], 'More than 5 files in the archive.');
  assert.equal(report['Number Files Created'], 5);
  assert.equal((await names('many')).length, 5);
});

test('more bytes than max_archive_expanded_bytes (a small tar.gz of zeros): 400, the file past the limit not stored', async () => {
  const archive = gzipSync(await tarOf([['a.bin', Buffer.alloc(60_000)], ['b.bin', Buffer.alloc(60_000)]]));
  assert.ok(archive.length < 2000, `archive of ${archive.length} bytes`);
  const report = await extract('bytes', archive, 'tar.gz');
  assert.equal(report['Response Status'], '400 Bad Request');
  assert.equal(report['Response Body'], 'More than 100000 bytes in the files of the archive.');
  assert.equal(report['Number Files Created'], 1);
  assert.deepEqual(await names('bytes'), ['a.bin']);
});

for (const [kind, size] of [['a file', 90_000], ['an inline object', 3000]] as const) {
  test(`a tar cut inside ${kind}: 400 Bad Request for the cut file, nothing of it stored, no stack trace logged`, async () => {
    const whole = await tarOf([['first.txt', Buffer.from('first')], ['cut.bin', Buffer.alloc(size, 0x41)], ['after.txt', Buffer.from('after')]]);
    // Headers are 512 bytes: first.txt's header and padded data, cut.bin's header, half of its data.
    const cutAt = 512 + 512 + 512 + Math.floor(size / 2);
    const container = `cut-${size}`;
    const before = server.output().length;
    const report = await extract(container, whole.subarray(0, cutAt), 'tar');
    assert.equal(report['Response Status'], '400 Bad Request');
    assert.deepEqual(report.Errors, [[`/${container}/cut.bin`.slice(1), '400 Bad Request']]);
    assert.equal(report['Number Files Created'], 1);
    assert.deepEqual(await names(container), ['first.txt']);
    const logged = server.output().slice(before);
    assert.doesNotMatch(logged, /\n\s+at /, logged);
    assert.doesNotMatch(logged, /error in bulk upload/, logged);
  });
}
