/**
 * rclone (Debian package) with a swift remote (v1.0 auth) against a real Swiftlet: copy a local tree
 * up, list it, check it, copy it back byte for byte, delete it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startServer, type TestServer } from '../test/helpers/server.js';
import { envWithout, runCommand, type Run } from './run.js';
import { call, login } from '../test/helpers/swift.js';

const RCLONE = '/usr/bin/rclone';
const MiB = 1024 * 1024;


function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Every regular file under dir, as sorted paths relative to it. */
function walk(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.isFile()) out.push(relative(dir, p));
    }
  };
  visit(dir);
  return out.sort();
}

function lines(out: string): string[] {
  return out.split('\n').filter((l) => l !== '');
}

describe('rclone swift remote', () => {
  let server: TestServer;
  let work: string;
  let config: string;
  let local: string;
  const tree = new Map<string, Buffer>([
    ['top.txt', Buffer.from('top level\n')],
    ['empty', Buffer.alloc(0)],
    ['a/one.txt', Buffer.from('one\n')],
    ['a/b/c/deep.txt', Buffer.from('deep down\n')],
    ['a/b/c/random.dat', randomBytes(123_457)],
    ['names/with spaces & ünïcödé 日本語.txt', Buffer.from('unicode name\n')],
    ['names/plus+percent%hash#.txt', Buffer.from('odd characters\n')],
    ['big/twenty.bin', randomBytes(20 * MiB)],
  ]);

  function rclone(args: string[]): Promise<Run> {
    return runCommand(RCLONE, ['--config', config, ...args], { cwd: work, env: envWithout(/^RCLONE_/) });
  }

  async function ok(args: string[]): Promise<Run> {
    const r = await rclone(args);
    assert.equal(r.code, 0, `rclone ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}\n--- server ---\n${server.output().slice(-2000)}`);
    return r;
  }

  before(async () => {
    server = await startServer();
    work = mkdtempSync(join(tmpdir(), 'swiftlet-rclone-'));
    config = join(work, 'rclone.conf');
    writeFileSync(config, [
      '[sw]', 'type = swift', `auth = ${server.url}/auth/v1.0`, 'user = test:tester', 'key = testing', 'auth_version = 1', '',
    ].join('\n'));
    local = join(work, 'local');
    for (const [name, data] of tree) {
      mkdirSync(join(local, name, '..'), { recursive: true });
      writeFileSync(join(local, name), data);
    }
  });

  after(async () => {
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('copy uploads the tree (nested dirs, empty file, unicode names, 20 MiB)', async () => {
    await ok(['copy', local, 'sw:bucket']);
    // What rclone stored, seen through the API directly: every object with its size and MD5.
    const s = await login(server.url, 'test:tester', 'testing');
    const listing = await call(`${s.storageUrl}/bucket?format=json`, { token: s.token });
    assert.equal(listing.status, 200);
    const entries = JSON.parse(listing.text) as { name: string; bytes: number; hash: string }[];
    assert.deepEqual(entries.map((e) => e.name), [...tree.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    for (const e of entries) {
      const data = tree.get(e.name) ?? Buffer.alloc(0);
      assert.equal(e.bytes, data.length, `${e.name} size`);
      assert.equal(e.hash, createHash('md5').update(data).digest('hex'), `${e.name} hash`);
    }
  });

  it('lsf -R lists every file and directory', async () => {
    const { stdout } = await ok(['lsf', '-R', 'sw:bucket']);
    const dirs = ['a/', 'a/b/', 'a/b/c/', 'big/', 'names/'];
    assert.deepEqual(lines(stdout).sort(), [...tree.keys(), ...dirs].sort());
    const top = await ok(['lsf', 'sw:bucket']);
    assert.deepEqual(lines(top.stdout).sort(), ['a/', 'big/', 'empty', 'names/', 'top.txt']);
    const remotes = await ok(['lsf', 'sw:']);
    assert.deepEqual(lines(remotes.stdout), ['bucket/']);
  });

  it('check reports 0 differences (by hash, and by downloading)', async () => {
    const byHash = await ok(['check', local, 'sw:bucket']);
    assert.match(byHash.stderr, /0 differences found/);
    assert.match(byHash.stderr, new RegExp(`${tree.size} matching files`));
    const byBytes = await ok(['check', '--download', local, 'sw:bucket']);
    assert.match(byBytes.stderr, /0 differences found/);
    assert.match(byBytes.stderr, new RegExp(`${tree.size} matching files`));
  });

  it('check notices a changed object', async () => {
    const s = await login(server.url, 'test:tester', 'testing');
    const put = await call(`${s.storageUrl}/bucket/a/one.txt`, { method: 'PUT', token: s.token, body: 'changed\n' });
    assert.equal(put.status, 201);
    const r = await rclone(['check', local, 'sw:bucket']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /1 differences found/);
    // Put the original back for the next steps.
    await ok(['copyto', join(local, 'a/one.txt'), 'sw:bucket/a/one.txt']);
  });

  it('copy back down gives identical bytes', async () => {
    const back = join(work, 'back');
    await ok(['copy', 'sw:bucket', back]);
    assert.deepEqual(walk(back), [...tree.keys()].sort());
    for (const name of tree.keys()) {
      assert.equal(statSync(join(back, name)).size, tree.get(name)?.length, `${name} size`);
      assert.equal(sha256(join(back, name)), sha256(join(local, name)), `${name} bytes`);
    }
  });

  it('delete removes every object; lsf then shows nothing', async () => {
    await ok(['delete', 'sw:bucket']);
    const { stdout } = await ok(['lsf', '-R', 'sw:bucket']);
    assert.deepEqual(lines(stdout), []);
    const s = await login(server.url, 'test:tester', 'testing');
    const head = await call(`${s.storageUrl}/bucket`, { method: 'HEAD', token: s.token });
    assert.equal(head.status, 204);
    assert.equal(head.headers.get('x-container-object-count'), '0');
    assert.equal(head.headers.get('x-container-bytes-used'), '0');
    await ok(['rmdir', 'sw:bucket']);
    assert.deepEqual(lines((await ok(['lsf', 'sw:'])).stdout), []);
  });
});
