/**
 * The web console in keystone mode, in a real browser (Debian's chromium through puppeteer-core):
 * the login form posts to the real Keystone's `/v3/auth/tokens` (cross-origin: scripts/keystone/
 * start.sh lets the console's origin through Keystone's CORS), and the token Keystone issued then
 * works the Swift API through Swiftlet like any client's: containers listed, one created, a file
 * uploaded and read back through the API byte for byte. A wrong password and a user without an
 * operator role get the console's error, never a listing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { browserMissing, launchBrowser } from '../test/helpers/browser.js';
import { call } from '../test/helpers/swift.js';
import { issueToken, loadCredentials, startKeystoneSwiftlet, type KeystoneCredentials, type KeystoneSwiftlet } from './helpers.js';

const missing = browserMissing();
if (missing) console.log(`# keystone console.test: skipped, ${missing}`);

describe('web console in keystone mode, in a real browser', { skip: missing, timeout: 120_000 }, () => {
  let creds: KeystoneCredentials;
  let server: KeystoneSwiftlet;
  let browser: Browser;
  let page: Page;
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-ks-console-'));
  const file = join(dir, 'notes.bin');
  const bytes = randomBytes(300_000);

  const text = (selector: string) => page.$eval(selector, (e) => e.textContent ?? '');
  async function fillLogin(user: string, password: string, project: string): Promise<void> {
    await page.goto(`${server.url}/console/`);
    await page.waitForSelector('#login-form');
    await page.type('[data-field=username]', user);
    await page.type('[data-field=password]', password);
    await page.type('[data-field=project]', project);
    await page.click('#login-submit');
  }

  before(async () => {
    writeFileSync(file, bytes);
    creds = loadCredentials();
    const sw = creds.users['swiftlet'];
    assert.ok(sw && creds.users['demo'] && creds.users['member'], 'credentials.json lacks the expected users');
    server = await startKeystoneSwiftlet(`auth_url = "${creds.auth_url}"\nusername = "swiftlet"\npassword = "${sw.password}"\n`
      + `project_name = "${sw.project}"\nuser_domain_name = "Default"\nproject_domain_name = "Default"\n`);
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('dialog', (d) => { void d.accept(); });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the login to Keystone and allows that origin in its CSP', async () => {
    const csp = (await fetch(`${server.url}/console`)).headers.get('content-security-policy') ?? '';
    assert.match(csp, new RegExp(`connect-src [^;]*${new URL(creds.auth_url).origin.replace(/[.]/g, '\\.')}`));
    const logins: string[] = [];
    page.on('request', (r) => { if (r.method() === 'POST' && r.url().includes('/auth/tokens')) logins.push(r.url()); });
    await fillLogin('demo', creds.users['demo']?.password ?? '', 'demo');
    await page.waitForSelector('#containers-view').catch(async (err: unknown) => {
      throw new Error(`no containers view: status "${await text('#status').catch(() => '?')}": ${String(err)}`);
    });
    assert.deepEqual(logins.map((u) => new URL(u).origin), [new URL(creds.auth_url).origin]);
    assert.equal(await text('#whoami'), 'demo @ demo');
  });

  it('creates a container and uploads a file that the Swift API then serves with the same bytes', async () => {
    const name = `ks-console-${Date.now().toString(36)}`;
    await page.type('[data-field=container-name]', name);
    await page.click('#create-container button[type=submit]');
    await page.waitForSelector(`tr[data-container="${name}"]`);
    await page.click(`tr[data-container="${name}"] .open-container`);
    await page.waitForSelector('#objects-view');
    const input = await page.$('#file-input');
    assert.ok(input);
    await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(file);
    await page.waitForSelector('li.upload[data-upload="notes.bin"][data-state="done"]', { timeout: 30_000 });
    await page.waitForSelector('tr[data-object="notes.bin"]');

    const demo = creds.users['demo'];
    assert.ok(demo);
    const token = await issueToken(creds.auth_url, 'demo', demo.password, 'demo');
    const url = `${server.url}/v1/AUTH_${token.projectId}/${name}/notes.bin`;
    const got = await call(url, { token: token.token });
    assert.equal(got.status, 200);
    assert.ok(got.bytes.equals(bytes), 'the stored bytes are the file\'s');
    for (const path of [`${name}/notes.bin`, name]) {
      assert.equal((await call(`${server.url}/v1/AUTH_${token.projectId}/${path}`, { method: 'DELETE', token: token.token })).status, 204);
    }
  });

  it('a wrong password gets Keystone\'s refusal on the form, and no listing', async () => {
    await page.reload();
    await fillLogin('demo', 'not-the-password', 'demo');
    await page.waitForFunction(() => /Wrong user name, password or project/.test(document.getElementById('status')?.textContent ?? ''), { timeout: 15_000 });
    assert.equal(await page.$('#containers-view'), null);
  });

  it('a user without an operator role logs in but is refused the account listing', async () => {
    await page.reload();
    await fillLogin('member', creds.users['member']?.password ?? '', 'demo');
    await page.waitForFunction(() => /403|[Ff]orbidden|not allowed|may not/.test(document.getElementById('status')?.textContent ?? ''), { timeout: 15_000 });
    assert.equal(await page.$('tr[data-container]'), null);
  });
});
