/**
 * Debian's `swift` command (python-swiftclient) against a real Swiftlet: the commands users type,
 * their exit codes and the output they read (stat fields, listings, transferred bytes).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type TestServer } from '../test/helpers/server.js';
import { envWithout, runCommand, type Run } from './run.js';

const SWIFT = '/usr/bin/swift';
const MiB = 1024 * 1024;


/** The environment without ST_* / OS_* variables, so only the command-line credentials count. */
function cleanEnv(): Record<string, string> {
  return envWithout(/^(ST|OS)_/);
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/** `swift stat` output → { field: value } ("Content Length: 5" → "Content Length" → "5"). */
function parseStat(out: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of out.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) fields.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return fields;
}

function lines(out: string): string[] {
  return out.split('\n').filter((l) => l !== '');
}

describe('swift CLI (python-swiftclient)', () => {
  let server: TestServer;
  let work: string;
  const files = new Map<string, Buffer>();

  function swift(args: string[], cwd = work): Promise<Run> {
    return runCommand(SWIFT, ['-A', `${server.url}/auth/v1.0`, '-U', 'test:tester', '-K', 'testing', ...args], { cwd, env: cleanEnv() });
  }

  async function ok(args: string[], cwd = work): Promise<string> {
    const r = await swift(args, cwd);
    assert.equal(r.code, 0, `swift ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}\n--- server ---\n${server.output().slice(-2000)}`);
    return r.stdout;
  }

  function put(name: string, data: Buffer): void {
    mkdirSync(join(work, name, '..'), { recursive: true });
    writeFileSync(join(work, name), data);
    files.set(name, data);
  }

  before(async () => {
    server = await startServer();
    work = mkdtempSync(join(tmpdir(), 'swiftlet-swift-cli-'));
    put('hello.txt', Buffer.from('hello, swift\n'));
    put('empty.txt', Buffer.alloc(0));
    put('dir/one.txt', Buffer.from('one\n'));
    put('dir/sub/two.txt', Buffer.from('two two\n'));
    put('dir/sub/deeper/three.dat', randomBytes(70_000));
    put('big.bin', randomBytes(30 * MiB));
  });

  after(async () => {
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('stat of a new account shows zero containers, objects and bytes', async () => {
    const stat = parseStat(await ok(['stat']));
    assert.equal(stat.get('Account'), 'AUTH_test');
    assert.equal(stat.get('Containers'), '0');
    assert.equal(stat.get('Objects'), '0');
    assert.equal(stat.get('Bytes'), '0');
  });

  it('upload small files (creating the container), a directory tree and a 30 MiB file', async () => {
    assert.deepEqual(lines(await ok(['upload', 'c', 'hello.txt', 'empty.txt'])).sort(), ['empty.txt', 'hello.txt']);
    assert.deepEqual(lines(await ok(['upload', 'c', 'dir'])).sort(),
      ['dir/one.txt', 'dir/sub/deeper/three.dat', 'dir/sub/two.txt']);
    assert.deepEqual(lines(await ok(['upload', 'c', 'big.bin'])), ['big.bin']);
  });

  it('stat of the container counts the objects and bytes', async () => {
    const stat = parseStat(await ok(['stat', 'c']));
    assert.equal(stat.get('Account'), 'AUTH_test');
    assert.equal(stat.get('Container'), 'c');
    assert.equal(stat.get('Objects'), String(files.size));
    const bytes = [...files.values()].reduce((n, b) => n + b.length, 0);
    assert.equal(stat.get('Bytes'), String(bytes));
    const account = parseStat(await ok(['stat']));
    assert.equal(account.get('Containers'), '1');
    assert.equal(account.get('Objects'), String(files.size));
    assert.equal(account.get('Bytes'), String(bytes));
  });

  it('stat of objects shows length, ETag (MD5) and the mtime swift upload recorded', async () => {
    const big = files.get('big.bin') ?? Buffer.alloc(0);
    const stat = parseStat(await ok(['stat', 'c', 'big.bin']));
    assert.equal(stat.get('Container'), 'c');
    assert.equal(stat.get('Object'), 'big.bin');
    assert.equal(stat.get('Content Length'), String(30 * MiB));
    assert.equal(stat.get('ETag'), md5(big));
    assert.match(stat.get('Meta Mtime') ?? '', /^\d+(\.\d+)?$/);
    assert.equal(stat.get('Content Type'), 'application/octet-stream');
    const hello = parseStat(await ok(['stat', 'c', 'hello.txt']));
    assert.equal(hello.get('Content Length'), '13');
    assert.equal(hello.get('ETag'), md5(files.get('hello.txt') ?? Buffer.alloc(0)));
    assert.equal(hello.get('Content Type'), 'text/plain');
    const missing = await swift(['stat', 'c', 'nothere']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Object HEAD failed: .*\/c\/nothere 404 Not Found/);
    const noContainer = await swift(['stat', 'nocontainer']);
    assert.equal(noContainer.code, 1);
    assert.match(noContainer.stderr, /Container 'nocontainer' not found/);
  });

  it('list: account, container, --prefix, --prefix with --delimiter', async () => {
    assert.deepEqual(lines(await ok(['list'])), ['c']);
    assert.deepEqual(lines(await ok(['list', 'c'])), [...files.keys()].sort());
    assert.deepEqual(lines(await ok(['list', 'c', '--prefix', 'dir/sub/'])), ['dir/sub/deeper/three.dat', 'dir/sub/two.txt']);
    assert.deepEqual(lines(await ok(['list', 'c', '--delimiter', '/'])), ['big.bin', 'dir/', 'empty.txt', 'hello.txt']);
    assert.deepEqual(lines(await ok(['list', 'c', '--prefix', 'dir/', '--delimiter', '/'])), ['dir/one.txt', 'dir/sub/']);
    assert.deepEqual(lines(await ok(['list', 'c', '--prefix', 'nothing/'])), []);
  });

  it('download the whole container and single objects, byte for byte', async () => {
    const out = mkdtempSync(join(work, 'dl-'));
    const names = lines(await ok(['download', 'c'], out)).map((l) => l.replace(/ \[auth .*$/, ''));
    assert.deepEqual(names.sort(), [...files.keys()].sort());
    for (const name of files.keys()) {
      assert.equal(sha256(join(out, name)), sha256(join(work, name)), `${name} downloaded intact`);
    }
    await ok(['download', 'c', 'big.bin', '-o', join(out, 'single.bin')]);
    assert.equal(sha256(join(out, 'single.bin')), sha256(join(work, 'big.bin')));
    const missing = await swift(['download', 'c', 'nothere', '-o', join(out, 'x')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Object 'c\/nothere' not found/);
  });

  it('post metadata on an object and a container; stat shows it', async () => {
    assert.equal(await ok(['post', '-m', 'color:red', 'c', 'big.bin']), '');
    const stat = parseStat(await ok(['stat', 'c', 'big.bin']));
    assert.equal(stat.get('Meta Color'), 'red');
    assert.equal(stat.get('Content Length'), String(30 * MiB), 'a POST keeps the bytes');
    assert.equal(stat.get('ETag'), md5(files.get('big.bin') ?? Buffer.alloc(0)));
    assert.equal(await ok(['post', '-m', 'owner:alice', 'c']), '');
    assert.equal(parseStat(await ok(['stat', 'c'])).get('Meta Owner'), 'alice');
  });

  it('copy --destination to another container keeps bytes and metadata', async () => {
    // swift copy creates the destination container first, then sends COPY with Destination.
    assert.deepEqual(lines(await ok(['copy', '--destination', '/c2/o2', 'c', 'big.bin'])),
      ['created container c2', 'c/big.bin copied to /c2/o2']);
    const stat = parseStat(await ok(['stat', 'c2', 'o2']));
    assert.equal(stat.get('Content Length'), String(30 * MiB));
    assert.equal(stat.get('ETag'), md5(files.get('big.bin') ?? Buffer.alloc(0)));
    assert.equal(stat.get('Meta Color'), 'red');
    const out = mkdtempSync(join(work, 'copy-'));
    await ok(['download', 'c2', 'o2', '-o', join(out, 'o2')]);
    assert.equal(sha256(join(out, 'o2')), sha256(join(work, 'big.bin')));
  });

  async function segmentNames(container: string): Promise<string[]> {
    const r = await swift(['list', container]);
    return r.code === 0 ? lines(r.stdout) : [];
  }

  it('upload --segment-size 8M (DLO: manifest + 4 segments) reads back whole', async () => {
    const uploaded = lines(await ok(['upload', '--segment-size', '8M', 'seg', 'big.bin']));
    assert.ok(uploaded.includes('big.bin'), uploaded.join('\n'));
    const stat = parseStat(await ok(['stat', 'seg', 'big.bin']));
    assert.equal(stat.get('Content Length'), String(30 * MiB));
    assert.match(stat.get('Manifest') ?? '', /^seg_segments\/big\.bin\//);
    assert.equal((await segmentNames('seg_segments')).length, 4);
    const out = mkdtempSync(join(work, 'seg-'));
    await ok(['download', 'seg', 'big.bin', '-o', join(out, 'big.bin')]);
    assert.equal(sha256(join(out, 'big.bin')), sha256(join(work, 'big.bin')));
  });

  it('delete the DLO removes its segments too', async () => {
    const segments = await segmentNames('seg_segments');
    // swift delete names each segment it removes (in completion order), then the manifest.
    const deleted = lines(await ok(['delete', 'seg', 'big.bin']));
    assert.deepEqual(deleted.slice(0, -1).sort(), segments.map((n) => `seg_segments/${n}`).sort());
    assert.equal(deleted[deleted.length - 1], 'big.bin');
    assert.deepEqual(await segmentNames('seg_segments'), []);
    assert.equal((await swift(['stat', 'seg', 'big.bin'])).code, 1);
  });

  it('upload --use-slo --segment-size 8M (SLO) reads back whole', async () => {
    const uploaded = lines(await ok(['upload', '--use-slo', '--segment-size', '8M', 'slo', 'big.bin']));
    assert.ok(uploaded.includes('big.bin'), uploaded.join('\n'));
    const stat = parseStat(await ok(['stat', 'slo', 'big.bin']));
    assert.equal(stat.get('Content Length'), String(30 * MiB));
    assert.equal((await segmentNames('slo_segments')).length, 4);
    const out = mkdtempSync(join(work, 'slo-'));
    await ok(['download', 'slo', 'big.bin', '-o', join(out, 'big.bin')]);
    assert.equal(sha256(join(out, 'big.bin')), sha256(join(work, 'big.bin')));
  });

  it('delete the SLO removes its segments (multipart-manifest=delete), then the containers', async () => {
    assert.deepEqual(lines(await ok(['delete', 'slo', 'big.bin'])), ['big.bin']);
    assert.deepEqual(await segmentNames('slo_segments'), []);
    assert.equal((await swift(['stat', 'slo', 'big.bin'])).code, 1);
    for (const c of ['seg', 'seg_segments', 'slo', 'slo_segments']) await ok(['delete', c]);
    assert.deepEqual(lines(await ok(['list'])).filter((n) => n.startsWith('seg') || n.startsWith('slo')), []);
  });

  it('tempurl: post -m Temp-URL-Key, then URLs made by `swift tempurl` GET and PUT without a token', async () => {
    await ok(['post', '-m', 'Temp-URL-Key:cli-secret']);
    const account = new URL((await ok(['auth'])).match(/OS_STORAGE_URL=(\S+)/)?.[1] ?? '').pathname.split('/')[2] ?? '';
    const getPath = lines(await ok(['tempurl', 'GET', '3600', `/v1/${account}/c/hello.txt`, 'cli-secret']))[0] ?? '';
    const got = await fetch(`${server.url}${getPath}`);
    assert.equal(got.status, 200, getPath);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), files.get('hello.txt'));
    // An ISO 8601 expiry and a prefix-based URL (every object under dir/sub/).
    const iso = lines(await ok(['tempurl', '--iso8601', 'GET', '1h', `/v1/${account}/c/dir/one.txt`, 'cli-secret']))[0] ?? '';
    assert.match(iso, /temp_url_expires=\d{4}-\d\d-\d\dT/);
    assert.deepEqual(Buffer.from(await (await fetch(`${server.url}${iso}`)).arrayBuffer()), files.get('dir/one.txt'));
    const prefixed = lines(await ok(['tempurl', '--prefix-based', 'GET', '3600', `/v1/${account}/c/dir/sub/`, 'cli-secret']))[0] ?? '';
    const query = prefixed.slice(prefixed.indexOf('?'));
    const deep = await fetch(`${server.url}/v1/${account}/c/dir/sub/deeper/three.dat${query}`);
    assert.equal(deep.status, 200);
    assert.equal(md5(Buffer.from(await deep.arrayBuffer())), md5(files.get('dir/sub/deeper/three.dat') ?? Buffer.alloc(0)));
    assert.equal((await fetch(`${server.url}/v1/${account}/c/hello.txt${query}`)).status, 401, 'outside the prefix');
    // PUT through a URL into a container of its own, read back with the CLI.
    await ok(['post', 'tu']);
    const putPath = lines(await ok(['tempurl', 'PUT', '600', `/v1/${account}/tu/uploaded.bin`, 'cli-secret']))[0] ?? '';
    const body = randomBytes(100_000);
    assert.equal((await fetch(`${server.url}${putPath}`, { method: 'PUT', body })).status, 201);
    const out = mkdtempSync(join(work, 'tempurl-'));
    await ok(['download', 'tu', 'uploaded.bin', '-o', join(out, 'uploaded.bin')]);
    assert.equal(md5(readFileSync(join(out, 'uploaded.bin'))), md5(body));
    await ok(['delete', 'tu']);
  });

  it('versioned writes: post -H X-Versions-Location, upload twice, the archive holds the first; delete restores it', async () => {
    await ok(['post', 'vw_archive']);
    await ok(['post', 'vw', '-H', 'X-Versions-Location: vw_archive']);
    assert.equal(parseStat(await ok(['stat', 'vw'])).get('X-Versions-Location'), 'vw_archive');
    const dir = mkdtempSync(join(work, 'vw-'));
    writeFileSync(join(dir, 'note.txt'), 'first draft\n');
    await ok(['upload', 'vw', 'note.txt'], dir);
    writeFileSync(join(dir, 'note.txt'), 'second draft\n');
    await ok(['upload', 'vw', 'note.txt'], dir);
    const archived = lines(await ok(['list', 'vw_archive']));
    assert.equal(archived.length, 1);
    assert.match(archived[0] ?? '', /^008note\.txt\/\d{10}\.\d{5}$/);
    await ok(['download', 'vw_archive', archived[0] ?? '', '-o', join(dir, 'old.txt')]);
    assert.equal(readFileSync(join(dir, 'old.txt'), 'utf8'), 'first draft\n');
    await ok(['delete', 'vw', 'note.txt']);
    await ok(['download', 'vw', 'note.txt', '-o', join(dir, 'restored.txt')]);
    assert.equal(readFileSync(join(dir, 'restored.txt'), 'utf8'), 'first draft\n');
    assert.deepEqual(lines(await ok(['list', 'vw_archive'])), []);
    await ok(['delete', 'vw']);
    await ok(['delete', 'vw_archive']);
  });

  it('object versioning: post -H X-Versions-Enabled, upload twice, list --versions, download --version-id, delete --versions', async () => {
    await ok(['post', 'ov', '-H', 'X-Versions-Enabled: true']);
    assert.equal(parseStat(await ok(['stat', 'ov'])).get('X-Versions-Enabled'), 'True');
    const dir = mkdtempSync(join(work, 'ov-'));
    writeFileSync(join(dir, 'note.txt'), 'first draft\n');
    await ok(['upload', 'ov', 'note.txt'], dir);
    writeFileSync(join(dir, 'note.txt'), 'second draft\n');
    await ok(['upload', 'ov', 'note.txt'], dir);
    // `<bytes> <date> <time> <version id> <content type> <name>`, newest first
    const listed = lines(await ok(['list', 'ov', '--versions'])).map((l) => l.trim().split(/\s+/));
    assert.equal(listed.length, 2);
    assert.deepEqual(listed.map((f) => [f[0], f[5]]), [['13', 'note.txt'], ['12', 'note.txt']]);
    const [newest, oldest] = listed.map((f) => f[3] ?? '');
    assert.equal(parseStat(await ok(['stat', 'ov', 'note.txt'])).get('X-Object-Version-Id'), newest);
    await ok(['download', 'ov', 'note.txt', '--version-id', oldest ?? '', '-o', join(dir, 'old.txt')]);
    assert.equal(readFileSync(join(dir, 'old.txt'), 'utf8'), 'first draft\n');
    await ok(['delete', 'ov', 'note.txt']);
    const after = lines(await ok(['list', 'ov', '--versions'])).map((l) => l.trim().split(/\s+/));
    assert.equal(after.length, 3);
    assert.equal(after[0]?.[4], 'application/x-deleted;swift_versions_deleted=1', 'a delete marker, newest');
    assert.deepEqual(lines(await ok(['list', 'ov'])), []);
    await ok(['delete', 'ov', '--versions']);
    assert.ok(!lines(await ok(['list'])).includes('ov'), 'every version and then the container are deleted');
  });

  it('delete an object, then whole containers', async () => {
    assert.deepEqual(lines(await ok(['delete', 'c', 'hello.txt'])), ['hello.txt']);
    assert.ok(!lines(await ok(['list', 'c'])).includes('hello.txt'));
    assert.equal((await swift(['stat', 'c', 'hello.txt'])).code, 1);
    const deleted = lines(await ok(['delete', 'c']));
    assert.deepEqual(deleted.filter((l) => l !== 'c').sort(), [...files.keys()].filter((n) => n !== 'hello.txt').sort());
    assert.ok(deleted.includes('c'), 'the container itself is deleted');
    assert.deepEqual(lines(await ok(['list'])), ['c2']);
    await ok(['delete', 'c2']);
    assert.deepEqual(lines(await ok(['list'])), []);
    const stat = parseStat(await ok(['stat']));
    assert.equal(stat.get('Containers'), '0');
    assert.equal(stat.get('Objects'), '0');
    assert.equal(stat.get('Bytes'), '0');
  });
});
