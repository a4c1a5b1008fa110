/**
 * Large objects through HTTP: Dynamic Large Objects (X-Object-Manifest) and Static Large Objects
 * (?multipart-manifest=put|get|delete), as Swift 2.30 answers (expectations checked against a real
 * Swift 2.30.1). Segment reads are sub-requests authorised again for the caller (docs/auth-rules.md D10).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';
import { buildRequest, rawRequest } from './helpers/raw.js';

let server: TestServer;
let s: Session;
let other: Session;

const md5 = (data: string | Buffer) => createHash('md5').update(data).digest('hex');

async function put(path: string, body: BodyInit = '', headers: Record<string, string> = {}, session = s) {
  // Strings go as bytes: fetch would label them text/plain, and these tests rely on guessed types.
  return call(`${s.storageUrl}/${path}`, { method: 'PUT', token: session.token, body: typeof body === 'string' ? Buffer.from(body) : body, headers });
}

before(async () => {
  server = await startServer();
  s = await login(server.url, 'test:tester', 'testing');
  other = await login(server.url, 'test2:tester2', 'testing2');
  for (const c of ['lo', 'segs']) assert.equal((await put(c)).status, 201);
  assert.equal((await put('segs/d/1', 'aaaaa')).status, 201);
  assert.equal((await put('segs/d/2', 'bbbbb')).status, 201);
  assert.equal((await put('segs/d/3', 'cc')).status, 201);
  // test2:tester2 may read and write `pub` but not `priv`.
  assert.equal((await put('pub', '', { 'X-Container-Read': 'test2:tester2', 'X-Container-Write': 'test2:tester2' })).status, 201);
  assert.equal((await put('priv')).status, 201);
  assert.equal((await put('priv/seg1', 'secret1')).status, 201);
});
after(async () => { await server.stop(); });

describe('DLO', () => {
  const dloEtag = `"${md5(md5('aaaaa') + md5('bbbbb') + md5('cc'))}"`;

  before(async () => {
    const res = await put('lo/dlo', '', { 'X-Object-Manifest': 'segs/d/' });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('etag'), md5(''));
  });

  test('GET streams the segments in listing order; ETag is the quoted md5 of their ETags', async () => {
    const res = await call(`${s.storageUrl}/lo/dlo`, { token: s.token });
    assert.equal(res.status, 200);
    assert.equal(res.text, 'aaaaabbbbbcc');
    assert.equal(res.headers.get('content-length'), '12');
    assert.equal(res.headers.get('etag'), dloEtag);
    assert.equal(res.headers.get('x-object-manifest'), 'segs/d/');
  });

  test('HEAD gives the totals without a body', async () => {
    const res = await call(`${s.storageUrl}/lo/dlo`, { method: 'HEAD', token: s.token });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), '12');
    assert.equal(res.headers.get('etag'), dloEtag);
  });

  test('a Range across segments → 206 with those bytes; suffix ranges work; unsatisfiable → 416 naming the total', async () => {
    const mid = await call(`${s.storageUrl}/lo/dlo`, { token: s.token, headers: { Range: 'bytes=3-7' } });
    assert.equal(mid.status, 206);
    assert.equal(mid.text, 'aabbb');
    assert.equal(mid.headers.get('content-range'), 'bytes 3-7/12');
    const suffix = await call(`${s.storageUrl}/lo/dlo`, { token: s.token, headers: { Range: 'bytes=-3' } });
    assert.equal(suffix.status, 206);
    assert.equal(suffix.text, 'bcc');
    assert.equal(suffix.headers.get('content-range'), 'bytes 9-11/12');
    const beyond = await call(`${s.storageUrl}/lo/dlo`, { token: s.token, headers: { Range: 'bytes=30-40' } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), 'bytes */12');
    // Several ranges: Swift's DLO sends the whole object.
    const multi = await call(`${s.storageUrl}/lo/dlo`, { token: s.token, headers: { Range: 'bytes=0-1,4-6' } });
    assert.equal(multi.status, 200);
    assert.equal(multi.text, 'aaaaabbbbbcc');
  });

  test('If-Match / If-None-Match are evaluated against the DLO ETag', async () => {
    const match = await call(`${s.storageUrl}/lo/dlo`, { token: s.token, headers: { 'If-Match': dloEtag } });
    assert.equal(match.status, 200);
    assert.equal(match.text, 'aaaaabbbbbcc');
    const mismatch = await call(`${s.storageUrl}/lo/dlo`, { token: s.token, headers: { 'If-Match': '"nope"' } });
    assert.equal(mismatch.status, 412);
    const notModified = await call(`${s.storageUrl}/lo/dlo`, { token: s.token, headers: { 'If-None-Match': dloEtag } });
    assert.equal(notModified.status, 304);
  });

  test('?multipart-manifest=get returns the manifest object itself', async () => {
    const res = await call(`${s.storageUrl}/lo/dlo?multipart-manifest=get`, { token: s.token });
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
    assert.equal(res.headers.get('etag'), md5(''));
    assert.equal(res.headers.get('x-object-manifest'), 'segs/d/');
  });

  test('a manifest with a body still reads as its segments', async () => {
    assert.equal((await put('lo/dlo-body', 'ignored manifest body', { 'X-Object-Manifest': 'segs/d/' })).status, 201);
    assert.equal((await call(`${s.storageUrl}/lo/dlo-body`, { token: s.token })).text, 'aaaaabbbbbcc');
    assert.equal((await call(`${s.storageUrl}/lo/dlo-body?multipart-manifest=get`, { token: s.token })).text, 'ignored manifest body');
  });

  test('a bad X-Object-Manifest → 400 with Swift\'s message', async () => {
    for (const value of ['segs', 'segs/a?b', 'segs//a', 'segs/a&b']) {
      const res = await put('lo/bad', '', { 'X-Object-Manifest': value });
      assert.equal(res.status, 400, value);
      assert.equal(res.text, 'X-Object-Manifest must be in the format container/prefix');
    }
    assert.equal((await call(`${s.storageUrl}/lo/bad`, { token: s.token })).status, 404);
  });

  test('segments in a missing container → 404; no segments → empty 200 with the md5 of nothing', async () => {
    assert.equal((await put('lo/dlo-missing', '', { 'X-Object-Manifest': 'nocontainer/x' })).status, 201);
    assert.equal((await call(`${s.storageUrl}/lo/dlo-missing`, { token: s.token })).status, 404);
    assert.equal((await put('lo/dlo-empty', '', { 'X-Object-Manifest': 'segs/zzz' })).status, 201);
    const empty = await call(`${s.storageUrl}/lo/dlo-empty`, { token: s.token });
    assert.equal(empty.status, 200);
    assert.equal(empty.text, '');
    assert.equal(empty.headers.get('etag'), `"${md5('')}"`);
  });

  test('copying a DLO copies the concatenation; with multipart-manifest=get the manifest', async () => {
    const copy = await put('lo/copy', '', { 'X-Copy-From': 'lo/dlo' });
    assert.equal(copy.status, 201);
    const got = await call(`${s.storageUrl}/lo/copy`, { token: s.token });
    assert.equal(got.text, 'aaaaabbbbbcc');
    assert.equal(got.headers.get('etag'), md5('aaaaabbbbbcc'));
    assert.equal(got.headers.get('x-object-manifest'), null);
    const manifest = await call(`${s.storageUrl}/lo/dlo?multipart-manifest=get`, {
      method: 'COPY', token: s.token, headers: { Destination: 'lo/copy-manifest' },
    });
    assert.equal(manifest.status, 201);
    const head = await call(`${s.storageUrl}/lo/copy-manifest?multipart-manifest=get`, { method: 'HEAD', token: s.token });
    assert.equal(head.headers.get('x-object-manifest'), 'segs/d/');
    assert.equal(head.headers.get('content-length'), '0');
    assert.equal((await call(`${s.storageUrl}/lo/copy-manifest`, { token: s.token })).text, 'aaaaabbbbbcc');
  });

  test('segments under a container the reader may not list → 403 (the listing is authorised for the reader)', async () => {
    assert.equal((await put('pub/dlo', '', { 'X-Object-Manifest': 'priv/seg' })).status, 201);
    assert.equal((await call(`${s.storageUrl}/pub/dlo`, { token: s.token })).text, 'secret1');
    const denied = await call(`${s.storageUrl}/pub/dlo`, { token: other.token });
    assert.equal(denied.status, 403);
    assert.ok(!denied.text.includes('secret1'));
    assert.equal((await call(`${s.storageUrl}/pub/dlo`, { method: 'HEAD', token: other.token })).status, 403);
  });
});

