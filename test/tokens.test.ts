/**
 * Sealed tokens (src/identity/tokens.ts) over the SQLite identity store: round trip, tampering,
 * expiry, rotation, dropped keys, several nodes on one database; and through HTTP, a token issued by
 * one server is accepted by another server on the same data directory.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenKeyRing, type TokenPayload } from '../src/identity/tokens.js';
import { openDatabase, type Db } from '../src/storage/sqlite/database.js';
import { SqliteIdentityStore } from '../src/storage/sqlite/identity-store.js';
import { startServer } from './helpers/server.js';
import { call, login } from './helpers/swift.js';

const dir = mkdtempSync(join(tmpdir(), 'swiftlet-tokens-'));
const dbs: Db[] = [];
after(() => {
  for (const db of dbs) db.close();
  rmSync(dir, { recursive: true, force: true });
});
let n = 0;
/** A fresh database file, and a function opening another "node" (connection + key ring) on it. */
function freshDb(): { file: string; node: (options?: { refreshAfterMs?: number }) => { ring: TokenKeyRing; store: SqliteIdentityStore } } {
  const file = join(dir, `id${++n}.db`);
  return {
    file,
    node: (options) => {
      const db = openDatabase(file);
      dbs.push(db);
      const store = new SqliteIdentityStore(db);
      return { ring: new TokenKeyRing(store, options), store };
    },
  };
}

const NOW = 1_750_000_000;
const DAY = 86_400;
function payload(extra: Partial<TokenPayload> = {}): TokenPayload {
  return {
    userId: 'u1', userName: 'tester', userDomainId: 'default', projectId: 'p1', projectName: 'test',
    projectDomainId: 'default', roles: ['admin', 'member'], methods: ['password'], issuedAt: NOW, expiresAt: NOW + 3600,
    auditId: 'audit-1', ...extra,
  };
}
function keyIdOf(token: string): number {
  return Buffer.from(token.slice(2), 'base64url').readUInt32BE(1);
}

