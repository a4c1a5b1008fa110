/**
 * The composite-token attack matrix (docs/auth-rules.md 3.1, C1–C17; tempauth mapping D1; S6 account
 * DELETE) against a real server: every token combination × every request at account, container and
 * object level on the service account SERVICE_test and on AUTH_test. Each refused request must get
 * its exact status and leave the account exactly as it was (snapshots read with a reseller admin's
 * token before and after); each allowed combination runs an owner's full script.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { COMBOS, loginAll, type Tokens } from './attack/tokens.js';
import { allowedScript, refusedCases } from './attack/matrix.js';
import { report, runCases, snapshot, type Case } from './attack/runner.js';

let server: TestServer;
let t: Tokens;

async function ok(path: string, init: RequestInit, want: number): Promise<void> {
  const res = await fetch(`${server.url}${path}`, init);
  await res.arrayBuffer();
  assert.equal(res.status, want, `${init.method ?? 'GET'} ${path}`);
}

/** The fixture a refused request would have to disturb: fix/obj with metadata, and ACL-free. */
async function seed(account: string, headers: Record<string, string>): Promise<void> {
  await ok(`/v1/${account}`, { method: 'POST', headers: { ...headers, 'X-Account-Meta-Owner': 'yes' } }, 204);
  await ok(`/v1/${account}/fix`, { method: 'PUT', headers: { ...headers, 'X-Container-Meta-Kept': 'yes' } }, 201);
  await ok(`/v1/${account}/fix/obj`, { method: 'PUT', headers: { ...headers, 'X-Object-Meta-Kept': 'yes' }, body: 'fixture bytes' }, 201);
  await ok(`/v1/${account}/fix/obj2`, { method: 'PUT', headers, body: 'second' }, 201);
}

before(async () => {
  // Account PUT/DELETE exist (R4.3), so they must be refused by authorisation, not by a 405.
  server = await startServer({ extraToml: '[swift]\nallow_account_management = true\n' });
  t = await loginAll(server.url);
  await seed('SERVICE_test', { 'X-Auth-Token': t.U, 'X-Service-Token': t.S });
  await seed('AUTH_test', { 'X-Auth-Token': t.U });
});
after(async () => { await server.stop(); });

const ownerView = () => ({ 'X-Auth-Token': t.R });

describe('composite-token matrix (auth-rules.md 3.1)', () => {
  test('allowed combinations (C1, C3, C12) can do everything an owner does but DELETE the account (S6)', async () => {
    const scripts: Case[][] = [];
    let n = 0;
    for (const combo of COMBOS) {
      if (combo.onService === 'allow') scripts.push(allowedScript(combo, t, 'SERVICE_test', n++));
      if (combo.onAuth === 'allow') scripts.push(allowedScript(combo, t, 'AUTH_test', n++));
    }
    // A script's steps depend on each other: one worker per script.
    const results = await Promise.all(scripts.map((s) => runCases(server.url, s, 1)));
    const failures = results.flat();
    assert.equal(failures.length, 0, report(failures));
    assert.ok(scripts.flat().length >= 100, `${scripts.flat().length} allowed steps`);
  });

  for (const [account, kind] of [['SERVICE_test', 'service'], ['AUTH_test', 'auth']] as const) {
    test(`every refused combination on ${account} gets its status and changes nothing`, async () => {
      const cases = refusedCases(t, account, kind);
      const before = await snapshot(server.url, account, ownerView());
      const failures = await runCases(server.url, cases);
      const afterwards = await snapshot(server.url, account, ownerView());
      assert.equal(failures.length, 0, `${failures.length} of ${cases.length} cases failed:\n${report(failures)}`);
      assert.equal(afterwards, before, `${account} changed under refused requests`);
      assert.ok(cases.length >= 500, `${cases.length} refused cases`);
    });
  }
});