describe('SLO', () => {
  const etagA = md5('aaaaa');
  const sloEtag = md5(md5('aaaaa') + md5('bbbbb') + md5('cc'));
  const manifest = [
    { path: '/segs/d/1', etag: etagA, size_bytes: 5 },
    { path: 'segs/d/2' },
    { path: '/segs/d/3', etag: null, size_bytes: null },
  ];

  before(async () => {
    const res = await put('lo/slo?multipart-manifest=put', JSON.stringify(manifest));
    assert.equal(res.status, 201, res.text);
    assert.equal(res.headers.get('etag'), `"${sloEtag}"`);
  });

  test('GET streams the segments; HEAD gives totals; X-Static-Large-Object and X-Manifest-Etag are set', async () => {
    const got = await call(`${s.storageUrl}/lo/slo`, { token: s.token });
    assert.equal(got.status, 200);
    assert.equal(got.text, 'aaaaabbbbbcc');
    assert.equal(got.headers.get('etag'), `"${sloEtag}"`);
    assert.equal(got.headers.get('x-static-large-object'), 'True');
    assert.equal(got.headers.get('content-type'), 'application/octet-stream');
    const stored = await call(`${s.storageUrl}/lo/slo?multipart-manifest=get`, { token: s.token });
    assert.equal(got.headers.get('x-manifest-etag'), md5(stored.bytes));
    const head = await call(`${s.storageUrl}/lo/slo`, { method: 'HEAD', token: s.token });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '12');
    assert.equal(head.headers.get('etag'), `"${sloEtag}"`);
    assert.equal(head.headers.get('x-object-sysmeta-slo-etag'), null);
  });

  test('multipart-manifest=get returns the stored JSON; format=raw the put format', async () => {
    const stored = await call(`${s.storageUrl}/lo/slo?multipart-manifest=get`, { token: s.token });
    assert.equal(stored.status, 200);
    assert.equal(stored.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(stored.headers.get('x-static-large-object'), 'True');
    const segments = JSON.parse(stored.text) as Record<string, unknown>[];
    assert.deepEqual(segments.map((seg) => Object.keys(seg)), Array(3).fill(['name', 'bytes', 'hash', 'content_type', 'last_modified']));
    assert.deepEqual(segments.map((seg) => [seg['name'], seg['bytes'], seg['hash'], seg['content_type']]), [
      ['/segs/d/1', 5, etagA, 'application/octet-stream'],
      ['/segs/d/2', 5, md5('bbbbb'), 'application/octet-stream'],
      ['/segs/d/3', 2, md5('cc'), 'application/octet-stream'],
    ]);
    assert.match(String(segments[0]?.['last_modified']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000$/);
    const raw = await call(`${s.storageUrl}/lo/slo?multipart-manifest=get&format=raw`, { token: s.token });
    assert.equal(raw.status, 200);
    const expected = '[{"etag": "' + etagA + '", "path": "/segs/d/1", "size_bytes": 5}, ' +
      `{"etag": "${md5('bbbbb')}", "path": "/segs/d/2", "size_bytes": 5}, {"etag": "${md5('cc')}", "path": "/segs/d/3", "size_bytes": 2}]`;
    assert.equal(raw.text, expected);
    assert.equal(raw.headers.get('etag'), md5(expected));
  });

  test('ranges across segments: single, suffix, multiple (multipart/byteranges), unsatisfiable', async () => {
    const one = await call(`${s.storageUrl}/lo/slo`, { token: s.token, headers: { Range: 'bytes=3-7' } });
    assert.equal(one.status, 206);
    assert.equal(one.text, 'aabbb');
    assert.equal(one.headers.get('content-range'), 'bytes 3-7/12');
    const suffix = await call(`${s.storageUrl}/lo/slo`, { token: s.token, headers: { Range: 'bytes=-4' } });
    assert.equal(suffix.text, 'bbcc');
    const multi = await call(`${s.storageUrl}/lo/slo`, { token: s.token, headers: { Range: 'bytes=0-1,6-8' } });
    assert.equal(multi.status, 206);
    const boundary = /^multipart\/byteranges;boundary=(\w+)$/.exec(multi.headers.get('content-type') ?? '')?.[1];
    assert.ok(boundary);
    assert.equal(multi.text, `--${boundary}\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 0-1/12\r\n\r\naa\r\n` +
      `--${boundary}\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 6-8/12\r\n\r\nbbb\r\n--${boundary}--`);
    assert.equal(Number(multi.headers.get('content-length')), multi.bytes.length);
    const beyond = await call(`${s.storageUrl}/lo/slo`, { token: s.token, headers: { Range: 'bytes=30-' } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), 'bytes */12');
  });

  test('If-Match / If-None-Match apply to the SLO ETag (GET and HEAD)', async () => {
    const match = await call(`${s.storageUrl}/lo/slo`, { token: s.token, headers: { 'If-Match': `"${sloEtag}"` } });
    assert.equal(match.status, 200);
    assert.equal(match.text, 'aaaaabbbbbcc');
    const mismatch = await call(`${s.storageUrl}/lo/slo`, { token: s.token, headers: { 'If-Match': '"nope"' } });
    assert.equal(mismatch.status, 412);
    assert.equal(mismatch.headers.get('etag'), `"${sloEtag}"`);
    for (const method of ['GET', 'HEAD']) {
      const none = await call(`${s.storageUrl}/lo/slo`, { method, token: s.token, headers: { 'If-None-Match': `"${sloEtag}"` } });
      assert.equal(none.status, 304, method);
    }
  });

  test('container listings show the total size and slo_etag (JSON), the manifest hash, a clean content type', async () => {
    const stored = await call(`${s.storageUrl}/lo/slo?multipart-manifest=get`, { token: s.token });
    const json = await call(`${s.storageUrl}/lo?format=json&prefix=slo`, { token: s.token });
    const entry = (JSON.parse(json.text) as Record<string, unknown>[]).find((e) => e['name'] === 'slo');
    assert.ok(entry);
    assert.equal(entry['bytes'], 12);
    assert.equal(entry['hash'], md5(stored.bytes));
    assert.equal(entry['content_type'], 'application/octet-stream');
    assert.equal(entry['slo_etag'], `"${sloEtag}"`);
    assert.deepEqual(Object.keys(entry), ['bytes', 'hash', 'name', 'content_type', 'last_modified', 'slo_etag']);
    const xml = await call(`${s.storageUrl}/lo?format=xml&prefix=slo`, { token: s.token });
    assert.match(xml.text, new RegExp(`<name>slo</name><hash>${md5(stored.bytes)}</hash><bytes>12</bytes><content_type>application/octet-stream</content_type>`));
  });

  test('manifest errors: JSON, list, per-index problems (400 text/plain), size limit (413), reserved header', async () => {
    const notJson = await put('lo/bad?multipart-manifest=put', 'not json');
    assert.equal(notJson.status, 400);
    assert.equal(notJson.text, 'Manifest must be valid JSON.\n');
    const notList = await put('lo/bad?multipart-manifest=put', '{"a": 1}');
    assert.equal(notList.status, 400);
    assert.equal(notList.text, 'Manifest must be a list.\n');
    const indexed = await put('lo/bad?multipart-manifest=put', JSON.stringify([
      { path: 'x' }, { path: '/segs/d/1', foo: 1 }, 5, { path: '/segs/d/1', range: '1-2,3-4' }, { data: '!!' },
      { path: '/segs/d/1', size_bytes: 'x' }, { path: '/segs/d/1', size_bytes: 0 }, { path: '/lo/bad' },
      { path: '/segs/d/1', range: 'bogus' }, { path: '/segs/d/1', range: '7-9', size_bytes: 5 }, { path: '/segs/d/1' },
    ]));
    assert.equal(indexed.status, 400);
    assert.equal(indexed.headers.get('content-type'), 'text/plain');
    assert.equal(indexed.text, [
      'Index 0: path does not refer to an object. Path must be of the form /container/object.',
      'Index 1: extraneous keys "foo"', 'Index 2: not a JSON object', 'Index 3: multiple ranges (only one allowed)',
      'Index 4: data must be valid base64', 'Index 5: invalid size_bytes', 'Index 6: too small; each segment must be at least 1 byte.',
      'Index 7: manifest must not include itself as a segment', 'Index 8: invalid range', 'Index 9: unsatisfiable range', '',
    ].join('\n'));
    const onlyData = await put('lo/bad?multipart-manifest=put', JSON.stringify([{ data: 'aGVsbG8=' }]));
    assert.equal(onlyData.status, 400);
    assert.equal(onlyData.text, 'Inline data segments require at least one object-backed segment.\n');
    // Refused on Content-Length alone, before any body is read.
    const tooBig = await rawRequest(server.port, buildRequest('PUT', `${new URL(s.storageUrl).pathname}/lo/bad?multipart-manifest=put`, [
      ['X-Auth-Token', s.token], ['Content-Length', String(8 * 1024 * 1024 + 1)], ['Connection', 'close'],
    ]));
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.body.toString(), 'Manifest File > 8388608 bytes');
    const tooMany = await put('lo/bad?multipart-manifest=put', JSON.stringify(Array(1001).fill({ path: '/segs/d/1' })));
    assert.equal(tooMany.status, 413);
    assert.equal(tooMany.text, 'Number of object-backed segments must be <= 1000');
    const reserved = await put('lo/bad', '[]', { 'X-Static-Large-Object': 'True' });
    assert.equal(reserved.status, 400);
    assert.equal(reserved.text, 'X-Static-Large-Object is a reserved header. To create a static large object add query param multipart-manifest=put.');
    assert.equal((await call(`${s.storageUrl}/lo/bad`, { token: s.token })).status, 404);
  });

  test('segment checks (HEAD of each segment): missing, etag and size mismatches, ranges; JSON errors with Accept', async () => {
    const res = await put('lo/bad?multipart-manifest=put', JSON.stringify([
      { path: '/segs/d/1', etag: 'wrong', size_bytes: 4 }, { path: '/segs/nope' }, { path: '/segs/d/2', range: '7-9' },
    ]));
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), 'text/plain');
    assert.equal(res.text, 'Errors:\n/segs/d/1, Size Mismatch\n/segs/d/1, Etag Mismatch\n/segs/nope, 404 Not Found\n/segs/d/2, Unsatisfiable Range\n');
    const json = await put('lo/bad?multipart-manifest=put', JSON.stringify([{ path: '/segs/nope' }]), { Accept: 'application/json' });
    assert.equal(json.status, 400);
    assert.equal(json.headers.get('content-type'), 'application/json');
    assert.equal(json.text, '{"Errors": [["/segs/nope", "404 Not Found"]]}');
    const etag = await put('lo/bad?multipart-manifest=put', JSON.stringify([{ path: '/segs/d/1' }]), { Etag: 'abc' });
    assert.equal(etag.status, 422);
    assert.equal((await call(`${s.storageUrl}/lo/bad`, { token: s.token })).status, 404);
  });

  test('inline data and segment ranges; nested SLOs (with a range into a sub-manifest)', async () => {
    const d1 = await put('lo/d1?multipart-manifest=put', JSON.stringify([
      { data: 'aGVsbG8=' }, { path: '/segs/d/1', range: '1-3' }, { path: '/segs/d/2', range: '-2' }, { path: '/segs/d/3', range: '0-' }, { data: 'IQ==' },
    ]));
    assert.equal(d1.status, 201, d1.text);
    assert.equal((await call(`${s.storageUrl}/lo/d1`, { token: s.token })).text, 'helloaaabbcc!');
    const raw = JSON.parse((await call(`${s.storageUrl}/lo/d1?multipart-manifest=get&format=raw`, { token: s.token })).text) as Record<string, unknown>[];
    assert.deepEqual(raw.map((seg) => seg['range'] ?? seg['data']), ['aGVsbG8=', '1-3', '3-4', undefined, 'IQ==']);
    const nest = await put('lo/nest?multipart-manifest=put', JSON.stringify([{ path: '/lo/slo' }, { path: '/lo/d1', range: '2-8' }, { path: '/segs/d/1' }]));
    assert.equal(nest.status, 201, nest.text);
    const stored = JSON.parse((await call(`${s.storageUrl}/lo/nest?multipart-manifest=get`, { token: s.token })).text) as Record<string, unknown>[];
    assert.deepEqual(stored.map((seg) => [seg['bytes'], seg['sub_slo']]), [[12, true], [13, true], [5, undefined]]);
    const all = await call(`${s.storageUrl}/lo/nest`, { token: s.token });
    assert.equal(all.text, 'aaaaabbbbbcc' + 'lloaaab' + 'aaaaa');
    assert.equal(all.headers.get('content-length'), '24');
    const part = await call(`${s.storageUrl}/lo/nest`, { token: s.token, headers: { Range: 'bytes=10-20' } });
    assert.equal(part.status, 206);
    assert.equal(part.text, 'cclloaaabaa');
  });

  test('a segment changed after the PUT: 409 when it is the first, a cut connection later (never wrong bytes)', async () => {
    assert.equal((await put('segs/v/1', 'first')).status, 201);
    assert.equal((await put('segs/v/2', 'second')).status, 201);
    assert.equal((await put('lo/volatile?multipart-manifest=put', JSON.stringify([{ path: '/segs/v/1' }, { path: '/segs/v/2' }]))).status, 201);
    assert.equal((await put('segs/v/2', 'SECOND')).status, 201);
    await assert.rejects(call(`${s.storageUrl}/lo/volatile`, { token: s.token }));
    assert.equal((await put('segs/v/1', 'FIRST')).status, 201);
    const conflict = await call(`${s.storageUrl}/lo/volatile`, { token: s.token });
    assert.equal(conflict.status, 409);
  });

  test('copying an SLO copies the bytes; with multipart-manifest=get a new manifest of the same segments', async () => {
    assert.equal((await put('lo/slo-copy', '', { 'X-Copy-From': 'lo/slo' })).status, 201);
    const copy = await call(`${s.storageUrl}/lo/slo-copy`, { token: s.token });
    assert.equal(copy.text, 'aaaaabbbbbcc');
    assert.equal(copy.headers.get('x-static-large-object'), null);
    assert.equal(copy.headers.get('etag'), md5('aaaaabbbbbcc'));
    const manifestCopy = await call(`${s.storageUrl}/lo/slo?multipart-manifest=get`, {
      method: 'COPY', token: s.token, headers: { Destination: 'lo/slo-manifest-copy' },
    });
    assert.equal(manifestCopy.status, 201);
    const got = await call(`${s.storageUrl}/lo/slo-manifest-copy`, { token: s.token });
    assert.equal(got.headers.get('x-static-large-object'), 'True');
    assert.equal(got.headers.get('etag'), `"${sloEtag}"`);
    assert.equal(got.text, 'aaaaabbbbbcc');
  });

  test('authorisation: segments the caller may not read → 400 naming 403 on PUT, 409 on GET', async () => {
    const denied = await put('pub/slo2?multipart-manifest=put', JSON.stringify([{ path: '/priv/seg1' }, { path: '/segs/d/1' }]), {}, other);
    assert.equal(denied.status, 400);
    assert.equal(denied.text, 'Errors:\n/priv/seg1, 403 Forbidden\n/segs/d/1, 403 Forbidden\n');
    assert.equal((await put('pub/slo?multipart-manifest=put', JSON.stringify([{ path: '/priv/seg1' }]))).status, 201);
    assert.equal((await call(`${s.storageUrl}/pub/slo`, { token: s.token })).text, 'secret1');
    const get = await call(`${s.storageUrl}/pub/slo`, { token: other.token });
    assert.equal(get.status, 409);
    assert.ok(!get.text.includes('secret1'));
  });

  test('multipart-manifest=delete removes the segments (nested too) and the manifest, with a report', async () => {
    for (const n of ['1', '2']) assert.equal((await put(`segs/x/${n}`, `seg${n}`)).status, 201);
    assert.equal((await put('lo/sub?multipart-manifest=put', JSON.stringify([{ path: '/segs/x/2' }]))).status, 201);
    assert.equal((await put('lo/todelete?multipart-manifest=put', JSON.stringify([{ path: '/segs/x/1' }, { path: '/lo/sub' }]))).status, 201);
    const res = await call(`${s.storageUrl}/lo/todelete?multipart-manifest=delete`, { method: 'DELETE', token: s.token });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain');
    assert.equal(res.text, 'Number Deleted: 4\nNumber Not Found: 0\nResponse Body: \nResponse Status: 200 OK\nErrors:\n');
    for (const path of ['segs/x/1', 'segs/x/2', 'lo/sub', 'lo/todelete']) {
      assert.equal((await call(`${s.storageUrl}/${path}`, { method: 'HEAD', token: s.token })).status, 404, path);
    }
    const again = await call(`${s.storageUrl}/lo/todelete?multipart-manifest=delete`, {
      method: 'DELETE', token: s.token, headers: { Accept: 'application/json' },
    });
    assert.equal(again.text, '{"Response Status": "200 OK", "Response Body": "", "Number Deleted": 0, "Number Not Found": 1, "Errors": []}');
    const notSlo = await call(`${s.storageUrl}/segs/d/1?multipart-manifest=delete`, { method: 'DELETE', token: s.token });
    assert.equal(notSlo.text, 'Number Deleted: 0\nNumber Not Found: 0\nResponse Body: \nResponse Status: 400 Bad Request\nErrors:\n/segs/d/1, Not an SLO manifest\n');
  });

  test('/info publishes slo with Swift 2.30\'s keys', async () => {
    const info = JSON.parse((await call(`${server.url}/info`)).text) as Record<string, unknown>;
    assert.deepEqual(info['slo'], {
      max_manifest_segments: 1000, max_manifest_size: 8388608, yield_frequency: 10, min_segment_size: 1, allow_async_delete: false,
    });
  });
});

