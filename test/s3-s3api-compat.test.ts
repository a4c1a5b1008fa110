/**
 * Answers the S3 API gives as Swift 2.30's s3api gives them, each found by Swift's own s3api
 * functional tests (test/functional/s3api): conditional PUTs, presigned expiry limits, HEAD with
 * Range, copy-source parameters, user metadata with `_`, DeleteObjects' document and error rules
 * (and an over-long document answered, not reset), ListObjectsV2 continuation tokens, and multipart
 * details (the answers to a part PUT and an abort, ListMultipartUploads' markers, a retried
 * complete, If-Match on the S3 ETag). Requests are signed by hand (test/helpers/s3-sign.ts) or by
 * @aws-sdk/client-s3.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, HeadObjectCommand,
  ListMultipartUploadsCommand, ListObjectsV2Command, type ListObjectsV2CommandOutput, PutObjectCommand, S3Client, S3ServiceException, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';
import { errorCode, presignV2, presignV4, send, signV2, signV4, type Creds } from './helpers/s3-sign.js';
import { s3Client } from './helpers/s3-client.js';

let server: TestServer;
let host: string;
let s3: S3Client;
let swift: Session;
const me: Creds = { access: 'test:tester', secret: 'testing' };

before(async () => {
  // Parts of any size, so that multipart uploads stay small.
  server = await startServer({ extraToml: '[s3]\nmin_segment_size = 1\n' });
  host = `127.0.0.1:${server.port}`;
  s3 = s3Client(server.url, me.access, me.secret, { responseChecksumValidation: 'WHEN_REQUIRED' });
  swift = await login(server.url, 'test:tester', 'testing');
  await s3.send(new CreateBucketCommand({ Bucket: 'compat' }));
  await s3.send(new PutObjectCommand({ Bucket: 'compat', Key: 'ten', Body: 'abcdefghij' }));
});
after(async () => {
  s3.destroy();
  await server.stop();
});

describe('objects', () => {
  test('a conditional PUT is NotImplemented and stores nothing', async () => {
    for (const h of ['if-none-match', 'if-match', 'if-modified-since', 'if-unmodified-since']) {
      const value = h.endsWith('since') ? 'Sat, 27 Jun 2015 00:00:00 GMT' : '*';
      const a = await send(server.port, signV4(me, host, 'PUT', '/compat/conditional', { headers: { [h]: value }, body: Buffer.from('x') }));
      assert.equal(a.status, 501, h);
      assert.equal(errorCode(a), 'NotImplemented');
    }
    assert.equal((await call(`${swift.storageUrl}/compat/conditional`, { method: 'HEAD', token: swift.token })).status, 404);
  });

  test('HEAD with one range answers its length and Content-Range (206); an unsatisfiable one is 416', async () => {
    for (const [range, contentRange] of [['bytes=1-5', 'bytes 1-5/10'], ['bytes=5-', 'bytes 5-9/10'], ['bytes=-5', 'bytes 5-9/10']] as const) {
      const a = await send(server.port, signV4(me, host, 'HEAD', '/compat/ten', { headers: { range } }));
      assert.equal(a.status, 206, range);
      assert.equal(a.headers['content-length'], '5');
      assert.equal(a.headers['content-range'], contentRange);
    }
    assert.equal((await send(server.port, signV4(me, host, 'HEAD', '/compat/ten', { headers: { range: 'bytes=20-30' } }))).status, 416);
  });

  test('a copy source takes ?versionId and nothing else (InvalidArgument)', async () => {
    for (const source of ['/compat/ten?nonsense', '/compat/ten?versionId=null&nonsense']) {
      const a = await send(server.port, signV4(me, host, 'PUT', '/compat/copied', { headers: { 'x-amz-copy-source': source } }));
      assert.equal(a.status, 400, source);
      assert.equal(errorCode(a), 'InvalidArgument');
    }
    const a = await send(server.port, signV4(me, host, 'PUT', '/compat/copied', { headers: { 'x-amz-copy-source': '/compat/ten?versionId=null' } }));
    assert.equal(a.status, 200);
  });

  test('user metadata keeps `_` apart from `-` (SigV2 and SigV4); Swift reads the object', async () => {
    const meta = { 'x-amz-meta-foo-bar': 'baz', 'x-amz-meta-foo_bar': 'also baz' };
    const v2 = await send(server.port, { method: 'PUT', path: '/compat/meta2', headers: signV2(me, 'PUT', '/compat/meta2', { headers: meta }), body: Buffer.from('m') });
    assert.equal(v2.status, 200);
    assert.equal((await send(server.port, signV4(me, host, 'PUT', '/compat/meta4', { headers: meta, body: Buffer.from('m') }))).status, 200);
    for (const key of ['meta2', 'meta4']) {
      const got = await send(server.port, signV4(me, host, 'GET', `/compat/${key}`));
      assert.equal(got.headers['x-amz-meta-foo-bar'], 'baz');
      assert.equal(got.headers['x-amz-meta-foo_bar'], 'also baz');
      const viaSwift = await call(`${swift.storageUrl}/compat/${key}`, { token: swift.token });
      assert.equal(viaSwift.status, 200);
      assert.equal(viaSwift.headers.get('x-object-meta-foo-bar'), 'baz');
    }
  });
});

/** Sends a request Node's client would refuse (an unknown method) and reads the whole answer. */
function rawRequest(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.end(text);
  });
}

