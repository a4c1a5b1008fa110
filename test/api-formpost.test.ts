/** Form POST (Swift's formpost): browser uploads signed with a Temp-URL key, through HTTP. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

let server: TestServer;
let s: Session;
let base: string; // the account's URL, e.g. http://127.0.0.1:1234/v1/AUTH_test
let accountPath: string; // /v1/AUTH_test

const ACCOUNT_KEY = 'account-secret';
const CONTAINER_KEY = 'container-secret';

async function req(path: string, init: Parameters<typeof call>[1] = {}) {
  return call(`${base}${path}`, { token: s.token, ...init });
}

interface Form {
  redirect?: string;
  maxFileSize?: string;
  maxFileCount?: string;
  expires?: string;
  key?: string;
  digest?: 'sha1' | 'sha256' | 'sha512';
  signature?: string;
  extra?: [string, string][];
  files?: { field: string; filename: string; body: Buffer | string; type?: string }[];
  after?: [string, string][];
}

/** A multipart/form-data body as a browser sends it, signed for `path` unless the form says otherwise. */
function formBody(path: string, f: Form, boundary: string): Buffer {
  const maxFileSize = f.maxFileSize ?? '1048576';
  const maxFileCount = f.maxFileCount ?? '5';
  const expires = f.expires ?? String(Math.floor(Date.now() / 1000) + 600);
  const digest = f.digest ?? 'sha256';
  const signature = f.signature ?? createHmac(digest, f.key ?? ACCOUNT_KEY)
    .update(`${path}\n${f.redirect ?? ''}\n${maxFileSize}\n${maxFileCount}\n${expires}`).digest('hex');
  const fields: [string, string][] = [
    ...(f.redirect !== undefined ? [['redirect', f.redirect] as [string, string]] : []),
    ['max_file_size', maxFileSize], ['max_file_count', maxFileCount], ['expires', expires], ['signature', signature],
    ...(f.extra ?? []),
  ];
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  for (const file of f.files ?? []) {
    const type = file.type ? `Content-Type: ${file.type}\r\n` : '';
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\n${type}\r\n`));
    parts.push(Buffer.isBuffer(file.body) ? file.body : Buffer.from(file.body));
    parts.push(Buffer.from('\r\n'));
  }
  for (const [name, value] of f.after ?? []) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(parts);
}

/** POSTs a form with no token at all, as a browser would. */
async function post(container: string, prefix: string, f: Form) {
  const path = `${accountPath}/${container}${prefix}`;
  const boundary = '----swiftletFormBoundary7MA4YWxkTrZu0gW';
  return call(`${base}/${container}${prefix}`, {
    method: 'POST', body: new Uint8Array(formBody(path, f, boundary)), headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
  });
}

before(async () => {
  server = await startServer();
  s = await login(server.url, 'test:tester', 'testing');
  base = s.storageUrl;
  accountPath = new URL(base).pathname;
  assert.equal((await req('', { method: 'POST', headers: { 'X-Account-Meta-Temp-URL-Key': ACCOUNT_KEY } })).status, 204);
  assert.equal((await req('/uploads', { method: 'PUT' })).status, 201);
  assert.equal((await req('/keyed', { method: 'PUT', headers: { 'X-Container-Meta-Temp-URL-Key': CONTAINER_KEY } })).status, 201);
});
after(async () => { await server.stop(); });

describe('uploads', () => {
  test('each file of a signed form becomes an object under the prefix; the answer is the status', async () => {
    const res = await post('uploads', '/photos-', {
      files: [
        { field: 'file1', filename: 'a.txt', body: 'first file', type: 'text/plain' },
        { field: 'file2', filename: 'b.bin', body: 'second' },
      ],
    });
    assert.equal(res.status, 201);
    assert.equal(res.text, '201 Created');
    assert.equal(res.headers.get('content-type'), 'text/plain');
    const a = await req('/uploads/photos-a.txt');
    assert.equal(a.text, 'first file');
    assert.equal(a.headers.get('content-type'), 'text/plain');
    assert.equal((await req('/uploads/photos-b.bin')).text, 'second');
  });

  test('a form for the container itself puts files at its root; with redirect the answer is a 303', async () => {
    const res = await post('uploads', '', {
      redirect: 'https://example.com/done?x=1', files: [{ field: 'f', filename: 'root.txt', body: 'root' }],
    });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), 'https://example.com/done?x=1&status=201&message=');
    assert.match(res.text, /Click to continue/);
    assert.equal((await req('/uploads/root.txt')).text, 'root');
  });

  test('a form posted to /v1.0/ (signed over that path) stores its files, as Swift accepts any API version', async () => {
    const path = `${accountPath.replace('/v1/', '/v1.0/')}/uploads/old-`;
    const boundary = '----swiftletV10Boundary';
    const res = await call(`${server.url}${path}`, {
      method: 'POST', body: new Uint8Array(formBody(path, { files: [{ field: 'f', filename: 'v10.txt', body: 'via v1.0' }] }, boundary)),
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
    });
    assert.equal(res.status, 201);
    assert.equal(res.text, '201 Created');
    assert.equal((await req('/uploads/old-v10.txt')).text, 'via v1.0');
  });

  test('a large file is streamed through whole (chunk borders do not matter)', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) % 256;
    // A body that contains the boundary's dashes and CRLFs must not end the part early.
    Buffer.from('\r\n------swiftlet\r\n--').copy(big, 1000);
    const res = await post('uploads', '/', { maxFileSize: String(big.length), files: [{ field: 'f', filename: 'big.bin', body: big }] });
    assert.equal(res.status, 201, res.text);
    const got = await req('/uploads/big.bin');
    assert.equal(got.bytes.length, big.length);
    assert.equal(createHash('md5').update(got.bytes).digest('hex'), createHash('md5').update(big).digest('hex'));
  });

  test('a container key signs forms for its container only; x_delete_after and content-type fields apply', async () => {
    const res = await post('keyed', '/', {
      key: CONTAINER_KEY, digest: 'sha512', extra: [['x_delete_after', '3600'], ['content-type', 'image/png']],
      files: [{ field: 'f', filename: 'k.png', body: 'png?', type: 'text/plain' }],
    });
    assert.equal(res.status, 201, res.text);
    const head = await req('/keyed/k.png', { method: 'HEAD' });
    assert.equal(head.headers.get('content-type'), 'image/png', 'the form field wins over the part\'s type');
    assert.ok(Number(head.headers.get('x-delete-at')) > Date.now() / 1000);
    const elsewhere = await post('uploads', '/', { key: CONTAINER_KEY, files: [{ field: 'f', filename: 'no.txt', body: 'x' }] });
    assert.equal(elsewhere.status, 401);
    assert.equal((await req('/uploads/no.txt')).status, 404);
  });
});

describe('from scripts of other sites', () => {
  test('the container\'s CORS settings decide whether the answer may be read', async () => {
    assert.equal((await req('/cors', { method: 'PUT', headers: { 'X-Container-Meta-Access-Control-Allow-Origin': 'https://app.example' } })).status, 201);
    const path = `${accountPath}/cors/`;
    const boundary = 'corsBoundary';
    const send = (origin: string) => call(`${base}/cors/`, {
      method: 'POST', body: new Uint8Array(formBody(path, { files: [{ field: 'f', filename: 'c.txt', body: 'c' }] }, boundary)),
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, Origin: origin },
    });
    const allowed = await send('https://app.example');
    assert.equal(allowed.status, 201);
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example');
    const other = await send('https://evil.example');
    assert.equal(other.status, 201, 'CORS only governs what the page may read');
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });
});

describe('refusals', () => {
  test('a bad signature or an expired form is 401 and stores nothing', async () => {
    const bad = await post('uploads', '/', { signature: 'ab'.repeat(32), files: [{ field: 'f', filename: 'bad.txt', body: 'x' }] });
    assert.equal(bad.status, 401);
    assert.equal(bad.text, 'FormPost: Invalid Signature');
    const expired = await post('uploads', '/', { expires: String(Math.floor(Date.now() / 1000) - 1), files: [{ field: 'f', filename: 'old.txt', body: 'x' }] });
    assert.equal(expired.status, 401);
    assert.equal(expired.text, 'FormPost: Form Expired');
    assert.equal((await req('/uploads/bad.txt')).status, 404);
    assert.equal((await req('/uploads/old.txt')).status, 404);
  });

  test('a file over max_file_size is refused and not stored; one file too many ends the form', async () => {
    const tooBig = await post('uploads', '/', { maxFileSize: '4', files: [{ field: 'f', filename: 'huge.txt', body: 'five!' }] });
    assert.equal(tooBig.status, 400);
    assert.equal(tooBig.text, 'FormPost: max_file_size exceeded');
    assert.equal((await req('/uploads/huge.txt')).status, 404);
    const tooMany = await post('uploads', '/', {
      maxFileCount: '1', files: [{ field: 'a', filename: 'one.txt', body: '1' }, { field: 'b', filename: 'two.txt', body: '2' }],
    });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.text, '400 Bad Request\r\nFormPost: Max File Count Exceeded');
    assert.equal((await req('/uploads/one.txt')).text, '1');
    assert.equal((await req('/uploads/two.txt')).status, 404);
  });

  test('no files, a non-integer field or a wrong boundary is 400; fields after a file do not apply to it', async () => {
    const none = await post('uploads', '/', {});
    assert.equal(none.status, 400);
    assert.equal(none.text, '400 Bad Request\r\nFormPost: No Files To Process');
    const notInt = await post('uploads', '/', { maxFileSize: 'lots', files: [{ field: 'f', filename: 'x.txt', body: 'x' }] });
    assert.equal(notInt.status, 400);
    assert.equal(notInt.text, 'FormPost: max_file_size not an integer');
    const wrong = await call(`${base}/uploads/`, { method: 'POST', body: '--other\r\n\r\n', headers: { 'Content-Type': 'multipart/form-data; boundary=expected' } });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.text, 'FormPost: invalid starting boundary');
    // As in Swift: a field after a file is not part of that file's upload (nor of its signature),
    // though a redirect read by then still shapes the answer.
    const late = await post('uploads', '/', {
      files: [{ field: 'f', filename: 'late.txt', body: 'x' }], after: [['content-type', 'text/late'], ['redirect', 'https://example.com/']],
    });
    assert.equal(late.status, 303);
    assert.equal(late.headers.get('location'), 'https://example.com/?status=201&message=');
    assert.notEqual((await req('/uploads/late.txt', { method: 'HEAD' })).headers.get('content-type'), 'text/late');
  });

  test('a form that breaks off inside a file or its headers is 400 and stores nothing', async () => {
    const boundary = 'cutBoundary';
    const path = `${accountPath}/uploads/`;
    const whole = formBody(path, { files: [{ field: 'f', filename: 'cut.txt', body: 'the whole file' }] }, boundary).toString('latin1');
    const send = (body: string) => call(`${base}/uploads/`, {
      method: 'POST', body, headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
    });
    const inFile = await send(whole.slice(0, whole.indexOf('the whole') + 5));
    assert.equal(inFile.status, 400);
    assert.equal(inFile.text, 'FormPost: the form ended inside a part');
    const inHeaders = await send(whole.slice(0, whole.indexOf('filename=')));
    assert.equal(inHeaders.status, 400);
    assert.equal(inHeaders.text, 'FormPost: the form ended inside part headers');
    assert.equal((await req('/uploads/cut.txt')).status, 404);
  });

  test('a POST that is not a form is an ordinary POST; /info lists formpost', async () => {
    assert.equal((await req('/uploads/root.txt', { method: 'POST', headers: { 'X-Object-Meta-Color': 'blue' } })).status, 202);
    assert.equal((await call(`${base}/uploads/root.txt`, { method: 'POST', headers: { 'Content-Type': 'multipart/form-data' } })).status, 401);
    const info = JSON.parse((await call(`${server.url}/info`)).text) as Record<string, unknown>;
    assert.deepEqual(info['formpost'], { allowed_digests: ['sha1', 'sha256', 'sha512'], deprecated_digests: ['sha1'] });
  });
});