describe('SLO and bulk delete, continued', () => {
  test('a segment of 1 MiB read twice in one GET (descriptors are closed exactly once)', async () => {
    assert.equal((await put('segs/big/1', Buffer.alloc(1024 * 1024, 0x61))).status, 201);
    assert.equal((await put('segs/big/2', Buffer.alloc(1024 * 1024, 0x62))).status, 201);
    const manifest = [{ path: '/segs/big/1' }, { path: '/segs/big/2' }, { path: '/segs/big/1' }];
    assert.equal((await put('lo/big?multipart-manifest=put', JSON.stringify(manifest))).status, 201);
    for (let i = 0; i < 3; i++) {
      const got = await call(`${s.storageUrl}/lo/big`, { token: s.token });
      assert.equal(got.status, 200);
      assert.equal(got.bytes.length, 3 * 1024 * 1024);
      assert.equal(md5(got.bytes), md5(Buffer.concat([Buffer.alloc(1024 * 1024, 0x61), Buffer.alloc(1024 * 1024, 0x62), Buffer.alloc(1024 * 1024, 0x61)])));
    }
  });

  test('heartbeat=on: 202 at once, then the outcome after a blank line', async () => {
    const ok = await put('lo/hb?multipart-manifest=put&heartbeat=on', JSON.stringify([{ path: '/segs/d/1' }]));
    assert.equal(ok.status, 202);
    const [pad, report] = ok.text.split('\r\n\r\n');
    assert.equal(pad?.trim(), '');
    assert.match(report ?? '', new RegExp(`^Etag: "${md5(md5('aaaaa'))}"\\nLast Modified: .+ GMT\\nResponse Body: \\nResponse Status: 201 Created\\nErrors:\\n$`));
    const bad = await put('lo/hb2?multipart-manifest=put&heartbeat=on', JSON.stringify([{ path: '/segs/nope' }]), { Accept: 'application/json' });
    assert.equal(bad.status, 202);
    assert.deepEqual(JSON.parse(bad.text.split('\r\n\r\n')[1] ?? ''), {
      'Response Status': '400 Bad Request',
      'Response Body': 'Bad Request\nThe server could not comply with the request since it is either malformed or otherwise incorrect.',
      Errors: [['/segs/nope', '404 Not Found']],
    });
  });

  test('a POST with a new Content-Type keeps the SLO (listing size, slo_etag, reads)', async () => {
    assert.equal((await put('lo/post-slo?multipart-manifest=put', JSON.stringify([{ path: '/segs/d/1' }, { path: '/segs/d/3' }]))).status, 201);
    const post = await call(`${s.storageUrl}/lo/post-slo`, { method: 'POST', token: s.token, headers: { 'Content-Type': 'image/jpeg', 'X-Object-Meta-A': 'b' } });
    assert.equal(post.status, 202);
    const got = await call(`${s.storageUrl}/lo/post-slo`, { token: s.token });
    assert.equal(got.text, 'aaaaacc');
    assert.equal(got.headers.get('content-type'), 'image/jpeg');
    assert.equal(got.headers.get('x-static-large-object'), 'True');
    const entry = (JSON.parse((await call(`${s.storageUrl}/lo?format=json&prefix=post-slo`, { token: s.token })).text) as Record<string, unknown>[])[0];
    assert.equal(entry?.['bytes'], 7);
    assert.equal(entry?.['content_type'], 'image/jpeg');
    assert.equal(entry?.['slo_etag'], `"${md5(md5('aaaaa') + md5('cc'))}"`);
  });

  test('?bulk-delete deletes objects then containers, reports not-found and failures; /info publishes bulk_delete', async () => {
    assert.equal((await put('bulk')).status, 201);
    for (const n of ['a', 'b c', 'caf\u00e9']) assert.equal((await put(`bulk/${encodeURIComponent(n)}`, 'x')).status, 201);
    const body = ['/bulk/a', '/bulk/b%20c', `/bulk/${encodeURIComponent('caf\u00e9')}`, '/bulk/missing', '/bulk', '/priv'].join('\n');
    const res = await call(`${s.storageUrl}?bulk-delete`, {
      method: 'POST', token: s.token, body: Buffer.from(body), headers: { 'Content-Type': 'text/plain', Accept: 'application/json' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(JSON.parse(res.text), {
      'Response Status': '400 Bad Request', 'Response Body': '', 'Number Deleted': 4, 'Number Not Found': 1,
      Errors: [['/priv', '409 Conflict']],
    });
    assert.equal((await call(`${s.storageUrl}/bulk`, { method: 'HEAD', token: s.token })).status, 404);
    // Each delete is authorised for the caller: test2 may not delete in test's private container.
    const denied = await call(`${s.storageUrl}?bulk-delete`, { method: 'DELETE', token: other.token, body: Buffer.from('/priv/seg1\n') });
    assert.equal(denied.text, 'Number Deleted: 0\nNumber Not Found: 0\nResponse Body: \nResponse Status: 400 Bad Request\nErrors:\n/priv/seg1, 403 Forbidden\n');
    assert.equal((await call(`${s.storageUrl}/priv/seg1`, { method: 'HEAD', token: s.token })).status, 200);
    const info = JSON.parse((await call(`${server.url}/info`)).text) as Record<string, unknown>;
    assert.deepEqual(info['bulk_delete'], { max_deletes_per_request: 10000, max_failed_deletes: 1000 });
  });
});
