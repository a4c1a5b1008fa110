/**
 * What every EC2 credential store must do (SQLite and PostgreSQL alike): keep a pair under its
 * access key, list a user's pairs, refuse a taken key, delete, and lose the pairs of a deleted user
 * or project.
 */
import assert from 'node:assert/strict';
import type { IdentityStore } from '../../src/identity/contracts.js';
import type { Ec2CredentialStore } from '../../src/identity/ec2-credentials.js';

export async function ec2CredentialConformance(ids: IdentityStore, creds: Ec2CredentialStore, another: Ec2CredentialStore): Promise<void> {
  await ids.createProject({ id: 'ec2p', name: 'ec2proj', domainId: 'default', description: '', enabled: true });
  await ids.createProject({ id: 'ec2q', name: 'ec2proj2', domainId: 'default', description: '', enabled: true });
  await ids.createUser({ id: 'ec2u', name: 'ec2user', domainId: 'default', enabled: true }, 'h');
  await ids.createUser({ id: 'ec2v', name: 'ec2user2', domainId: 'default', enabled: true }, 'h');
  const a = { access: 'AK1', secret: 's1', userId: 'ec2u', projectId: 'ec2p', createdAt: 1_800_000_000.5 };
  const b = { access: 'AK2', secret: 's2', userId: 'ec2u', projectId: 'ec2q', createdAt: 1_800_000_001 };
  const c = { access: 'AK3', secret: 's3', userId: 'ec2v', projectId: 'ec2p', createdAt: 1_800_000_002 };
  assert.equal(await creds.create(a), 'created');
  assert.equal(await creds.create(b), 'created');
  assert.equal(await creds.create(c), 'created');
  assert.equal(await creds.create({ ...c, secret: 'other' }), 'duplicate', 'an access key names one pair');
  assert.deepEqual(await another.get('AK1'), a, 'read back as written, by another handle');
  assert.equal(await another.get('nope'), undefined);
  assert.deepEqual((await another.listFor('ec2u')).map((x) => x.access), ['AK1', 'AK2']);
  assert.equal(await creds.delete('AK2'), true);
  assert.equal(await creds.delete('AK2'), false);
  assert.deepEqual((await creds.listFor('ec2u')).map((x) => x.access), ['AK1']);
  await ids.deleteUser('ec2u');
  assert.equal(await creds.get('AK1'), undefined, 'deleting the user deletes its pairs');
  await ids.deleteProject('ec2p');
  assert.equal(await creds.get('AK3'), undefined, 'deleting the project deletes its pairs');
}
