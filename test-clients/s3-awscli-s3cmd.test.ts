/**
 * Real S3 clients (Debian's awscli and s3cmd) against a real Swiftlet with a tempauth-style key:
 * mb, cp up and down of a 100 MiB file (multipart), ls, sync, rm, presign; and the file uploaded
 * with aws read byte for byte through the Swift API, and one uploaded through Swift read with aws.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type TestServer } from '../test/helpers/server.js';
import { call, login, type Session } from '../test/helpers/swift.js';
import { envWithout, runCommand, type Run } from './run.js';

// Not /root/.pyenv/shims/aws, which may shadow Debian's.
const AWS = '/usr/bin/aws';
const S3CMD = '/usr/bin/s3cmd';
const MiB = 1024 * 1024;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('awscli and s3cmd', () => {
  let server: TestServer;
  let work: string;
  let swift: Session;
  let env: Record<string, string>;
  const aws = (...args: string[]): Promise<Run> => runCommand(AWS, ['--endpoint-url', server.url, '--region', 'us-east-1', ...args], { cwd: work, env });

  before(async () => {
    server = await startServer();
    work = mkdtempSync(join(tmpdir(), 'swiftlet-s3cli-'));
    swift = await login(server.url, 'test:tester', 'testing');
    env = {
      ...envWithout(/^AWS_|^PYTHON/), AWS_ACCESS_KEY_ID: 'test:tester', AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_CONFIG_FILE: join(work, 'aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(work, 'aws-credentials'), HOME: work,
    };
    writeFileSync(join(work, 'aws-config'), '[default]\ns3 =\n  addressing_style = path\n');
  });
  after(async () => {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('aws s3: mb, cp of 100 MiB up (multipart) and down byte for byte, readable through Swift', async () => {
    const big = randomBytes(100 * MiB);
    writeFileSync(join(work, 'big.bin'), big);
    let r = await aws('s3', 'mb', 's3://cli');
    assert.equal(r.code, 0, r.stderr);
    r = await aws('s3', 'cp', join(work, 'big.bin'), 's3://cli/big.bin');
    assert.equal(r.code, 0, r.stderr);
    const head = await call(`${swift.storageUrl}/cli/big.bin`, { method: 'HEAD', token: swift.token });
    assert.equal(head.headers.get('x-static-large-object'), 'True', 'a multipart upload is an SLO');
    const viaSwift = await fetch(`${swift.storageUrl}/cli/big.bin`, { headers: { 'X-Auth-Token': swift.token } });
    assert.equal(md5(Buffer.from(await viaSwift.arrayBuffer())), md5(big));
    r = await aws('s3', 'cp', 's3://cli/big.bin', join(work, 'big.down'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(md5(readFileSync(join(work, 'big.down'))), md5(big));
  });

  it('aws s3: ls, sync, presign, rm; a Swift upload is read by aws', async () => {
    const tree = join(work, 'tree');
    mkdirSync(join(tree, 'sub'), { recursive: true });
    writeFileSync(join(tree, 'a.txt'), 'a');
    writeFileSync(join(tree, 'sub', 'b.txt'), 'b');
    let r = await aws('s3', 'sync', tree, 's3://cli/tree');
    assert.equal(r.code, 0, r.stderr);
    r = await aws('s3', 'ls', '--recursive', 's3://cli/tree/');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /tree\/a\.txt/);
    assert.match(r.stdout, /tree\/sub\/b\.txt/);
    r = await aws('s3', 'presign', 's3://cli/tree/a.txt', '--expires-in', '300');
    assert.equal(r.code, 0, r.stderr);
    const presigned = await fetch(r.stdout.trim());
    assert.equal(presigned.status, 200);
    assert.equal(await presigned.text(), 'a');
    const bytes = randomBytes(70_000);
    assert.equal((await call(`${swift.storageUrl}/cli/from-swift`, { method: 'PUT', token: swift.token, body: bytes })).status, 201);
    r = await aws('s3', 'cp', 's3://cli/from-swift', join(work, 'from-swift'));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(readFileSync(join(work, 'from-swift')).equals(bytes));
    r = await aws('s3', 'rm', '--recursive', 's3://cli/tree');
    assert.equal(r.code, 0, r.stderr);
    r = await aws('s3', 'ls', 's3://cli/tree/');
    assert.equal(r.stdout.trim(), '');
  });

  it('s3cmd: mb, put, ls, get, del, rb', async () => {
    const cfg = join(work, 's3cfg');
    const host = `127.0.0.1:${server.port}`;
    writeFileSync(cfg, `[default]\naccess_key = test:tester\nsecret_key = testing\nhost_base = ${host}\nhost_bucket = ${host}\nuse_https = False\nsignature_v2 = False\n`);
    const s3cmd = (...args: string[]) => runCommand(S3CMD, ['-c', cfg, ...args], { cwd: work, env });
    const file = join(work, 'cmd.bin');
    const bytes = randomBytes(20_000);
    writeFileSync(file, bytes);
    let r = await s3cmd('mb', 's3://cmdbucket');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    r = await s3cmd('put', file, 's3://cmdbucket/cmd.bin');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    r = await s3cmd('ls', 's3://cmdbucket');
    assert.match(r.stdout, /cmd\.bin/);
    r = await s3cmd('get', 's3://cmdbucket/cmd.bin', join(work, 'cmd.down'));
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.ok(readFileSync(join(work, 'cmd.down')).equals(bytes));
    r = await s3cmd('del', 's3://cmdbucket/cmd.bin');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    r = await s3cmd('rb', 's3://cmdbucket');
    assert.equal(r.code, 0, r.stderr + r.stdout);
  });
});
