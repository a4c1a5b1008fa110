/** Listing parameters through HTTP, as Swift's constrain_req_limit reads them. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

let server: TestServer;
let s: Session;
before(async () => {
  server = await startServer();
  s = await login(server.url, 'test:tester', 'testing');
  for (const c of ['a', 'b', 'c']) assert.equal((await call(`${s.storageUrl}/${c}`, { method: 'PUT', token: s.token })).status, 201);
});
after(async () => { await server.stop(); });

test('limit that is not a plain number is ignored (the default applies)', async () => {
  for (const limit of ['5000.0', 'abc', '-1', '1.5']) {
    const res = await call(`${s.storageUrl}?limit=${encodeURIComponent(limit)}`, { token: s.token });
    assert.equal(res.status, 200, limit);
    assert.equal(res.text, 'a\nb\nc\n', limit);
  }
});

test('limit=1 limits; limit above the maximum → 412', async () => {
  assert.equal((await call(`${s.storageUrl}?limit=1`, { token: s.token })).text, 'a\n');
  const res = await call(`${s.storageUrl}?limit=10001`, { token: s.token });
  assert.equal(res.status, 412);
  assert.equal(res.text, 'Maximum limit is 10000');
});

test('listings negotiated by Accept say Vary: Accept (200 and 204); with format= they do not', async () => {
  const full = await call(s.storageUrl, { token: s.token });
  assert.equal(full.status, 200);
  assert.equal(full.headers.get('vary'), 'Accept');
  await call(`${s.storageUrl}/empty`, { method: 'PUT', token: s.token });
  const empty = await call(`${s.storageUrl}/empty`, { token: s.token });
  assert.equal(empty.status, 204);
  assert.equal(empty.headers.get('vary'), 'Accept');
  const head = await call(`${s.storageUrl}/empty`, { method: 'HEAD', token: s.token });
  assert.equal(head.headers.get('vary'), 'Accept');
  const accepted = await call(`${s.storageUrl}/empty`, { token: s.token, headers: { Accept: 'application/json' } });
  assert.equal(accepted.status, 200);
  assert.equal(accepted.text, '[]');
  assert.equal(accepted.headers.get('vary'), 'Accept');
  for (const q of ['format=json', 'format=xml', 'format=plain']) {
    const res = await call(`${s.storageUrl}?${q}`, { token: s.token });
    assert.equal(res.status, 200, q);
    assert.equal(res.headers.get('vary'), null, q);
    const h = await call(`${s.storageUrl}/empty?${q}`, { method: 'HEAD', token: s.token });
    assert.equal(h.headers.get('vary'), null, q);
  }
});

test('account and container HEAD show X-Timestamp but not X-Put-Timestamp', async () => {
  for (const url of [s.storageUrl, `${s.storageUrl}/a`]) {
    const res = await call(url, { method: 'HEAD', token: s.token });
    assert.match(res.headers.get('x-timestamp') ?? '', /^\d{10}\.\d{5}$/);
    assert.equal(res.headers.get('x-put-timestamp'), null);
  }
});

test('a JSON object listing is written as Swift writes it: key order, ", " and ": ", non-ASCII as \\uXXXX', async () => {
  const c = `${s.storageUrl}/json-bytes`;
  assert.equal((await call(c, { method: 'PUT', token: s.token })).status, 201);
  const name = 'caf\u00e9 \u2603';
  assert.equal((await call(`${c}/${encodeURIComponent(name)}`, { method: 'PUT', token: s.token, body: 'abc', headers: { 'content-type': 'text/plain' } })).status, 201);
  assert.equal((await call(`${c}/d/inner`, { method: 'PUT', token: s.token, body: '' })).status, 201);
  const res = await call(`${c}?format=json&delimiter=/`, { token: s.token });
  assert.equal(res.status, 200);
  assert.match(res.text, new RegExp(String.raw`^\[\{"bytes": 3, "hash": "900150983cd24fb0d6963f7d28e17f72", "name": "caf\\u00e9 \\u2603", ` +
    String.raw`"content_type": "text/plain", "last_modified": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}"\}, \{"subdir": "d/"\}\]$`));
});

test('names JSON must escape are listed as json.dumps writes them: quote, backslash, controls, DEL, astral', async () => {
  const c = `${s.storageUrl}/json-escapes`;
  assert.equal((await call(c, { method: 'PUT', token: s.token })).status, 201);
  // In name order (bytewise UTF-8), each with what Python's json.dumps writes for it.
  const cases: [string, string][] = [
    ['a\tb\u0001', String.raw`"a\tb\u0001"`],
    ['q"uote', String.raw`"q\"uote"`],
    ['s\\lash', String.raw`"s\\lash"`],
    ['x\u007f', String.raw`"x\u007f"`],
    ['\u{1F600}', String.raw`"\ud83d\ude00"`],
  ];
  for (const [name] of cases) {
    assert.equal((await call(`${c}/${encodeURIComponent(name)}`, { method: 'PUT', token: s.token, body: '' })).status, 201, name);
  }
  const res = await call(`${c}?format=json`, { token: s.token });
  assert.equal(res.status, 200);
  const written = [...res.text.matchAll(/"name": ("(?:[^"\\]|\\.)*")/g)].map((m) => m[1]);
  assert.deepEqual(written, cases.map(([, json]) => json));
  assert.deepEqual((JSON.parse(res.text) as { name: string }[]).map((e) => e.name), cases.map(([name]) => name));
});

test('a POST shows in JSON listings: its content type, and its time as last_modified (Swift lists the meta timestamp)', async () => {
  const c = `${s.storageUrl}/posted`;
  assert.equal((await call(c, { method: 'PUT', token: s.token })).status, 201);
  assert.equal((await call(`${c}/dir/o`, { method: 'PUT', token: s.token, body: 'hello', headers: { 'content-type': 'text/plain' } })).status, 201);
  type Entry = { name?: string; subdir?: string; bytes?: number; hash?: string; content_type?: string; last_modified?: string };
  const entry = async (query: string): Promise<Entry | undefined> =>
    (JSON.parse((await call(`${c}?format=json${query}`, { token: s.token })).text) as Entry[]).find((e) => e.name === 'dir/o');
  const before = await entry('');
  assert.equal(before?.content_type, 'text/plain');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal((await call(`${c}/dir/o`, { method: 'POST', token: s.token, headers: { 'content-type': 'image/png', 'x-object-meta-colour': 'blue' } })).status, 202);
  // Without a delimiter (one range read) and with one (the walk): both show the POST.
  for (const query of ['', '&prefix=dir/', '&delimiter=/&prefix=dir/', '&reverse=true']) {
    const after = await entry(query);
    assert.equal(after?.content_type, 'image/png', query);
    assert.equal(after?.hash, before?.hash, query);
    assert.equal(after?.bytes, 5, query);
    assert.ok((after?.last_modified ?? '') > (before?.last_modified ?? ''), `${query}: ${after?.last_modified} after ${before?.last_modified}`);
  }
});
