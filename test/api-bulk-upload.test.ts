/**
 * Bulk upload through HTTP, as Swift's bulk middleware: `PUT …?extract-archive=tar|tar.gz|tar.bz2`
 * turns every regular file of an archive made by the real `tar` into an object, creating containers
 * as needed, and answers with a report in the format Accept picks.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import tar from 'tar-stream';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

let server: TestServer;
let s: Session;
let dir: string;
const big = randomBytes(300_000); // above the inline limit: its bytes go to a file
before(async () => {
  server = await startServer();
  s = await login(server.url, 'test:tester', 'testing');
  dir = mkdtempSync(join(tmpdir(), 'swiftlet-bulk-upload-'));
  const tree = join(dir, 'tree');
  mkdirSync(join(tree, 'photos', '2026'), { recursive: true });
  mkdirSync(join(tree, 'docs'), { recursive: true });
  writeFileSync(join(tree, 'photos', '2026', 'big.bin'), big);
  writeFileSync(join(tree, 'photos', 'small.txt'), 'small file\n');
  writeFileSync(join(tree, 'docs', 'readme.md'), '# readme\n');
  writeFileSync(join(tree, 'top-level.txt'), 'no container to go in\n');
  execFileSync('tar', ['-C', tree, '-cf', join(dir, 'all.tar'), 'photos', 'docs', 'top-level.txt']);
  execFileSync('tar', ['-C', tree, '-czf', join(dir, 'docs.tar.gz'), 'docs']);
  execFileSync('tar', ['-C', tree, '-cjf', join(dir, 'photos.tar.bz2'), 'photos']);
  execFileSync('tar', ['-C', tree, '-cf', join(dir, 'top.tar'), 'top-level.txt']);
});
after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function extract(path: string, archive: Buffer, type: string, headers: Record<string, string> = {}) {
  const res = await call(`${s.storageUrl}${path}?extract-archive=${type}`, {
    method: 'PUT', token: s.token, body: new Uint8Array(archive), headers: { Accept: 'application/json', ...headers },
  });
  return { status: res.status, report: JSON.parse(res.text) as Record<string, unknown> };
}

test('/info advertises bulk_upload with its limits', async () => {
  const info = JSON.parse((await call(`${server.url}/info`)).text) as { bulk_upload?: Record<string, number> };
  assert.deepEqual(info.bulk_upload, { max_containers_per_extraction: 10000, max_failed_extractions: 1000 });
});

test('a tar on the account: each first directory becomes a container, files their objects, byte for byte', async () => {
  const { status, report } = await extract('', readFileSync(join(dir, 'all.tar')), 'tar', { 'X-Object-Meta-Batch': 'one' });
  assert.equal(status, 200);
  assert.deepEqual(report, { 'Response Status': '201 Created', 'Response Body': '', 'Number Files Created': 3, Errors: [] });
  const got = await call(`${s.storageUrl}/photos/2026/big.bin`, { token: s.token });
  assert.equal(got.status, 200);
  assert.ok(got.bytes.equals(big));
  const small = await call(`${s.storageUrl}/photos/small.txt`, { token: s.token });
  assert.equal(small.text, 'small file\n');
  assert.equal(small.headers.get('x-object-meta-batch'), 'one', 'user metadata of the request goes on every object');
  assert.equal((await call(`${s.storageUrl}/docs/readme.md`, { token: s.token })).text, '# readme\n');
  // A file at the top of the archive has no container: skipped, as in Swift.
  const names = (await call(`${s.storageUrl}?format=json`, { token: s.token })).text;
  assert.ok(!names.includes('top-level'));
});

test('tar.gz below a container and a pseudo-folder: the archive paths go under that base', async () => {
  assert.equal((await call(`${s.storageUrl}/base`, { method: 'PUT', token: s.token })).status, 201);
  const { report } = await extract('/base/unpacked', readFileSync(join(dir, 'docs.tar.gz')), 'tar.gz');
  assert.equal(report['Number Files Created'], 1);
  assert.equal((await call(`${s.storageUrl}/base/unpacked/docs/readme.md`, { token: s.token })).text, '# readme\n');
});

test('tar.bz2 into a container that does not exist yet', async () => {
  const { report } = await extract('/fresh', readFileSync(join(dir, 'photos.tar.bz2')), 'tar.bz2');
  assert.equal(report['Response Status'], '201 Created');
  assert.equal(report['Number Files Created'], 2);
  assert.ok((await call(`${s.storageUrl}/fresh/photos/2026/big.bin`, { token: s.token })).bytes.equals(big));
});

test('pax xattrs set the Content-Type and user metadata of the object', async () => {
  const pack = tar.pack();
  pack.entry({
    name: 'paxed/file.txt', size: 5,
    pax: { 'SCHILY.xattr.user.mime_type': 'text/x-pax', 'SCHILY.xattr.user.meta.origin': 'archive' },
  }, 'hello');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  const { report } = await extract('', Buffer.concat(chunks), 'tar');
  assert.equal(report['Number Files Created'], 1);
  const got = await call(`${s.storageUrl}/paxed/file.txt`, { token: s.token });
  assert.equal(got.text, 'hello');
  assert.equal(got.headers.get('content-type'), 'text/x-pax');
  assert.equal(got.headers.get('x-object-meta-origin'), 'archive');
});

test('an unknown archive type is a 400 before anything is read', async () => {
  const res = await call(`${s.storageUrl}/c?extract-archive=zip`, { method: 'PUT', token: s.token, body: 'x' });
  assert.equal(res.status, 400);
  assert.equal(res.text, 'Unsupported archive format');
});

test('a damaged archive, or one with no file to create, is reported as 400 with nothing created', async () => {
  for (const type of ['tar', 'tar.gz', 'tar.bz2']) {
    const { status, report } = await extract('/damaged', randomBytes(4096), type);
    assert.equal(status, 200);
    assert.equal(report['Response Status'], '400 Bad Request', type);
    // Python's words for it, as Swift reports them.
    const expected = { tar: 'invalid header', 'tar.gz': 'not a gzip file', 'tar.bz2': 'invalid compressed data' }[type];
    assert.equal(report['Response Body'], `Invalid Tar File: ${expected}`, type);
    assert.equal(report['Number Files Created'], 0);
  }
  const { report } = await extract('', readFileSync(join(dir, 'top.tar')), 'tar');
  assert.deepEqual([report['Response Status'], report['Response Body']], ['400 Bad Request', 'Invalid Tar File: No Valid Files']);
});

test('a caller without write access creates nothing: the report says 401', async () => {
  const res = await call(`${s.storageUrl}?extract-archive=tar`, {
    method: 'PUT', body: new Uint8Array(readFileSync(join(dir, 'all.tar'))), headers: { Accept: 'text/plain' },
  });
  assert.equal(res.status, 200);
  assert.match(res.text, /Response Status: 401 Unauthorized/);
  assert.match(res.text, /Response Body: \n/, 'Swift reports the 401 with an empty body');
  assert.match(res.text, /Number Files Created: 0/);
});

test('the report keeps the connection open, as Swift does: the next request reuses it', async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(s.storageUrl);
  const send = (method: string, path: string, headers: Record<string, string>, body?: Buffer) =>
    new Promise<{ status: number; connection?: string; reused: boolean; text: string }>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, method, path, agent, headers: { 'X-Auth-Token': s.token, ...headers } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { text += c; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, reused: req.reusedSocket, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  try {
    const archive = readFileSync(join(dir, 'docs.tar.gz'));
    const put = await send('PUT', `${url.pathname}/kept?extract-archive=tar.gz`, { Accept: 'application/json', 'Content-Length': String(archive.length) }, archive);
    assert.equal(put.status, 200);
    assert.equal((JSON.parse(put.text) as Record<string, unknown>)['Number Files Created'], 1);
    assert.notEqual(put.connection, 'close');
    const get = await send('GET', `${url.pathname}/kept/docs/readme.md`, {});
    assert.equal(get.status, 200);
    assert.equal(get.text, '# readme\n');
    assert.equal(get.reused, true, 'the GET went on the connection of the bulk upload');
  } finally {
    agent.destroy();
  }
});
