/**
 * Static web sites from containers through HTTP, as Swift's staticweb middleware serves them to
 * anonymous visitors (and to token holders sending X-Web-Mode: true).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

let server: TestServer;
let s: Session;
let site: string; // storage URL of the public site container
let sitePath: string;

async function owner(path: string, init: Parameters<typeof call>[1] = {}): Promise<number> {
  return (await call(`${s.storageUrl}${path}`, { token: s.token, ...init })).status;
}

/** Sets exactly these web settings on the site container (the others removed). */
async function web(settings: { index?: string; listings?: string; css?: string; error?: string; label?: string }): Promise<void> {
  const h: Record<string, string> = {};
  const put = (name: string, v: string | undefined) => {
    if (v === undefined) h[`X-Remove-Container-Meta-Web-${name}`] = 'x';
    else h[`X-Container-Meta-Web-${name}`] = v;
  };
  put('Index', settings.index);
  put('Listings', settings.listings);
  put('Listings-CSS', settings.css);
  put('Error', settings.error);
  put('Listings-Label', settings.label);
  assert.equal(await owner('/site', { method: 'POST', headers: h }), 204);
}

before(async () => {
  server = await startServer();
  s = await login(server.url, 'test:tester', 'testing');
  site = `${s.storageUrl}/site`;
  sitePath = new URL(site).pathname;
  assert.equal(await owner('/site', { method: 'PUT', headers: { 'X-Container-Read': '.r:*,.rlistings' } }), 201);
  assert.equal(await owner('/private', { method: 'PUT' }), 201);
  const objects: [string, string, string?][] = [
    ['index.html', '<h1>home</h1>'], ['404error.html', 'custom not found'], ['style.css', 'body {}'],
    ['docs', '', 'application/directory'], ['docs/a.txt', 'a'.repeat(2048)], ['docs/deep/b.txt', 'b'],
    ['docs/index.html', 'docs home'], ['empty-dir', '', 'application/directory'], ['empty-dir/x y.txt', 'x'],
  ];
  for (const [name, body, type] of objects) {
    assert.equal(await owner(`/site/${name}`, { method: 'PUT', body, headers: type ? { 'Content-Type': type } : {} }), 201);
  }
  assert.equal(await owner('/private/index.html', { method: 'PUT', body: 'secret' }), 201);
  assert.equal(await owner('/private', { method: 'POST', headers: { 'X-Container-Meta-Web-Index': 'index.html' } }), 204);
});
after(async () => { await server.stop(); });

describe('static web for anonymous visitors', () => {
  test('/v1/A/site redirects (301) to /v1/A/site/, which serves the index object', async () => {
    await web({ index: 'index.html' });
    const redirect = await call(site);
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), `${server.url}${sitePath}/`);
    const home = await call(`${site}/`);
    assert.equal(home.status, 200);
    assert.equal(home.text, '<h1>home</h1>');
  });

  test('a pseudo-directory: marker object → redirect with slash, then its own index', async () => {
    await web({ index: 'index.html' });
    const redirect = await call(`${site}/docs`);
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), `${server.url}${sitePath}/docs/`);
    assert.equal((await call(`${site}/docs/`)).text, 'docs home');
  });

  test('listings: subdirectories, then objects with sizes, relative links and the style sheet', async () => {
    await web({ listings: 'true', css: 'style.css' });
    const top = await call(`${site}/`);
    assert.equal(top.status, 200);
    assert.equal(top.headers.get('content-type'), 'text/html; charset=UTF-8');
    assert.match(top.text, new RegExp(`<title>Listing of ${sitePath}/</title>`));
    assert.match(top.text, /<a href="docs\/">docs\/<\/a>/);
    assert.match(top.text, /<a href="index.html">index.html<\/a>/);
    assert.match(top.text, /<link rel="stylesheet" type="text\/css" href="style.css" \/>/);
    assert.doesNotMatch(top.text, /a\.txt/, 'only the top level is listed');
    const docs = await call(`${site}/docs/`);
    assert.equal(docs.status, 200);
    assert.match(docs.text, /<a href="\.\.\/">\.\.\/<\/a>/);
    assert.match(docs.text, /<a href="deep\/">deep\/<\/a>/);
    assert.match(docs.text, /<a href="a.txt">a.txt<\/a><\/td>\n {4}<td class="colsize">2Ki<\/td>/);
    assert.match(docs.text, /href="\.\.\/style.css"/);
    const spaced = await call(`${site}/empty-dir/`);
    assert.match(spaced.text, /<a href="x%20y.txt">x y.txt<\/a>/);
  });

  test('a directory with no marker object redirects when something lies under it, else 404', async () => {
    await web({ listings: 'true' });
    assert.equal((await call(`${site}/docs/deep`)).status, 301);
    assert.equal((await call(`${site}/docs/deep/`)).status, 200);
    assert.equal((await call(`${site}/nothing-here`)).status, 404);
    assert.equal((await call(`${site}/nothing-here/`)).status, 404);
  });

  test('Web-Error: a 404 shows 404<Web-Error> with status 404', async () => {
    await web({ index: 'index.html', error: 'error.html' });
    const missing = await call(`${site}/nope.html`);
    assert.equal(missing.status, 404);
    assert.equal(missing.text, 'custom not found');
  });

  test('listings off and no index found: 404 "Web Listing Disabled"', async () => {
    await web({ index: 'missing.html' });
    const res = await call(`${site}/`);
    assert.equal(res.status, 404);
    assert.match(res.text, /Web Listing Disabled/);
    assert.match(res.text, /X-Container-Meta-Web-Index: missing.html/);
  });

  test('Web-Listings-Label replaces the account path in the title', async () => {
    await web({ listings: 'true', label: 'My Site' });
    assert.match((await call(`${site}/docs/`)).text, /<title>Listing of My Site\/docs\/<\/title>/);
  });

  test('objects are served as usual; a container without web settings answers as the API does', async () => {
    await web({});
    assert.equal((await call(`${site}/docs/a.txt`)).text, 'a'.repeat(2048));
    assert.equal((await call(`${site}/`)).status, 200, 'a plain anonymous listing (.rlistings)');
    assert.equal((await call(`${site}/`)).headers.get('content-type'), 'text/plain; charset=utf-8');
  });

  test('a container without a public read ACL stays private: 401, the index is not served', async () => {
    const res = await call(`${s.storageUrl}/private/`);
    assert.equal(res.status, 401);
    assert.notEqual(res.text, 'secret');
    assert.equal((await call(`${s.storageUrl}/private/index.html`)).status, 401);
  });
});

describe('static web and tokens', () => {
  test('a token holder gets the API, unless X-Web-Mode: true asks for the site', async () => {
    await web({ index: 'index.html' });
    const api = await call(`${site}/`, { token: s.token });
    assert.equal(api.status, 200);
    assert.match(api.text, /^404error.html\n/, 'the plain container listing');
    const webMode = await call(`${site}/`, { token: s.token, headers: { 'X-Web-Mode': 'true' } });
    assert.equal(webMode.text, '<h1>home</h1>');
    assert.equal((await call(`${s.storageUrl}/private/`, { token: s.token, headers: { 'X-Web-Mode': 'true' } })).text, 'secret');
  });

  test('/info lists staticweb', async () => {
    const info = JSON.parse((await call(`${server.url}/info`)).text) as Record<string, unknown>;
    assert.deepEqual(info['staticweb'], {});
  });
});
