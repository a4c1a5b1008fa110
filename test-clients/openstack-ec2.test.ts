/**
 * EC2 credentials with the real `openstack` CLI (Debian's python3-openstackclient) against the
 * built-in identity: `ec2 credentials create / list / show / delete`, and the pair signing S3
 * requests (@aws-sdk/client-s3) as the user on the project until it is deleted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListBucketsCommand, PutObjectCommand, CreateBucketCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { startServer, type TestServer } from '../test/helpers/server.js';
import { call, login } from '../test/helpers/swift.js';
import { runOpenstack } from './openstack.js';
import { s3Client } from '../test/helpers/s3-client.js';

let server: TestServer;
let work: string;

before(async () => {
  server = await startServer();
  work = mkdtempSync(join(tmpdir(), 'swiftlet-osc-ec2-'));
});
after(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const TESTER = {
  OS_USERNAME: 'tester', OS_PASSWORD: 'testing', OS_PROJECT_NAME: 'test', OS_USER_DOMAIN_NAME: 'Default', OS_PROJECT_DOMAIN_NAME: 'Default',
};

async function osc<T>(args: string[]): Promise<T> {
  const r = await runOpenstack(server.url, work, TESTER, [...args, '-f', 'json']);
  assert.equal(r.code, 0, `openstack ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  return (r.stdout.trim() === '' ? undefined : JSON.parse(r.stdout)) as T;
}

test('openstack ec2 credentials create / list / show / delete; the pair signs S3 requests until deleted', async () => {
  const made = await osc<Record<string, string>>(['ec2', 'credentials', 'create']);
  const access = made['access'] ?? made['Access'] ?? '';
  const secret = made['secret'] ?? made['Secret'] ?? '';
  assert.match(access, /^[0-9a-f]{32}$/);
  const listed = await osc<Record<string, string>[]>(['ec2', 'credentials', 'list']);
  assert.ok(listed.some((c) => (c['Access'] ?? c['access']) === access), JSON.stringify(listed));
  const shown = await osc<Record<string, string>>(['ec2', 'credentials', 'show', access]);
  assert.equal(shown['access'] ?? shown['Access'], access);

  const s3 = s3Client(server.url, access, secret);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: 'ec2bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'ec2bucket', Key: 'k', Body: 'via ec2' }));
    const swift = await login(server.url, 'test:tester', 'testing');
    assert.equal((await call(`${swift.storageUrl}/ec2bucket/k`, { token: swift.token })).text, 'via ec2');
    const r = await runOpenstack(server.url, work, TESTER, ['ec2', 'credentials', 'delete', access]);
    assert.equal(r.code, 0, r.stderr);
    await assert.rejects(s3.send(new ListBucketsCommand({})), (err: unknown) => err instanceof S3ServiceException && err.name === 'InvalidAccessKeyId');
  } finally {
    s3.destroy();
  }
});