describe('methods', () => {
  test('an S3 request with a method S3 does not have is 405 MethodNotAllowed in XML; a Swift one gets Swift\'s 405', async () => {
    const signed = signV4(me, host, 'PUT', '/compat');
    const lines = Object.entries(signed.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    const s3Answer = await rawRequest(`GETPUT /compat HTTP/1.1\r\n${lines}content-length: 0\r\n\r\n`);
    assert.match(s3Answer, /^HTTP\/1\.1 405 /);
    assert.match(s3Answer, /<Code>MethodNotAllowed<\/Code>/);
    assert.match(s3Answer, /<Method>GETPUT<\/Method><ResourceType>BUCKET<\/ResourceType>/);
    const objectAnswer = await rawRequest(`_delete_segments_bucket /compat/ten HTTP/1.1\r\n${lines}\r\n`);
    assert.match(objectAnswer, /<ResourceType>OBJECT<\/ResourceType>/);
    const swiftAnswer = await rawRequest(`GETPUT /v1/AUTH_test/compat HTTP/1.1\r\nhost: ${host}\r\n\r\n`);
    assert.match(swiftAnswer, /^HTTP\/1\.1 405 /);
    assert.match(swiftAnswer, /\r\nAllow: /i);
    assert.doesNotMatch(swiftAnswer, /MethodNotAllowed/);
  });
});

describe('presigned URLs', () => {
  test('V2: a bucket URL signed for the bucket\'s virtual-host resource (`/<bucket>/`, as botocore presigns it) is accepted; another bucket\'s is not', async () => {
    const expires = Math.floor(Date.now() / 1000) + 60;
    const ok = await send(server.port, { method: 'GET', path: '/compat', query: presignV2(me, 'GET', '/compat/', expires), headers: {} });
    assert.equal(ok.status, 200);
    assert.match(ok.body, /<ListBucketResult/);
    const other = await send(server.port, { method: 'GET', path: '/compat', query: presignV2(me, 'GET', '/other/', expires), headers: {} });
    assert.equal(errorCode(other), 'SignatureDoesNotMatch');
  });

  test('V4: X-Amz-Expires negative, over a week, or not a number, each with its own message', async () => {
    for (const [expires, message] of [[-1, 'X-Amz-Expires must be non-negative'], [604801, 'X-Amz-Expires must be less than a week']] as const) {
      const a = await send(server.port, { method: 'GET', path: '/compat/ten', query: presignV4(me, host, 'GET', '/compat/ten', expires), headers: { host } });
      assert.equal(a.status, 400, String(expires));
      assert.equal(errorCode(a), 'AuthorizationQueryParametersError');
      assert.match(a.body, new RegExp(message));
    }
  });

  test('V2: an expiry past 2^31 is AccessDenied "Invalid date"', async () => {
    const expires = Math.floor(Date.now() / 1000) + 2 ** 32;
    const a = await send(server.port, { method: 'GET', path: '/compat/ten', query: presignV2(me, 'GET', '/compat/ten', expires), headers: {} });
    assert.equal(a.status, 403);
    assert.equal(errorCode(a), 'AccessDenied');
    assert.match(a.body, /Invalid date \(should be seconds since epoch\)/);
  });
});

function deleteXml(inner: string): Buffer {
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><Delete>${inner}</Delete>`);
}

async function multiDelete(c: Creds, body: Buffer): Promise<{ status: number; body: string; code: string | undefined }> {
  const md5 = createHash('md5').update(body).digest('base64');
  const a = await send(server.port, { method: 'POST', path: '/compat', query: { delete: '' }, headers: signV2(c, 'POST', '/compat?delete', { headers: { 'content-md5': md5 } }), body });
  return { status: a.status, body: a.body, code: errorCode(a) };
}

describe('DeleteObjects', () => {
  test('no Object is MalformedXML; an empty Key is UserKeyMustBeSpecified; an unknown element is MalformedXML', async () => {
    assert.deepEqual(await multiDelete(me, deleteXml('')).then((a) => [a.status, a.code]), [400, 'MalformedXML']);
    assert.deepEqual(await multiDelete(me, deleteXml('<Object><Key></Key></Object>')).then((a) => [a.status, a.code]), [400, 'UserKeyMustBeSpecified']);
    assert.deepEqual(await multiDelete(me, deleteXml('<Object><Key>k</Key><Size>1</Size></Object>')).then((a) => [a.status, a.code]), [400, 'MalformedXML']);
  });

  test('a caller denied the bucket gets a 200 with an AccessDenied Error per key', async () => {
    const a = await multiDelete({ access: 'test:tester3', secret: 'testing3' }, deleteXml('<Object><Key>ten</Key></Object><Object><Key>x</Key><VersionId>v</VersionId></Object>'));
    assert.equal(a.status, 200);
    const errors = [...a.body.matchAll(/<Error><Key>([^<]*)<\/Key>(?:<VersionId>([^<]*)<\/VersionId>)?<Code>([^<]*)<\/Code>/g)].map((m) => [m[1], m[2], m[3]]);
    assert.deepEqual(errors, [['ten', undefined, 'AccessDenied'], ['x', 'v', 'AccessDenied']]);
    assert.equal((await call(`${swift.storageUrl}/compat/ten`, { method: 'HEAD', token: swift.token })).status, 200);
  });

  test('a document over the limit (declared or chunked) is MalformedXML, answered once the client has sent it all (no reset)', async () => {
    // As Python's http.client (boto) does: the whole body is written before the answer is read.
    const data = Buffer.alloc(32 * 1024 * 1024, 0x20);
    const chunked = Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n0\r\n\r\n')]);
    const v2 = signV2(me, 'POST', '/compat?delete');
    // SigV4 with the body's hash: the body reaches the operation through a checking stream.
    const { authorization, ...v4Rest } = signV4(me, host, 'POST', '/compat', { query: { delete: '' }, body: data }).headers;
    const v4 = { ...v4Rest, authorization: authorization ?? '' };
    const cases = [[v2, { 'content-length': String(data.length) }, data], [v2, { 'transfer-encoding': 'chunked' }, chunked], [v4, { 'transfer-encoding': 'chunked' }, chunked]] as const;
    for (const [signed, framing, body] of cases) {
      const headers = { ...signed, host, ...framing };
      const head = `POST /compat?delete HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(server.port, '127.0.0.1');
        const chunks: Buffer[] = [];
        socket.on('error', reject);
        socket.write(head);
        socket.write(body, (err) => {
          if (err) { reject(err); return; }
          socket.on('data', (d: Buffer) => chunks.push(d));
          socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          socket.end();
          socket.resume();
        });
        // Nothing is read until the body is written.
        socket.pause();
      });
      assert.match(answer, /^HTTP\/1\.1 400 /, Object.keys(framing)[0]);
      assert.match(answer, /<Code>MalformedXML<\/Code>/);
    }
  });
});