describe('TokenKeyRing', () => {
  test('issue before any key exists fails loudly', async () => {
    const { ring } = freshDb().node();
    await ring.refresh();
    assert.throws(() => ring.issue(payload()), /no token key/);
  });

  test('issue → check round trip returns the payload, not expired', async () => {
    const { ring } = freshDb().node();
    await ring.rotateIfDue(NOW, DAY, 3 * DAY);
    const p = payload();
    const token = ring.issue(p);
    assert.match(token, /^gS[A-Za-z0-9_-]+$/);
    assert.ok(token.length < 1024, `token length ${token.length}`);
    assert.deepEqual(await ring.check(token, NOW + 10), { valid: true, payload: p, expired: false });
    assert.notEqual(ring.issue(p), token, 'a fresh IV makes every token distinct');
    const bare = payload({ roles: [], methods: ['token'] });
    delete bare.projectId; delete bare.projectName; delete bare.projectDomainId;
    assert.deepEqual(await ring.check(ring.issue(bare), NOW), { valid: true, payload: bare, expired: false });
  });

  test('tampered, truncated or foreign tokens are invalid', async () => {
    const { ring } = freshDb().node();
    await ring.rotateIfDue(NOW, DAY, 3 * DAY);
    const token = ring.issue(payload());
    const raw = Buffer.from(token.slice(2), 'base64url');
    const flip = (i: number) => { const b = Buffer.from(raw); b[i] = (b[i] ?? 0) ^ 1; return `gS${b.toString('base64url')}`; };
    for (const i of [0, 1, 4, 5, 16, 17, 30, raw.length - 17, raw.length - 1]) {
      assert.deepEqual(await ring.check(flip(i), NOW), { valid: false }, `byte ${i} flipped`);
    }
    for (const bad of [
      '', 'gS', token.slice(0, -4), token.slice(0, 40), `xx${token.slice(2)}`, token.slice(2), `${token}AAAA`,
      `gS${'A'.repeat(5000)}`, 'AUTH_tk0123456789abcdef0123456789abcdef', 'gS!!!!not-base64!!!!',
    ]) {
      assert.deepEqual(await ring.check(bad, NOW), { valid: false }, JSON.stringify(bad.slice(0, 60)));
    }
    assert.equal((await ring.check(token, NOW)).valid, true, 'the original still opens');
  });

  test('expired tokens open but are flagged expired (callers decide)', async () => {
    const { ring } = freshDb().node();
    await ring.rotateIfDue(NOW, DAY, 3 * DAY);
    const token = ring.issue(payload({ expiresAt: NOW + 100 }));
    assert.deepEqual(await ring.check(token, NOW + 99), { valid: true, payload: payload({ expiresAt: NOW + 100 }), expired: false });
    const atExpiry = await ring.check(token, NOW + 100);
    assert.equal(atExpiry.valid, true);
    assert.equal(atExpiry.valid && atExpiry.expired, true);
    const later = await ring.check(token, NOW + 10 * DAY);
    assert.equal(later.valid && later.expired, true);
  });

  test('rotation adds a new primary key only when due and keeps old tokens valid', async () => {
    const { ring, store } = freshDb().node();
    await ring.rotateIfDue(NOW, DAY, 3 * DAY);
    const old = ring.issue(payload());
    await ring.rotateIfDue(NOW + 100, DAY, 3 * DAY);
    assert.equal((await store.tokenKeys()).length, 1, 'not due yet: no new key');
    assert.equal(keyIdOf(ring.issue(payload())), keyIdOf(old));

    await ring.rotateIfDue(NOW + DAY, DAY, 3 * DAY);
    assert.equal((await store.tokenKeys()).length, 2);
    const fresh = ring.issue(payload());
    assert.notEqual(keyIdOf(fresh), keyIdOf(old), 'new tokens use the new primary key');
    assert.equal((await ring.check(old, NOW + 10)).valid, true, 'tokens of the previous key still open');
    assert.equal((await ring.check(fresh, NOW + 10)).valid, true);
  });

  test('a token whose key was dropped from the ring is invalid', async () => {
    const { ring, store } = freshDb().node();
    await ring.rotateIfDue(NOW, DAY, 3 * DAY);
    const old = ring.issue(payload());
    await ring.rotateIfDue(NOW + DAY, DAY, 3 * DAY);
    const middle = ring.issue(payload());
    // Four days on, keys older than three days go; the newest key always stays.
    await ring.rotateIfDue(NOW + 4 * DAY, DAY, 3 * DAY);
    assert.equal((await store.tokenKeys()).length, 2);
    assert.deepEqual(await ring.check(old, NOW), { valid: false });
    assert.equal((await ring.check(middle, NOW)).valid, true);
    // Even with nothing due, the newest key is never dropped.
    await ring.rotateIfDue(NOW + 4 * DAY + 1, 100 * DAY, 0);
    assert.equal((await store.tokenKeys()).length, 1);
    assert.equal((await ring.check(ring.issue(payload()), NOW)).valid, true);
  });

  test('another node on the same database opens tokens of the first, also after the first rotates', async () => {
    const db = freshDb();
    const a = db.node().ring;
    await a.rotateIfDue(NOW, DAY, 3 * DAY);
    const b = db.node().ring;
    await b.refresh();
    const t1 = a.issue(payload({ auditId: 't1' }));
    assert.deepEqual(await b.check(t1, NOW), { valid: true, payload: payload({ auditId: 't1' }), expired: false });
    // Node A rotates; node B has never seen the new key and must pick it up on first sight.
    await a.rotateIfDue(NOW + DAY, DAY, 3 * DAY);
    const t2 = a.issue(payload({ auditId: 't2' }));
    assert.deepEqual(await b.check(t2, NOW), { valid: true, payload: payload({ auditId: 't2' }), expired: false });
    // And B's own tokens open on A.
    const t3 = b.issue(payload({ auditId: 't3' }));
    assert.equal((await a.check(t3, NOW)).valid, true);
  });

  test('a key dropped by one node stops opening tokens on the other nodes too', async () => {
    const db = freshDb();
    const a = db.node().ring;
    await a.rotateIfDue(NOW, DAY, 3 * DAY);
    const b = db.node({ refreshAfterMs: 50 }).ring;
    await b.refresh();
    const old = a.issue(payload());
    assert.equal((await b.check(old, NOW)).valid, true);
    await a.rotateIfDue(NOW + DAY, DAY, 3 * DAY);
    await a.rotateIfDue(NOW + 5 * DAY, DAY, 3 * DAY);
    assert.deepEqual(await a.check(old, NOW), { valid: false });
    await new Promise((r) => setTimeout(r, 120));
    assert.deepEqual(await b.check(old, NOW), { valid: false }, 'node B must not keep honouring a dropped key');
    // B also issues with the newest key once it has refreshed.
    const fromB = b.issue(payload());
    assert.equal(keyIdOf(fromB), keyIdOf(a.issue(payload())));
  });

  test('a node keeps up with rotations made elsewhere when it only issues tokens', async () => {
    const db = freshDb();
    const a = db.node().ring;
    await a.rotateIfDue(NOW, DAY, 3 * DAY);
    const b = db.node({ refreshAfterMs: 50 }).ring;
    await b.refresh();
    const before = keyIdOf(b.issue(payload()));
    await a.rotateIfDue(NOW + DAY, DAY, 3 * DAY);
    await new Promise((r) => setTimeout(r, 120));
    b.issue(payload()); // notices it is stale
    await new Promise((r) => setTimeout(r, 20));
    const afterRotation = keyIdOf(b.issue(payload()));
    assert.notEqual(afterRotation, before, 'B moved to the new primary key');
  });
});

/** A GET with a fresh connection each time (no keep-alive), so cluster spreads requests over workers. */
function getFresh(url: string, token: string): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    const req = request(url, { agent: false, headers: { 'X-Auth-Token': token, Connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolveStatus(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('tokens through HTTP', () => {
  test('a token from server A is accepted by server B on the same data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'swiftlet-tokens-http-'));
    try {
      const a = await startServer({ dataDir, keepData: true });
      let session;
      try {
        session = await login(a.url, 'test:tester', 'testing');
        assert.equal((await call(`${session.storageUrl}/shared`, { method: 'PUT', token: session.token })).status, 201);
      } finally {
        await a.stop();
      }
      const b = await startServer({ dataDir, keepData: true });
      try {
        const storageUrl = session.storageUrl.replace(a.url, b.url);
        const res = await call(`${storageUrl}?format=json`, { token: session.token });
        assert.equal(res.status, 200);
        assert.deepEqual((JSON.parse(res.text) as { name: string }[]).map((c) => c.name), ['shared']);
        assert.equal((await call(storageUrl, { token: `${session.token.slice(0, -3)}AAA` })).status, 401, 'a tampered token is refused');
      } finally {
        await b.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('with two workers, tokens issued by either worker are accepted by both', async () => {
    const server = await startServer({ workers: 2 });
    try {
      const sessions = [];
      for (let i = 0; i < 6; i++) sessions.push(await login(server.url, 'test:tester', 'testing'));
      const statuses: number[] = [];
      for (const s of sessions) for (let i = 0; i < 4; i++) statuses.push(await getFresh(s.storageUrl, s.token));
      assert.deepEqual(statuses, statuses.map(() => 204));
      assert.equal(await getFresh(sessions[0]?.storageUrl ?? '', 'gSnot-a-token'), 401);
    } finally {
      await server.stop();
    }
  });
});
