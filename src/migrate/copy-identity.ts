/**
 * Identity's part of `swiftlet migrate`: roles, projects, users with their password hashes,
 * assignments, application credentials, the token key ring (under the same ids, so tokens issued by
 * the embedded server stay valid) and revocations (so revoked tokens stay revoked). Every step skips
 * what the destination already holds, so a rerun adds nothing.
 */
import type { AppCredentialStore } from '../identity/app-credentials.js';
import type { IdentityStore } from '../identity/contracts.js';

export interface IdentityCopyCounts { projects: number; users: number; roles: number; assignments: number; appCredentials: number; tokenKeys: number; revocations: number }

export class MigrationConflict extends Error {}

export async function copyIdentity(
  from: { identity: IdentityStore; appCreds: AppCredentialStore },
  to: { identity: IdentityStore; appCreds: AppCredentialStore },
): Promise<IdentityCopyCounts> {
  const added: IdentityCopyCounts = { projects: 0, users: 0, roles: 0, assignments: 0, appCredentials: 0, tokenKeys: 0, revocations: 0 };
  for (const role of await from.identity.listRoles()) {
    if (await to.identity.getRole(role.id)) continue;
    const same = await to.identity.findRole(role.name);
    if (same) throw new MigrationConflict(`role "${role.name}" exists in the destination with another id (${same.id}, source ${role.id}); migrate into a cluster no node has started on yet`);
    await to.identity.createRole(role);
    added.roles++;
  }
  for (const project of await from.identity.listProjects()) {
    if (await to.identity.getProject(project.id)) continue;
    const same = await to.identity.findProject(project.name, project.domainId);
    if (same) throw new MigrationConflict(`project "${project.name}" exists in the destination with another id (${same.id}, source ${project.id}); migrate into a cluster no node has started on yet`);
    await to.identity.createProject(project);
    added.projects++;
  }
  for (const user of await from.identity.listUsers()) {
    const hash = await from.identity.passwordHash(user.id);
    if (hash === undefined) continue;
    if (await to.identity.getUser(user.id)) {
      // A password changed on the source between two runs follows.
      if ((await to.identity.passwordHash(user.id)) !== hash) await to.identity.setPasswordHash(user.id, hash);
      continue;
    }
    const same = await to.identity.findUser(user.name, user.domainId);
    if (same) throw new MigrationConflict(`user "${user.name}" exists in the destination with another id (${same.id}, source ${user.id}); migrate into a cluster no node has started on yet`);
    await to.identity.createUser(user, hash);
    added.users++;
  }
  const existing = new Set((await to.identity.listAssignments({})).map((a) => `${a.userId} ${a.projectId} ${a.roleId}`));
  for (const a of await from.identity.listAssignments({})) {
    if (existing.has(`${a.userId} ${a.projectId} ${a.roleId}`)) continue;
    await to.identity.assignRole(a.userId, a.projectId, a.roleId);
    added.assignments++;
  }
  for (const user of await from.identity.listUsers()) {
    for (const cred of await from.appCreds.listFor(user.id)) {
      if ((await to.appCreds.create(cred)) === 'created') added.appCredentials++;
    }
  }
  for (const key of await from.identity.tokenKeys()) {
    const outcome = await to.identity.importTokenKey(key);
    if (outcome === 'conflict') throw new MigrationConflict(`token key ${key.id} exists in the destination with other bytes; migrate into a cluster no node has started on yet`);
    if (outcome === 'added') added.tokenKeys++;
  }
  const now = Date.now() / 1000;
  const known = new Set((await to.identity.revocationsSince(0)).map((r) => r.auditId));
  for (const r of await from.identity.revocationsSince(0)) {
    if (r.expiresAt <= now || known.has(r.auditId)) continue;
    await to.identity.revokeToken(r.auditId, r.expiresAt);
    added.revocations++;
  }
  return added;
}
