/**
 * Indirect routes into a service account (D10, K1, C2), against a real server with domain remap:
 * COPY, X-Copy-From, symlinks, SLO, DLO, bulk delete/extract, tempurl and formpost signed with the
 * AUTH_ account's key, staticweb, ?version-id, path tricks and Host tricks, each made without the
 * service token. Each gets its status and never the service bytes, and SERVICE_test is unchanged
 * (snapshot before and after). The same routes with both tokens do reach the data, so the refusals
 * are the authorisation's and not a broken route's.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { loginAll, type Tokens } from './attack/tokens.js';
import { report, runCases, snapshot, type Case } from './attack/runner.js';
import { AUTH_KEY, REMAP_DOMAIN, SECRET, indirectCases } from './attack/indirect.js';

let server: TestServer;
let t: Tokens;

async function ok(path: string, headers: Record<string, string>, method: string, want: number, body?: string): Promise<void> {
  const res = await fetch(`${server.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  assert.equal(res.status, want, `${method} ${path}: ${text}`);
}

before(async () => {
  server = await startServer({ extraToml: `[domain_remap]\nstorage_domain = "${REMAP_DOMAIN}"\n` });
  t = await loginAll(server.url);
  const both = { 'X-Auth-Token': t.U, 'X-Service-Token': t.S };
  const u = { 'X-Auth-Token': t.U };
  await ok('/v1/SERVICE_test/sec', both, 'PUT', 201);
  await ok('/v1/SERVICE_test/sec/secret', both, 'PUT', 201, SECRET);
  await ok('/v1/SERVICE_test/sec/seg-1', both, 'PUT', 201, SECRET);
  await ok('/v1/SERVICE_test/sec/slo?multipart-manifest=put', both, 'PUT', 201, JSON.stringify([{ path: '/sec/seg-1' }]));
  await ok('/v1/SERVICE_test/sec/dlo', { ...both, 'X-Object-Manifest': 'sec/seg' }, 'PUT', 201, '');
  await ok('/v1/AUTH_test', { ...u, 'X-Account-Meta-Temp-URL-Key': AUTH_KEY }, 'POST', 204);
  await ok('/v1/AUTH_test/pub', u, 'PUT', 201);
  await ok('/v1/AUTH_test/pub/src', u, 'PUT', 201, 'public bytes');
  await ok('/v1/AUTH_test/pub/link', { ...u, 'X-Symlink-Target': 'sec/secret', 'X-Symlink-Target-Account': 'SERVICE_test' }, 'PUT', 201, '');
  await ok('/v1/AUTH_test/pub/link2', { ...u, 'X-Symlink-Target': 'pub/link' }, 'PUT', 201, '');
  await ok('/v1/AUTH_test/pub/dlo-via-link', { ...u, 'X-Object-Manifest': 'pub/link' }, 'PUT', 201, '');
});
after(async () => { await server.stop(); });

describe('indirect routes into SERVICE_ without the service token (D10, K1)', () => {
  test('each is refused, never yields the service bytes, and SERVICE_test is unchanged', async () => {
    const cases = indirectCases(t.U);
    const owner = { 'X-Auth-Token': t.R };
    const before = await snapshot(server.url, 'SERVICE_test', owner);
    const failures = await runCases(server.url, cases);
    const afterwards = await snapshot(server.url, 'SERVICE_test', owner);
    assert.equal(failures.length, 0, `${failures.length} of ${cases.length} cases failed:\n${report(failures)}`);
    assert.equal(afterwards, before, 'SERVICE_test changed under refused requests');
    assert.ok(cases.length >= 250, `${cases.length} cases`);
  });

  test('the same routes with both tokens reach the service data (the refusals above are authorisation)', async () => {
    const both = { 'X-Auth-Token': t.U, 'X-Service-Token': t.S };
    const reach: Case[] = [
      { name: 'symlink GET', method: 'GET', path: '/v1/AUTH_test/pub/link', headers: both, expect: 200, bodyIncludes: SECRET },
      { name: 'symlink to symlink GET', method: 'GET', path: '/v1/AUTH_test/pub/link2', headers: both, expect: 200, bodyIncludes: SECRET },
      { name: 'SLO GET', method: 'GET', path: '/v1/SERVICE_test/sec/slo', headers: both, expect: 200, bodyIncludes: SECRET },
      { name: 'DLO GET', method: 'GET', path: '/v1/SERVICE_test/sec/dlo', headers: both, expect: 200, bodyIncludes: SECRET },
      { name: 'domain remap GET', method: 'GET', path: '/secret', host: `sec.SERVICE-test.${REMAP_DOMAIN}`, headers: both, expect: 200, bodyIncludes: SECRET },
      { name: 'X-Copy-From SERVICE_', method: 'PUT', path: '/v1/AUTH_test/pub/copied', headers: { ...both, 'X-Copy-From': 'sec/secret', 'X-Copy-From-Account': 'SERVICE_test' }, body: '', expect: 201 },
      { name: 'COPY into SERVICE_', method: 'COPY', path: '/v1/AUTH_test/pub/src', headers: { ...both, Destination: 'sec/from-auth', 'Destination-Account': 'SERVICE_test' }, expect: 201 },
    ];
    const failures = await runCases(server.url, reach, 1);
    assert.equal(failures.length, 0, report(failures));
  });
});