describe('listings', () => {
  test('ListObjectsV2: an empty continuation token starts at the beginning; a token ending on a common prefix goes past it', async () => {
    for (const key of ['object', 'dir/subdir/object', 'subdir/object', 'x', 'y']) await s3.send(new PutObjectCommand({ Bucket: 'compat', Key: `list/${key}`, Body: 'l' }));
    const pages: string[][] = [];
    let token: string | undefined = '';
    while (token !== undefined) {
      const page: ListObjectsV2CommandOutput = await s3.send(new ListObjectsV2Command({ Bucket: 'compat', Prefix: 'list/', Delimiter: '/', MaxKeys: 2, ContinuationToken: token }));
      pages.push([...(page.Contents ?? []).map((c) => c.Key ?? ''), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix ?? '')]);
      token = page.NextContinuationToken;
    }
    assert.deepEqual(pages, [['list/object', 'list/dir/'], ['list/x', 'list/subdir/'], ['list/y']]);
  });
});

describe('multipart uploads', () => {
  test('a part PUT answers ETag, Last-Modified and no body; abort is a bare 204', async () => {
    const uploadId = (await s3.send(new CreateMultipartUploadCommand({ Bucket: 'compat', Key: 'mp-abort' }))).UploadId ?? '';
    const part = await send(server.port, signV4(me, host, 'PUT', '/compat/mp-abort', { query: { partNumber: '1', uploadId }, body: Buffer.from('part') }));
    assert.equal(part.status, 200);
    assert.equal(part.headers['etag'], `"${createHash('md5').update('part').digest('hex')}"`);
    assert.ok(part.headers['last-modified']);
    assert.equal(part.headers['content-length'], '0');
    const aborted = await send(server.port, signV4(me, host, 'DELETE', '/compat/mp-abort', { query: { uploadId } }));
    assert.equal(aborted.status, 204);
    assert.equal(aborted.headers['content-type'], 'text/html; charset=UTF-8');
  });

  test('ListMultipartUploads: next markers only for a page of more than one upload; delimiter gives common prefixes', async () => {
    const ids: string[] = [];
    for (const key of ['up/a', 'up/b', 'up/deep/c']) ids.push((await s3.send(new CreateMultipartUploadCommand({ Bucket: 'compat', Key: key }))).UploadId ?? '');
    const all = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'compat', Prefix: 'up/' }));
    assert.deepEqual(all.Uploads?.map((u) => u.Key), ['up/a', 'up/b', 'up/deep/c']);
    assert.equal(all.NextKeyMarker, 'up/deep/c');
    const one = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'compat', Prefix: 'up/a' }));
    assert.deepEqual(one.Uploads?.map((u) => u.Key), ['up/a']);
    assert.equal(one.NextKeyMarker, '');
    const delimited = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'compat', Prefix: 'up/', Delimiter: '/' }));
    assert.deepEqual(delimited.Uploads?.map((u) => u.Key), ['up/a', 'up/b']);
    assert.deepEqual(delimited.CommonPrefixes?.map((p) => p.Prefix), ['up/deep/']);
    const after = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'compat', Prefix: 'up/', KeyMarker: 'up/a' }));
    assert.deepEqual(after.Uploads?.map((u) => u.Key), ['up/b', 'up/deep/c']);
    for (const [i, key] of ['up/a', 'up/b', 'up/deep/c'].entries()) await s3.send(new AbortMultipartUploadCommand({ Bucket: 'compat', Key: key, UploadId: ids[i] }));
  });

  test('a retried complete answers as the first did; If-Match holds against the S3 ETag', async () => {
    const uploadId = (await s3.send(new CreateMultipartUploadCommand({ Bucket: 'compat', Key: 'mp' }))).UploadId ?? '';
    const parts: { PartNumber: number; ETag: string | undefined }[] = [];
    for (const [i, body] of ['first', 'second'].entries()) {
      const etag = (await s3.send(new UploadPartCommand({ Bucket: 'compat', Key: 'mp', UploadId: uploadId, PartNumber: i + 1, Body: body }))).ETag;
      parts.push({ PartNumber: i + 1, ETag: etag });
    }
    const complete = () => s3.send(new CompleteMultipartUploadCommand({ Bucket: 'compat', Key: 'mp', UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    const first = await complete();
    const again = await complete();
    assert.equal(again.ETag, first.ETag);
    assert.equal(again.Location, `${server.url}/compat/mp`);
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: 'compat', Key: 'mp', IfMatch: first.ETag }))).ETag, first.ETag);
    const swiftEtag = (await call(`${swift.storageUrl}/compat/mp`, { method: 'HEAD', token: swift.token })).headers.get('etag') ?? '';
    try {
      await s3.send(new HeadObjectCommand({ Bucket: 'compat', Key: 'mp', IfMatch: swiftEtag }));
      assert.fail('If-Match on the Swift ETag must fail');
    } catch (err) {
      assert.ok(err instanceof S3ServiceException);
      assert.equal(err.$metadata.httpStatusCode, 412);
    }
    const notModified = await send(server.port, signV4(me, host, 'HEAD', '/compat/mp', { headers: { 'if-none-match': first.ETag ?? '' } }));
    assert.equal(notModified.status, 304);
  });
});
