/**
 * The web console in a real browser (Debian's chromium through puppeteer-core) against a real
 * `swiftlet serve`: its own headers, the login (token kept out of storage, cookies and URLs), the
 * containers, browsing by folder and page, a 50 MiB upload as a static large object with its progress
 * bar and a resumed failed segment, the download compared byte for byte, an ACL read back through
 * the Swift API, deletes, and an administrator creating a user who then logs in.
 * Screenshots of each page go to the test's temporary directory (kept, path printed).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, HTTPRequest, Page } from 'puppeteer-core';
import { browserMissing, launchBrowser } from './helpers/browser.js';
import { spawn } from 'node:child_process';
import { startImageStack, type ImageStack } from './helpers/images.js';
import { AUDITOR_USER_TOML, CLI, startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

const missing = browserMissing();
if (missing) console.log(`# console.test: skipped, ${missing}`);

const MiB = 1024 * 1024;
const BIG = 50 * MiB;
const SEGMENT = 8 * MiB;

/** The pages shown in the README (docs/console-*.png). */
const DOC_SHOTS = ['upload-failed', 'versions', 'service-accounts'];

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('web console in a real browser', { skip: missing, timeout: 180_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let tester: Session;
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-console-'));
  const shots = join(dir, 'screenshots');
  const downloads = join(dir, 'downloads');
  const bigFile = join(dir, 'big.bin');
  const big = randomBytes(BIG);
  let shotCount = 0;

  const shot = async (name: string) => {
    shotCount++;
    const path = join(shots, `${String(shotCount).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path, fullPage: true });
    // SWIFTLET_CONSOLE_DOCS=docs refreshes the README's pictures from this run.
    const docs = process.env['SWIFTLET_CONSOLE_DOCS'];
    if (docs && DOC_SHOTS.includes(name)) copyFileSync(path, join(docs, `console-${name}.png`));
  };
  /** Runs an action that redraws the view `selector` and waits for the new one (never a click on the old, detached one). */
  async function redraws(selector: string, action: () => Promise<unknown>): Promise<void> {
    await page.$eval(selector, (e) => e.setAttribute('data-stale', ''));
    await action();
    await page.waitForSelector(`${selector}:not([data-stale])`);
  }
  const text = (selector: string) => page.$eval(selector, (e) => e.textContent ?? '');

  async function logIn(user: string, password: string, project = ''): Promise<void> {
    await page.waitForSelector('#login-form');
    await page.type('[data-field=username]', user);
    await page.type('[data-field=password]', password);
    if (project) await page.type('[data-field=project]', project);
    await page.click('#login-submit');
    await page.waitForSelector('#containers-view').catch(async (err: unknown) => {
      // Say what the page said (a refused login, a failed listing) rather than only "timed out".
      throw new Error(`no containers view after logging in as ${user}: status "${await text('#status').catch(() => '?')}": ${String(err)}`);
    });
  }

  before(async () => {
    mkdirSync(shots);
    mkdirSync(downloads);
    writeFileSync(bigFile, big);
    server = await startServer({
      extraToml: `[console]\nslo_threshold = ${SEGMENT}\nsegment_size = ${SEGMENT}\n[auth]\nSERVICE_reader_roles = "svc_auditor"\n`,
      extraUsersToml: AUDITOR_USER_TOML,
    });
    tester = await login(server.url, 'test:tester', 'testing');
    browser = await launchBrowser();
    page = await browser.newPage();
    // Every confirm() of the console is answered yes.
    page.on('dialog', (d) => { void d.accept(); });
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    // The screenshots stay for a look; the 50 MiB file and its downloaded copy do not.
    for (const path of [bigFile, downloads, join(dir, 'album')]) rmSync(path, { recursive: true, force: true });
    console.log(`# console screenshots: ${shots}`);
  });

  it('serves its files with a strict CSP, no framing, no sniffing, and their content types', async () => {
    const index = await fetch(`${server.url}/console`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
    const csp = index.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/, 'only the console\'s own script files, nothing inline');
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(index.headers.get('x-frame-options'), 'DENY');
    assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
    const html = await index.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    const js = await fetch(`${server.url}/console/main.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(js.headers.get('x-frame-options'), 'DENY');
    const etag = js.headers.get('etag') ?? '';
    assert.equal((await fetch(`${server.url}/console/main.js`, { headers: { 'if-none-match': etag } })).status, 304);
    assert.match((await fetch(`${server.url}/console/console.css`)).headers.get('content-type') ?? '', /^text\/css/);
    assert.equal((await fetch(`${server.url}/console/nothing.js`)).status, 404);
    assert.equal((await fetch(`${server.url}/console/%2e%2e%2fpackage.json`)).status, 404);
    assert.equal((await fetch(`${server.url}/console/main.js`, { method: 'POST' })).status, 405);
  });

  it('logs in through /v3 and keeps the token out of storage, cookies and the URL', async () => {
    await page.goto(`${server.url}/console/`);
    await page.waitForSelector('#login-form');
    await shot('login');
    await logIn('tester', 'testing', 'test');
    assert.equal(await text('#whoami'), 'tester @ test');
    const kept = await page.evaluate(() => ({
      local: localStorage.length, session: sessionStorage.length, cookie: document.cookie, url: location.href,
    }));
    assert.deepEqual({ local: kept.local, session: kept.session, cookie: kept.cookie }, { local: 0, session: 0, cookie: '' });
    assert.equal(kept.url, `${server.url}/console/`);
    assert.equal(await page.$eval('[data-field=password]', () => 'still there').catch(() => 'gone'), 'gone', 'the login form is gone with the password');
  });

  it('creates a container and lists it with its count and size', async () => {
    await page.type('[data-field=container-name]', 'photos');
    await page.click('#create-container button[type=submit]');
    await page.waitForSelector('tr[data-container="photos"]');
    assert.equal((await call(`${tester.storageUrl}/photos`, { method: 'HEAD', token: tester.token })).status, 204);
    // Objects put through the API show in the counts and in the folders.
    for (let i = 0; i < 60; i++) {
      await call(`${tester.storageUrl}/photos/many/item-${String(i).padStart(3, '0')}`, { method: 'PUT', token: tester.token, body: 'x' });
    }
    await call(`${tester.storageUrl}/photos/docs/readme.txt`, { method: 'PUT', token: tester.token, body: 'hello' });
    await page.click('#nav-containers');
    await page.waitForFunction(() => document.querySelector('tr[data-container="photos"] .count')?.textContent === '61');
    await shot('containers');
  });

  it('browses folders (prefix and delimiter) and pages (marker and limit)', async () => {
    await page.click('tr[data-container="photos"] .open-container');
    await page.waitForSelector('#objects-view');
    const subdirs = await page.$$eval('tr.subdir', (rows) => rows.map((r) => r.getAttribute('data-subdir')));
    assert.deepEqual(subdirs, ['docs/', 'many/']);
    await page.click('tr[data-subdir="many/"] .open-subdir');
    await page.waitForSelector('#objects-view[data-prefix="many/"]');
    assert.equal((await page.$$('tr.object')).length, 50);
    await page.click('#next-page');
    await page.waitForFunction(() => document.querySelectorAll('tr.object').length === 10);
    assert.equal(await page.$eval('tr.object', (r) => r.getAttribute('data-object')), 'many/item-050');
    await page.click('.crumb');
    await page.waitForSelector('#objects-view[data-prefix=""]');
  });

  it('uploads 50 MiB as a static large object with a moving progress bar, resuming after a failed segment', async () => {
    // The segment container refuses a third segment (quota), so the upload stops with two stored.
    assert.equal((await call(`${tester.storageUrl}/photos_segments`, { method: 'PUT', token: tester.token, headers: { 'X-Container-Meta-Quota-Bytes': String(2 * SEGMENT + 1) } })).status, 201);
    const segmentPuts: string[] = [];
    const onRequest = (r: HTTPRequest) => { if (r.method() === 'PUT' && r.url().includes('/photos_segments/')) segmentPuts.push(r.url()); };
    page.on('request', onRequest);
    await page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { seenPercents: number[] }).seenPercents = seen;
      new MutationObserver(() => {
        const row = document.querySelector('li.upload[data-upload="big.bin"]');
        const pct = Number(row?.getAttribute('data-percent') ?? NaN);
        if (!Number.isNaN(pct) && seen[seen.length - 1] !== pct) seen.push(pct);
      }).observe(document.getElementById('uploads') as HTMLElement, { subtree: true, childList: true, attributes: true });
    });
    const input = await page.$('#file-input');
    assert.ok(input);
    await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(bigFile);
    await page.waitForSelector('li.upload[data-upload="big.bin"][data-state="failed"]', { timeout: 30_000 });
    const failedAfter = segmentPuts.length;
    assert.ok(failedAfter >= 3, `two segments stored and the third tried (${failedAfter} PUTs)`);
    assert.match(await text('li.upload[data-upload="big.bin"] .error'), /segment 3 of 7/);
    await shot('upload-failed');

    // The quota goes; Resume sends the failed segment and the ones after it, never the stored two again.
    assert.equal((await call(`${tester.storageUrl}/photos_segments`, { method: 'POST', token: tester.token, headers: { 'X-Remove-Container-Meta-Quota-Bytes': 'x' } })).status, 204);
    // A failed segment's bar falls back to what is stored; from the resume on it only moves forward.
    const beforeResume = await page.evaluate(() => (window as unknown as { seenPercents: number[] }).seenPercents.splice(0));
    assert.ok(beforeResume.some((p) => p > 0 && p < 100), `progress before the failure: ${beforeResume.join(',')}`);
    await page.click('li.upload[data-upload="big.bin"] .resume');
    await page.waitForSelector('li.upload[data-upload="big.bin"][data-state="done"]', { timeout: 60_000 });
    page.off('request', onRequest);
    const resumed = segmentPuts.slice(failedAfter).map((u) => u.split('/').pop());
    assert.deepEqual(resumed, ['00000002', '00000003', '00000004', '00000005', '00000006']);

    const seen = await page.evaluate(() => (window as unknown as { seenPercents: number[] }).seenPercents);
    assert.equal(seen[seen.length - 1], 100);
    assert.ok(seen.filter((p) => p > 0 && p < 100).length >= 5, `intermediate progress seen: ${seen.join(',')}`);
    assert.deepEqual([...seen].filter((p, i) => i > 0 && p < (seen[i - 1] ?? 0)), [], 'the bar never goes back');

    // Stored as a manifest over 7 segments, whole bytes as uploaded.
    const head = await call(`${tester.storageUrl}/photos/big.bin`, { method: 'HEAD', token: tester.token });
    assert.equal(head.headers.get('x-static-large-object'), 'True');
    assert.equal(head.headers.get('content-length'), String(BIG));
    await page.waitForSelector('tr[data-object="big.bin"]');
    await shot('objects');
  });

  it('uploads files dropped on the drop zone', async () => {
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['alpha'], 'dropped-a.txt', { type: 'text/plain' }));
      dt.items.add(new File(['beta!'], 'dropped-b.txt', { type: 'text/plain' }));
      document.getElementById('drop-zone')?.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.waitForSelector('li.upload[data-upload="dropped-b.txt"][data-state="done"]');
    await page.waitForSelector('tr[data-object="dropped-b.txt"]');
    const a = await call(`${tester.storageUrl}/photos/dropped-a.txt`, { token: tester.token });
    assert.equal(a.text, 'alpha');
    assert.equal(a.headers.get('content-type'), 'text/plain');
    assert.equal((await call(`${tester.storageUrl}/photos/dropped-b.txt`, { token: tester.token })).text, 'beta!');
  });

  it('uploads a folder chosen with the folder picker, keeping its paths', async () => {
    const album = join(dir, 'album');
    mkdirSync(join(album, 'sub'), { recursive: true });
    writeFileSync(join(album, 'one.txt'), 'one');
    writeFileSync(join(album, 'sub', 'two.txt'), 'two');
    const input = await page.$('#folder-input');
    assert.ok(input);
    await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(album);
    await page.waitForSelector('li.upload[data-upload="album/sub/two.txt"][data-state="done"]');
    assert.equal((await call(`${tester.storageUrl}/photos/album/one.txt`, { token: tester.token })).text, 'one');
    assert.equal((await call(`${tester.storageUrl}/photos/album/sub/two.txt`, { token: tester.token })).text, 'two');
    await page.waitForSelector('tr[data-subdir="album/"]');
  });

  it('downloads the object with the same bytes', async () => {
    await page.click('tr[data-object="big.bin"] .download');
    const file = join(downloads, 'big.bin');
    const deadline = Date.now() + 30_000;
    while (!(existsSync(file) && statSync(file).size === BIG)) {
      assert.ok(Date.now() < deadline, 'download finished in 30 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(md5(readFileSync(file)), md5(big));
  });

  it('sets a read ACL that the Swift API then reports and enforces', async () => {
    const tester2 = await login(server.url, 'test2:tester2', 'testing2');
    const container = `${tester.storageUrl}/photos/docs/readme.txt`;
    assert.equal((await call(container, { token: tester2.token })).status, 403);
    await page.type('[data-field=acl-read]', 'test2:tester2');
    await redraws('#objects-view', () => page.click('#acl-form button[type=submit]'));
    const head = await call(`${tester.storageUrl}/photos`, { method: 'HEAD', token: tester.token });
    assert.equal(head.headers.get('x-container-read'), 'test2:tester2');
    const read = await call(container, { token: tester2.token });
    assert.equal(read.status, 200);
    assert.equal(read.text, 'hello');
  });

  it('shows an object, sets its metadata and makes a working temporary URL', async () => {
    await page.waitForSelector('tr[data-object="big.bin"]');
    await page.click('tr[data-subdir="docs/"] .open-subdir');
    await page.waitForSelector('tr[data-object="docs/readme.txt"]');
    await page.click('tr[data-object="docs/readme.txt"] .object-details');
    await page.waitForSelector('#object-view');
    await page.type('[data-field=object-meta-key]', 'Color');
    await page.type('[data-field=object-meta-value]', 'blue');
    await page.click('.meta-form button[type=submit]');
    await page.waitForSelector('tr[data-meta="color"]');
    const head = await call(`${tester.storageUrl}/photos/docs/readme.txt`, { method: 'HEAD', token: tester.token });
    assert.equal(head.headers.get('x-object-meta-color'), 'blue');
    await page.click('#tempurl-form button[type=submit]');
    await page.waitForFunction(() => (document.getElementById('tempurl-output') as HTMLInputElement | null)?.value.includes('temp_url_sig') === true);
    const url = await page.$eval('#tempurl-output', (e) => (e as HTMLInputElement).value);
    const anonymous = await call(url);
    assert.equal(anonymous.status, 200);
    assert.equal(anonymous.text, 'hello');
    await shot('object');
    await page.click('#back-to-objects');
    await page.waitForSelector('#objects-view');
  });

  it('keeps versions once enabled, shows them and restores an older one', async () => {
    await call(`${tester.storageUrl}/notes`, { method: 'PUT', token: tester.token });
    await page.click('#nav-containers');
    await page.waitForSelector('tr[data-container="notes"]');
    await page.click('tr[data-container="notes"] .open-container');
    await page.waitForSelector('#objects-view[data-container="notes"]');
    await redraws('#objects-view', () => page.click('#versioning'));
    const head = await call(`${tester.storageUrl}/notes`, { method: 'HEAD', token: tester.token });
    assert.equal(head.headers.get('x-versions-enabled'), 'True');
    for (const body of ['first', 'second']) {
      assert.equal((await call(`${tester.storageUrl}/notes/todo.txt`, { method: 'PUT', token: tester.token, body })).status, 201);
    }
    await page.click('#nav-containers');
    await page.waitForSelector('tr[data-container="notes"]');
    await page.click('tr[data-container="notes"] .open-container');
    await page.waitForSelector('tr[data-object="todo.txt"]');
    await page.click('tr[data-object="todo.txt"] .object-details');
    await page.waitForSelector('#versions tr.version');
    assert.equal((await page.$$('#versions tr.version')).length, 2);
    await shot('versions');
    await redraws('#object-view', () => page.click('#versions .restore'));
    assert.equal((await call(`${tester.storageUrl}/notes/todo.txt`, { token: tester.token })).text, 'first');
    // Deleting with its versions leaves nothing of the object, not even a delete marker.
    await page.click('#object-view .danger');
    await page.waitForSelector('#objects-view[data-container="notes"]');
    const versions = await call(`${tester.storageUrl}/notes?versions&format=json`, { token: tester.token });
    assert.deepEqual(JSON.parse(versions.text), []);
  });

  it('deletes an object (a large one with its segments) and a container', async () => {
    await page.click('#nav-containers');
    await page.waitForSelector('tr[data-container="photos"]');
    await page.click('tr[data-container="photos"] .open-container');
    await page.waitForSelector('tr[data-object="big.bin"]');
    await page.click('tr[data-object="big.bin"] .delete-object');
    await page.waitForFunction(() => document.querySelector('tr[data-object="big.bin"]') === null);
    assert.equal((await call(`${tester.storageUrl}/photos/big.bin`, { method: 'HEAD', token: tester.token })).status, 404);
    const segments = await call(`${tester.storageUrl}/photos_segments?format=json`, { token: tester.token });
    assert.deepEqual(JSON.parse(segments.text), [], 'the segments went with the manifest');
    await call(`${tester.storageUrl}/empty`, { method: 'PUT', token: tester.token });
    await page.click('#nav-containers');
    await page.waitForSelector('tr[data-container="empty"]');
    await page.click('tr[data-container="empty"] .delete-container');
    await page.waitForFunction(() => document.querySelector('tr[data-container="empty"]') === null);
    assert.equal((await call(`${tester.storageUrl}/empty`, { method: 'HEAD', token: tester.token })).status, 404);
  });

  it('lets an administrator create a user who then logs in; a normal user sees no administration', async () => {
    assert.equal(await page.$('#nav-admin'), null, 'tester is no identity administrator');
    await page.click('#nav-logout');
    await logIn('admin', 'adminpw');
    await page.click('#nav-admin');
    await page.waitForSelector('#admin-view');
    await page.type('[data-field=user-name]', 'alice');
    await page.type('[data-field=user-password]', 'alice-secret-1');
    await page.select('[data-field=user-project]', await page.$eval('tr[data-project="test"] td.mono', (e) => e.textContent ?? ''));
    await page.select('[data-field=user-role]', await page.$$eval('[data-field=user-role] option', (os) => os.find((o) => o.textContent === 'admin')?.getAttribute('value') ?? ''));
    await redraws('#admin-view', () => page.click('#create-user button[type=submit]'));
    await page.waitForSelector('tr[data-user="alice"]');
    await shot('admin');
    await page.click('#nav-logout');
    await logIn('alice', 'alice-secret-1');
    assert.equal(await text('#whoami'), 'alice @ test');
    await page.waitForSelector('tr[data-container="photos"]');
  });

  it('opens service accounts read-only for an administrator holding a reader role, and only then', async () => {
    // SERVICE_test holds an image, written as the image service does (user token + service token).
    const service = await login(server.url, 'test5:tester5', 'testing5');
    const serviceUrl = tester.storageUrl.replace('/AUTH_test', '/SERVICE_test');
    for (const path of ['/images', '/images/disk.img']) {
      const put = await call(`${serviceUrl}${path}`, { method: 'PUT', token: tester.token, serviceToken: service.token, body: path.endsWith('.img') ? 'image bytes' : undefined });
      assert.ok([201, 202].includes(put.status), `PUT ${path}: ${put.status}`);
    }
    assert.equal((await call(serviceUrl, { method: 'HEAD', token: tester.token })).status, 403, 'a user alone never reads a service account');

    await page.click('#nav-logout');
    await logIn('admin', 'adminpw');
    await page.click('#nav-admin');
    await page.waitForSelector('tr[data-account="SERVICE_test"]');
    assert.match(await text('tr[data-account="SERVICE_test"]'), /not readable/);
    // The administrator grants itself the reader role on its project, then logs in again.
    await page.select('[data-field=grant-user]', await text('tr[data-user="admin"] td.mono'));
    await page.select('[data-field=grant-project]', await text('tr[data-project="admin"] td.mono'));
    await page.select('[data-field=grant-role]', await page.$$eval('[data-field=grant-role] option', (os) => os.find((o) => o.textContent === 'svc_auditor')?.getAttribute('value') ?? ''));
    await redraws('#admin-view', () => page.click('#grant-role button[type=submit]'));
    await page.click('#nav-logout');
    await logIn('admin', 'adminpw');
    await page.click('#nav-admin');
    await page.waitForFunction(() => /1 objects/.test(document.querySelector('tr[data-account="SERVICE_test"]')?.textContent ?? ''));
    await shot('service-accounts');
    await page.click('tr[data-account="SERVICE_test"] button');
    await page.waitForSelector('#readonly-view');
    await page.click('#readonly-view tbody button');
    await page.waitForFunction(() => /disk\.img/.test(document.getElementById('readonly-view')?.textContent ?? ''));
    assert.equal(await page.$('#readonly-view .danger, #readonly-view input, #readonly-view form'), null, 'nothing to change there');
  });
});

describe('image audit findings in the console', { skip: missing, timeout: 120_000 }, () => {
  let stack: ImageStack;
  let browser: Browser;
  let page: Page;
  const shots = mkdtempSync(join(tmpdir(), 'swiftlet-console-audit-'));

  before(async () => {
    stack = await startImageStack(5 * 1024 * MiB);
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
    console.log(`# image audit screenshots: ${shots}`);
  });

  const text = (selector: string) => page.$eval(selector, (e) => e.textContent ?? '');
  async function logIn(user: string, password: string): Promise<void> {
    await page.goto(`${stack.swift.url}/console`);
    await page.waitForSelector('#login-form');
    await page.type('[data-field=username]', user);
    await page.type('[data-field=password]', password);
    await page.click('#login-submit');
    await page.waitForSelector('#containers-view');
  }
  const audit = () => new Promise<{ code: number; out: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, 'images', 'audit', '--json', '--config', stack.imagesConfig], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });

  it('shows the findings of the last audit to an image administrator; others see no page or a refusal', async () => {
    // An image with its bytes, whose object the reseller admin then deletes behind the image service's back.
    const user = await login(stack.swift.url, 'test:tester', 'testing');
    const reseller = await login(stack.swift.url, 'test6:tester6', 'testing6');
    const imageApi = (path: string, init: RequestInit) => fetch(`${stack.imagesUrl}${path}`, { ...init, headers: { 'x-auth-token': user.token, ...init.headers } });
    const created = await imageApi('/v2/images', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'lost', disk_format: 'raw', container_format: 'bare' }) });
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as { id: string };
    const uploaded = await imageApi(`/v2/images/${id}/file`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(randomBytes(3000)) });
    assert.equal(uploaded.status, 204, await uploaded.text());
    const object = `${stack.swift.url}/v1/SERVICE_test/images/${id}`;
    assert.equal((await call(object, { method: 'DELETE', token: reseller.token })).status, 204);

    // The page may call the image service, and no other origin.
    const csp = (await fetch(`${stack.swift.url}/console`)).headers.get('content-security-policy') ?? '';
    assert.match(csp, new RegExp(`connect-src 'self' ${stack.imagesUrl};`));
    // Before any audit the page says so.
    await logIn('tester6', 'testing6');
    await page.click('#nav-image-audit');
    await page.waitForSelector('#image-audit-view');
    assert.match(await text('#image-audit-summary'), /No audit has run yet/);

    const run = await audit();
    assert.equal(run.code, 1, run.out);
    await page.click('#nav-containers');
    await page.waitForSelector('#containers-view');
    await page.click('#nav-image-audit');
    const row = `#image-audit-findings tr[data-kind="missing"][data-image="${id}"]`;
    await page.waitForSelector(row);
    assert.equal(await page.$$eval('#image-audit-findings tbody tr', (rows) => rows.length), 1, 'the one planted problem, nothing else');
    assert.match(await text(row), new RegExp(`SERVICE_test.*images/${id}.*active.*no.*3000 bytes`));
    assert.match(await text('#image-audit-summary'), /1 image\(s\), 0 object\(s\) in 1 account\(s\); 1 finding\(s\), 1 unrepaired/);
    await page.screenshot({ path: join(shots, 'image-audit.png'), fullPage: true });

    // The bootstrap admin administers identity but is no image administrator: the image service refuses, the page says why.
    await page.click('#nav-logout');
    await logIn('admin', 'adminpw');
    await page.click('#nav-image-audit');
    await page.waitForSelector('#image-audit-view');
    assert.match(await text('#image-audit-summary'), /may not read the image audit/);
    assert.equal(await page.$('#image-audit-findings'), null);
    // A project user has no such page.
    await page.click('#nav-logout');
    await logIn('tester', 'testing');
    assert.equal(await page.$('#nav-image-audit'), null);
  });
});

describe('web console turned off', () => {
  it('[console] enabled = false: /console serves nothing of the console', async () => {
    const server = await startServer({ extraToml: '[console]\nenabled = false\n' });
    try {
      for (const path of ['/console', '/console/main.js', '/console/config.json']) {
        const res = await fetch(`${server.url}${path}`);
        await res.arrayBuffer();
        assert.notEqual(res.status, 200, path);
        assert.equal(res.headers.get('content-security-policy'), null, path);
      }
    } finally {
      await server.stop();
    }
  });
});
