/** Domain remap (Swift's domain_remap): accounts and containers named by the Host header. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

let server: TestServer;
let s: Session;

/** A request to the server with its own Host header (fetch does not let a caller set Host). */
function viaHost(host: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; text: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers: { ...headers, host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

before(async () => {
  server = await startServer({ extraToml: '[domain_remap]\nstorage_domain = "storage.example, .other.example"\n' });
  s = await login(server.url, 'test:tester', 'testing');
  assert.equal((await call(`${s.storageUrl}/site`, { method: 'PUT', token: s.token })).status, 201);
  assert.equal((await call(`${s.storageUrl}/site/index.html`, { method: 'PUT', token: s.token, body: '<h1>hi</h1>' })).status, 201);
  assert.equal((await call(`${s.storageUrl}/site//v1`, { method: 'PUT', token: s.token, body: 'slashy' })).status, 201);
});
after(async () => { await server.stop(); });

test('<account>.<domain> and <container>.<account>.<domain> name what the path would', async () => {
  const auth = { 'X-Auth-Token': s.token };
  for (const account of ['AUTH_test', 'AUTH-test', 'auth-test']) {
    const listing = await viaHost(`${account}.storage.example:8080`, 'GET', '/', auth);
    assert.equal(listing.status, 200, account);
    assert.ok(listing.text.split('\n').includes('site'), account);
  }
  assert.equal((await viaHost('site.AUTH-test.storage.example', 'GET', '/index.html', auth)).text, '<h1>hi</h1>');
  assert.equal((await viaHost('site.AUTH-test.other.example', 'GET', '/index.html', auth)).text, '<h1>hi</h1>');
  assert.equal((await viaHost('site.AUTH-test.storage.example', 'GET', '//v1', auth)).text, 'slashy', 'an object named /v1');
  // A container name in UTF-8 (sent as raw bytes, as Swift's own tests send it).
  assert.equal((await call(`${s.storageUrl}/${encodeURIComponent('café')}`, { method: 'PUT', token: s.token })).status, 201);
  assert.equal((await call(`${s.storageUrl}/${encodeURIComponent('café')}/menu`, { method: 'PUT', token: s.token, body: 'crêpes' })).status, 201);
  assert.equal((await viaHost(Buffer.from('café.AUTH-test.storage.example', 'utf8').toString('latin1'), 'GET', '/menu', auth)).text, 'crêpes');
  const put = await viaHost('site.AUTH-test.storage.example', 'PUT', '/new.txt', { ...auth, 'Content-Length': '3' }, 'new');
  assert.equal(put.status, 201);
  assert.equal((await call(`${s.storageUrl}/site/new.txt`, { token: s.token })).text, 'new');
});

test('authorisation still applies; unknown prefixes, other hosts and deep subdomains', async () => {
  assert.equal((await viaHost('site.AUTH-test.storage.example', 'GET', '/index.html')).status, 401);
  // No reseller prefix and no default one: not remapped, answered as the same path on any host.
  const unknown = await viaHost('test.storage.example', 'GET', '/site/index.html', { 'X-Auth-Token': s.token });
  const plain = await viaHost('localhost', 'GET', '/site/index.html', { 'X-Auth-Token': s.token });
  assert.notEqual(unknown.status, 200);
  assert.deepEqual([unknown.status, unknown.text], [plain.status, plain.text]);
  assert.equal((await viaHost('localhost', 'GET', '/v1/AUTH_test/site/index.html', { 'X-Auth-Token': s.token })).status, 200);
  const deep = await viaHost('a.site.AUTH-test.storage.example', 'GET', '/', { 'X-Auth-Token': s.token });
  assert.equal(deep.status, 400);
  assert.equal(deep.text, 'Bad domain in host header');
  const info = JSON.parse((await call(`${server.url}/info`)).text) as Record<string, unknown>;
  assert.deepEqual(info['domain_remap'], { default_reseller_prefix: null });
});

// As in Swift, an index page of the container's root needs .rlistings besides .r:* (the root is a container GET).
test('with staticweb, a public container is a web site at its own host name', async () => {
  const owner = { 'X-Auth-Token': s.token };
  assert.equal((await call(`${s.storageUrl}/web`, { method: 'PUT', token: s.token, headers: { 'X-Container-Read': '.r:*,.rlistings', 'X-Container-Meta-Web-Index': 'index.html' } })).status, 201);
  for (const [name, body] of [['index.html', 'home'], ['docs/index.html', 'docs']]) {
    assert.equal((await viaHost('localhost', 'PUT', `/v1/AUTH_test/web/${name}`, { ...owner, 'Content-Length': String(body.length) }, body)).status, 201);
  }
  const host = 'web.AUTH-test.storage.example';
  assert.equal((await viaHost(host, 'GET', '/')).text, 'home');
  const moved = await viaHost(host, 'GET', '/docs');
  assert.equal(moved.status, 301);
  assert.equal(moved.headers['location'], `http://${host}/docs/`, 'the redirect names the site\'s own path');
  assert.equal((await viaHost(host, 'GET', '/docs/')).text, 'docs');
});
