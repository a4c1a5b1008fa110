/**
 * POST validates the headers it can set exactly as PUT does, so it cannot store what PUT refuses:
 * a POSTed `X-Object-Manifest: <container>` (no prefix) was accepted, after which every GET of the
 * object dropped the connection. (X-Symlink-Target is the one deliberate difference, as in Swift: a
 * POST carrying it is 400 "A PUT request is required to set a symlink target".)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';
import { buildRequest, rawRequest } from './helpers/raw.js';

let server: TestServer;
let s: Session;
let path: string;
before(async () => {
  server = await startServer();
  s = await login(server.url, 'test:tester', 'testing');
  path = new URL(s.storageUrl).pathname;
  assert.equal((await call(`${s.storageUrl}/pv`, { method: 'PUT', token: s.token })).status, 201);
});
after(async () => { await server.stop(); });

const future = () => String(Math.floor(Date.now() / 1000) + 3600);
const CASES: [string, string | Buffer | (() => string), number, string?][] = [
  ['X-Object-Manifest', 'segments', 400, 'X-Object-Manifest must be in the format container/prefix'],
  ['X-Object-Manifest', 'segments/', 400, 'X-Object-Manifest must be in the format container/prefix'],
  ['X-Object-Manifest', '/prefix', 400, 'X-Object-Manifest must be in the format container/prefix'],
  ['X-Object-Manifest', 'segments//prefix', 400, 'X-Object-Manifest must be in the format container/prefix'],
  ['X-Object-Manifest', 'segments/pre?fix', 400, 'X-Object-Manifest must be in the format container/prefix'],
  ['X-Object-Manifest', 'segments/pre&fix', 400, 'X-Object-Manifest must be in the format container/prefix'],
  ['X-Object-Manifest', 'segments/prefix', 0],
  ['Content-Type', Buffer.from([0x74, 0x65, 0x78, 0x74, 0x2f, 0xff, 0xfe]), 400, 'Invalid Content-Type'],
  ['Content-Type', Buffer.from('text/caf\u00e9', 'utf8'), 0],
  ['X-Delete-At', 'soon', 400, 'Non-integer X-Delete-At'],
  ['X-Delete-At', '100', 400, 'X-Delete-At in past'],
  ['X-Delete-At', future, 0],
  ['X-Delete-After', '-5', 400, 'X-Delete-After in past'],
  ['X-Delete-After', 'later', 400, 'Non-integer X-Delete-After'],
  ['X-Static-Large-Object', 'true', 400],
  ['X-Object-Meta-Long', 'v'.repeat(257), 400, 'Metadata value longer than 256: x-object-meta-Long'],
];

for (const [name, value, status, body] of CASES) {
  const shown = Buffer.isBuffer(value) ? `bytes ${value.toString('hex')}` : typeof value === 'function' ? '<future>' : value.length > 40 ? `${value.slice(0, 12)}… (${value.length} chars)` : value;
  test(`${name}: ${shown} → PUT and POST agree (${status === 0 ? 'accepted' : status})`, async () => {
    const v = typeof value === 'function' ? value() : value;
    const put = await rawRequest(server.port, buildRequest('PUT', `${path}/pv/put-${name}`, [['X-Auth-Token', s.token], ['Content-Length', '0'], [name, v]]));
    assert.equal((await call(`${s.storageUrl}/pv/o`, { method: 'PUT', token: s.token, body: 'data', headers: { 'X-Object-Meta-Keep': 'yes' } })).status, 201);
    const post = await rawRequest(server.port, buildRequest('POST', `${path}/pv/o`, [['X-Auth-Token', s.token], ['Content-Length', '0'], [name, v]]));
    if (status === 0) {
      assert.equal(put.status, 201, put.body.toString());
      assert.equal(post.status, 202, post.body.toString());
      return;
    }
    assert.equal(put.status, status, put.body.toString());
    assert.equal(post.status, status, post.body.toString());
    if (body !== undefined) assert.equal(post.body.toString(), body);
    assert.equal(post.body.toString(), put.body.toString());
    // The refused POST changed nothing: the object reads as before, whole.
    const get = await call(`${s.storageUrl}/pv/o`, { token: s.token });
    assert.equal(get.status, 200);
    assert.equal(get.text, 'data');
    assert.equal(get.headers.get('x-object-meta-keep'), 'yes');
    assert.equal(get.headers.get('x-object-manifest'), null);
  });
}
