/**
 * `/v3/users/{user_id}/credentials/OS-EC2[/{access}]` (Keystone's OS-EC2 extension, what
 * `openstack ec2 credentials create/list/show/delete` call): a user manages its own access/secret
 * pairs, each bound to a project it names (`tenant_id`, or `project_id`); an identity administrator
 * manages anyone's. The pair is what S3 clients sign with (src/s3/credentials.ts).
 */
import { randomBytes } from 'node:crypto';
import type { RequestContext } from '../../http/context.js';
import type { SwiftResponse } from '../../http/response.js';
import type { Ec2Credential } from '../ec2-credentials.js';
import type { TokenPayload } from '../tokens.js';
import { json, KeystoneError, readJson, str } from './http.js';
import { isAdmin, type V3Deps } from './tokens.js';

function store(deps: V3Deps) {
  if (!deps.ec2Creds) throw new KeystoneError(404, 'The resource could not be found.');
  return deps.ec2Creds;
}

function credJson(c: Ec2Credential, origin: string): Record<string, unknown> {
  return {
    user_id: c.userId, tenant_id: c.projectId, project_id: c.projectId, access: c.access, secret: c.secret, trust_id: null,
    links: { self: `${origin}/v3/users/${c.userId}/credentials/OS-EC2/${c.access}` },
  };
}

async function create(ctx: RequestContext, deps: V3Deps, userId: string): Promise<SwiftResponse> {
  const body = await readJson(ctx);
  const projectId = str(body, 'tenant_id') ?? str(body, 'project_id');
  if (!projectId) throw new KeystoneError(400, "Invalid input for field 'tenant_id': None is not of type 'string'");
  const ids = deps.identity.identityStore;
  if (!(await ids.getUser(userId))) throw new KeystoneError(404, `Could not find user: ${userId}.`);
  if (!(await ids.getProject(projectId))) throw new KeystoneError(404, `Could not find project: ${projectId}.`);
  // Keystone's access keys and secrets: 32 hex digits each.
  const cred: Ec2Credential = {
    access: randomBytes(16).toString('hex'), secret: randomBytes(16).toString('hex'), userId, projectId, createdAt: Date.now() / 1000,
  };
  if ((await store(deps).create(cred)) === 'duplicate') throw new KeystoneError(409, 'Conflict occurred attempting to store credential.');
  return json(201, { credential: credJson(cred, ctx.origin) });
}

/** Handles `/v3/users/{id}/credentials/OS-EC2…`, or undefined for any other path. */
export async function handleEc2Credentials(ctx: RequestContext, deps: V3Deps, caller: TokenPayload, parts: string[]): Promise<SwiftResponse | undefined> {
  const [collection, userId, sub, ext, access, extra] = parts;
  if (collection !== 'users' || userId === undefined || sub !== 'credentials' || ext !== 'OS-EC2' || extra !== undefined) return undefined;
  // Keystone's policy for these: the owner, or an administrator.
  if (caller.userId !== userId && !isAdmin(caller, deps.resellerAdminRole)) {
    throw new KeystoneError(403, 'You are not authorized to perform the requested action: identity:ec2_credential.');
  }
  const m = ctx.method;
  if (access === undefined) {
    if (m === 'POST') return create(ctx, deps, userId);
    if (m !== 'GET' && m !== 'HEAD') throw new KeystoneError(405, 'Method not allowed.');
    const creds = (await store(deps).listFor(userId)).map((c) => credJson(c, ctx.origin));
    return json(200, { credentials: creds, links: { self: `${ctx.origin}${ctx.rawPath}`, previous: null, next: null } });
  }
  const cred = await store(deps).get(access);
  if (!cred || cred.userId !== userId) throw new KeystoneError(404, 'Could not find credential: ' + access + '.');
  if (m === 'GET' || m === 'HEAD') return json(200, { credential: credJson(cred, ctx.origin) });
  if (m === 'DELETE') {
    await store(deps).delete(access);
    return { status: 204, headers: {}, body: '' };
  }
  throw new KeystoneError(405, 'Method not allowed.');
}
