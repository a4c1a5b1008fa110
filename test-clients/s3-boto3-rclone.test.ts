/**
 * boto3 (Debian's python3-boto3, run with /usr/bin/python3) and rclone's s3 backend against a real
 * Swiftlet's S3 API with a tempauth-style key: boto3 does buckets, metadata, a multipart upload,
 * listings, a presigned URL and multi-delete (s3_boto3.py); rclone copies a tree up and back byte
 * for byte, and what it uploaded is read through the Swift API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer, type TestServer } from '../test/helpers/server.js';
import { call, login } from '../test/helpers/swift.js';
import { envWithout, runCommand } from './run.js';

const SCRIPT = resolve(import.meta.dirname, '../../test-clients/s3_boto3.py');

describe('boto3 and rclone s3', () => {
  let server: TestServer;
  let work: string;
  let env: Record<string, string>;
  before(async () => {
    server = await startServer();
    work = mkdtempSync(join(tmpdir(), 'swiftlet-s3py-'));
    env = { ...envWithout(/^AWS_|^PYTHON|^RCLONE_/), HOME: work };
  });
  after(async () => {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('boto3: buckets, metadata, multipart, listing, presign, multi-delete', async () => {
    const r = await runCommand('/usr/bin/python3', [SCRIPT, server.url, 'test:tester', 'testing'], { cwd: work, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'OK');
  });

  it('rclone s3 backend: copy a tree up and back byte for byte; Swift reads what it wrote', async () => {
    const config = join(work, 'rclone.conf');
    writeFileSync(config, `[sl]\ntype = s3\nprovider = Other\naccess_key_id = test:tester\nsecret_access_key = testing\nendpoint = ${server.url}\nregion = us-east-1\nforce_path_style = true\n`);
    const src = join(work, 'src');
    mkdirSync(join(src, 'd'), { recursive: true });
    const a = randomBytes(1000);
    const b = randomBytes(7 * 1024 * 1024);
    writeFileSync(join(src, 'a.bin'), a);
    writeFileSync(join(src, 'd', 'b.bin'), b);
    const rclone = (...args: string[]) => runCommand('/usr/bin/rclone', ['--config', config, ...args], { cwd: work, env });
    let r = await rclone('mkdir', 'sl:rcl');
    assert.equal(r.code, 0, r.stderr);
    r = await rclone('copy', src, 'sl:rcl/tree');
    assert.equal(r.code, 0, r.stderr);
    r = await rclone('check', src, 'sl:rcl/tree');
    assert.equal(r.code, 0, r.stderr);
    r = await rclone('copy', 'sl:rcl/tree', join(work, 'back'));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(readFileSync(join(work, 'back', 'a.bin')).equals(a));
    assert.ok(readFileSync(join(work, 'back', 'd', 'b.bin')).equals(b));
    const swift = await login(server.url, 'test:tester', 'testing');
    const got = await fetch(`${swift.storageUrl}/rcl/tree/d/b.bin`, { headers: { 'X-Auth-Token': swift.token } });
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(b));
    r = await rclone('purge', 'sl:rcl');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await call(`${swift.storageUrl}/rcl`, { method: 'HEAD', token: swift.token })).status, 404);
  });
});
