/**
 * The built-in identity on PostgreSQL (PostgresIdentityStore) against a real server, with several
 * store handles on one database standing for several nodes: what one node writes every node reads,
 * a token issued by one node opens on another, and a revocation on one is seen by the others'
 * pollers within a second, none skipped even when many are recorded at once from several nodes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RevocationList, TokenKeyRing } from '../src/identity/tokens.js';
import { PostgresAppCredentialStore } from '../src/storage/postgres/app-credentials.js';
import { PostgresEc2CredentialStore } from '../src/storage/postgres/ec2-credentials.js';
import { ec2CredentialConformance } from '../test/helpers/ec2-conformance.js';
import { PostgresIdentityStore } from '../src/storage/postgres/identity-store.js';
import { freshDatabases } from './helpers/postgres.js';

describe('PostgresIdentityStore', () => {
  let url: string;
  let drop: () => Promise<void>;
  const opened: PostgresIdentityStore[] = [];
  let store: PostgresIdentityStore;
  /** Another node's handle on the same identity database. */
  async function node(): Promise<PostgresIdentityStore> {
    const s = await PostgresIdentityStore.open({ url });
    opened.push(s);
    return s;
  }
  before(async () => {
    const dbs = await freshDatabases('identity');
    url = dbs.urls[0] ?? '';
    drop = dbs.drop;
    store = await node();
  });
  after(async () => {
    for (const s of opened) await s.close();
    await drop();
  });

  test('projects: create, find by name and domain, list in byte order, update, delete', async () => {
    for (const [id, name] of [['p1', 'beta'], ['p2', 'Alpha'], ['p3', 'éclair'], ['p4', 'alpha']] as const) {
      await store.createProject({ id, name, domainId: 'default', description: `d-${name}`, enabled: true });
    }
    await assert.rejects(store.createProject({ id: 'p5', name: 'beta', domainId: 'default', description: '', enabled: true }),
      'a second project of the same name in one domain is refused');
    await store.createProject({ id: 'p6', name: 'beta', domainId: 'other', description: '', enabled: false });
    assert.deepEqual(await store.findProject('beta', 'other'), { id: 'p6', name: 'beta', domainId: 'other', description: '', enabled: false });
    assert.deepEqual(await store.getProject('p1'), { id: 'p1', name: 'beta', domainId: 'default', description: 'd-beta', enabled: true });
    assert.equal(await store.getProject('nope'), undefined);
    assert.deepEqual((await store.listProjects()).map((p) => p.name), ['Alpha', 'alpha', 'beta', 'beta', 'éclair']);
    await store.updateProject({ id: 'p1', name: 'gamma', domainId: 'default', description: 'new', enabled: false });
    assert.deepEqual(await (await node()).getProject('p1'), { id: 'p1', name: 'gamma', domainId: 'default', description: 'new', enabled: false },
      'another node reads the update');
    assert.equal(await store.deleteProject('p1'), true);
    assert.equal(await store.deleteProject('p1'), false);
  });

  test('users: create, password hashes, default project, update, delete', async () => {
    await store.createProject({ id: 'up', name: 'userproj', domainId: 'default', description: '', enabled: true });
    await store.createUser({ id: 'u1', name: 'alice', domainId: 'default', defaultProjectId: 'up', enabled: true }, 'hash1');
    await store.createUser({ id: 'u2', name: 'Bob', domainId: 'default', enabled: true }, 'hash2');
    const bob = await store.getUser('u2');
    assert.deepEqual(bob, { id: 'u2', name: 'Bob', domainId: 'default', enabled: true });
    assert.equal(bob && 'defaultProjectId' in bob, false, 'no default project: the key is absent');
    assert.deepEqual(await store.findUser('alice', 'default'), { id: 'u1', name: 'alice', domainId: 'default', defaultProjectId: 'up', enabled: true });
    assert.equal(await store.findUser('alice', 'other'), undefined);
    assert.equal(await store.passwordHash('u1'), 'hash1');
    await store.setPasswordHash('u1', 'hash1b');
    assert.equal(await (await node()).passwordHash('u1'), 'hash1b');
    assert.equal(await store.passwordHash('nobody'), undefined);
    assert.deepEqual((await store.listUsers()).map((u) => u.name), ['Bob', 'alice']);
    await store.updateUser({ id: 'u2', name: 'bob', domainId: 'default', defaultProjectId: 'up', enabled: false });
    assert.deepEqual(await store.getUser('u2'), { id: 'u2', name: 'bob', domainId: 'default', defaultProjectId: 'up', enabled: false });
    assert.equal(await store.deleteUser('u2'), true);
    assert.equal(await store.deleteUser('u2'), false);
    assert.equal(await store.getUser('u2'), undefined);
  });

  test('roles and assignments: filters, roles on a project, cascades', async () => {
    await store.createProject({ id: 'rp', name: 'roleproj', domainId: 'default', description: '', enabled: true });
    await store.createProject({ id: 'rq', name: 'roleproj2', domainId: 'default', description: '', enabled: true });
    await store.createUser({ id: 'ru', name: 'roleuser', domainId: 'default', enabled: true }, 'h');
    await store.createUser({ id: 'rv', name: 'roleuser2', domainId: 'default', enabled: true }, 'h');
    await store.createRole({ id: 'r-admin', name: 'admin' });
    await store.createRole({ id: 'r-member', name: 'member' });
    await store.createRole({ id: 'r-reader', name: 'reader' });
    await assert.rejects(store.createRole({ id: 'r-x', name: 'admin' }), 'role names are unique');
    assert.deepEqual(await store.findRole('member'), { id: 'r-member', name: 'member' });
    assert.deepEqual(await store.getRole('r-reader'), { id: 'r-reader', name: 'reader' });
    assert.deepEqual((await store.listRoles()).map((r) => r.name), ['admin', 'member', 'reader']);
    await store.assignRole('ru', 'rp', 'r-member');
    await store.assignRole('ru', 'rp', 'r-admin');
    await store.assignRole('ru', 'rp', 'r-admin'); // twice is harmless
    await store.assignRole('ru', 'rq', 'r-reader');
    await store.assignRole('rv', 'rp', 'r-reader');
    assert.deepEqual(await store.rolesOn('ru', 'rp'), ['admin', 'member']);
    assert.deepEqual(await store.listAssignments({ projectId: 'rp' }), [
      { userId: 'ru', projectId: 'rp', roleId: 'r-admin' }, { userId: 'ru', projectId: 'rp', roleId: 'r-member' },
      { userId: 'rv', projectId: 'rp', roleId: 'r-reader' },
    ]);
    assert.deepEqual(await store.listAssignments({ userId: 'ru', roleId: 'r-reader' }), [{ userId: 'ru', projectId: 'rq', roleId: 'r-reader' }]);
    assert.equal((await store.listAssignments({})).length, 4);
    assert.equal(await store.unassignRole('ru', 'rp', 'r-member'), true);
    assert.equal(await store.unassignRole('ru', 'rp', 'r-member'), false);
    assert.equal(await store.deleteRole('r-reader'), true);
    assert.deepEqual(await store.listAssignments({ roleId: 'r-reader' }), [], 'deleting a role removes its assignments');
    await store.deleteUser('ru');
    assert.deepEqual(await store.listAssignments({ userId: 'ru' }), [], 'deleting a user removes its assignments');
  });

  test('token keys: ids grow, the newest key always stays', async () => {
    const keys = [Buffer.alloc(32, 1), Buffer.alloc(32, 2), Buffer.alloc(32, 3)];
    for (const [i, k] of keys.entries()) await store.addTokenKey(k, 1000 + i * 100);
    const listed = await store.tokenKeys();
    assert.deepEqual(listed.map((k) => k.key), keys);
    assert.deepEqual(listed.map((k) => k.createdAt), [1000, 1100, 1200]);
    assert.ok(listed.every((k, i) => i === 0 || k.id > (listed[i - 1]?.id ?? 0)));
    await store.deleteTokenKeysBefore(1150);
    assert.deepEqual((await store.tokenKeys()).map((k) => k.createdAt), [1200]);
    await store.deleteTokenKeysBefore(99_999);
    assert.deepEqual((await store.tokenKeys()).map((k) => k.createdAt), [1200], 'the newest key is never deleted');
  });

  test('a token issued on one node opens on another; a key rotated on one is used by the other', async () => {
    const [a, b] = [await node(), await node()];
    const now = 1_750_000_000;
    const ringA = new TokenKeyRing(a);
    await ringA.rotateIfDue(now, 86_400, 3 * 86_400);
    const ringB = new TokenKeyRing(b);
    await ringB.refresh();
    const payload = {
      userId: 'u1', userName: 'alice', userDomainId: 'default', projectId: 'up', projectName: 'userproj',
      projectDomainId: 'default', roles: ['admin'], methods: ['password'], issuedAt: now, expiresAt: now + 3600, auditId: 'a1',
    };
    assert.deepEqual(await ringB.check(ringA.issue(payload), now + 1), { valid: true, payload, expired: false });
    await ringA.rotateIfDue(now + 2 * 86_400, 86_400, 3 * 86_400);
    // B has not re-read the ring: a token under A's new key makes it look again.
    assert.deepEqual(await ringB.check(ringA.issue(payload), now + 1), { valid: true, payload, expired: false });
  });

  test('revocations: recorded once, polled by id, purged when expired; seen by another node within a second', async () => {
    const [a, b] = [await node(), await node()];
    const before = await b.revocationsSince(0);
    const last = before[before.length - 1]?.id ?? 0;
    await a.revokeToken('audit-x', 2_000_000_000);
    await a.revokeToken('audit-x', 2_000_000_000);
    await a.revokeToken('audit-old', 1000);
    const seen = await b.revocationsSince(last);
    assert.deepEqual(seen.map((r) => r.auditId), ['audit-x', 'audit-old']);
    await b.purgeRevocations(1_500_000_000);
    assert.deepEqual((await a.revocationsSince(last)).map((r) => r.auditId), ['audit-x']);

    const listA = new RevocationList(a);
    const listB = new RevocationList(b);
    const token = { auditId: 'audit-live', userId: 'u', projectId: 'p', issuedAt: 1 };
    assert.equal(await listB.isRevoked(token), false);
    await listA.revoke('audit-live', 2_000_000_000);
    const started = Date.now();
    while (!(await listB.isRevoked(token))) {
      assert.ok(Date.now() - started < 1500, 'node B sees the revocation within a second');
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  test('application credentials: create once per user and name, read on another node, cascade with the user', async () => {
    await store.createProject({ id: 'acp', name: 'acproj', domainId: 'default', description: '', enabled: true });
    await store.createUser({ id: 'acu', name: 'acuser', domainId: 'default', enabled: true }, 'h');
    const creds = new PostgresAppCredentialStore(store.connection);
    const cred = {
      id: 'ac1', userId: 'acu', projectId: 'acp', name: 'backup', description: 'nightly', roles: ['member', 'reader'],
      expiresAt: 1_900_000_000, unrestricted: false, secretHash: 'scrypt$x',
    };
    assert.equal(await creds.create(cred), 'created');
    assert.equal(await creds.create({ ...cred, id: 'ac2' }), 'duplicate', 'one name per user');
    const { description: _d, expiresAt: _e, ...rest } = cred;
    const open = { ...rest, id: 'ac3', name: 'Adhoc', description: null, roles: [], unrestricted: true };
    assert.equal(await creds.create(open), 'created');
    const other = new PostgresAppCredentialStore((await node()).connection);
    assert.deepEqual(await other.get('ac1'), cred);
    assert.deepEqual(await other.get('ac3'), open);
    assert.equal(await other.get('ac3').then((c) => c && 'expiresAt' in c), false, 'never expires: the key is absent');
    assert.deepEqual(await other.findByName('acu', 'backup'), cred);
    assert.deepEqual((await other.listFor('acu')).map((c) => c.name), ['Adhoc', 'backup']);
    assert.equal(await other.delete('ac3'), true);
    assert.equal(await other.delete('ac3'), false);
    await store.deleteUser('acu');
    assert.equal(await creds.get('ac1'), undefined, 'deleting the user deletes its credentials');
  });

  test('EC2 credentials: the same conformance as the embedded store, across nodes', async () => {
    await ec2CredentialConformance(store, new PostgresEc2CredentialStore(store.connection), new PostgresEc2CredentialStore((await node()).connection));
  });

  test('many revocations at once from three nodes: a poller running meanwhile misses none', async () => {
    const nodes = [await node(), await node(), await node()];
    const poller = await node();
    const start = await poller.revocationsSince(0);
    let lastId = start[start.length - 1]?.id ?? 0;
    const seen = new Set<string>();
    let writing = true;
    const polling = (async () => {
      while (writing) {
        for (const r of await poller.revocationsSince(lastId)) { seen.add(r.auditId); lastId = r.id; }
      }
      for (const r of await poller.revocationsSince(lastId)) { seen.add(r.auditId); lastId = r.id; }
    })();
    const ids = Array.from({ length: 90 }, (_, i) => `burst-${i}`);
    await Promise.all(ids.map((id, i) => nodes[i % 3]?.revokeToken(id, 2_000_000_000)));
    writing = false;
    await polling;
    assert.deepEqual([...seen].filter((id) => id.startsWith('burst-')).sort(), [...ids].sort());
  });
});
