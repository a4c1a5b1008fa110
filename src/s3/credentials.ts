/**
 * Who an S3 access key is. Two kinds, as Swift's s3api with tempauth and with Keystone accepts:
 * an EC2 credential (`/v3/users/{id}/credentials/OS-EC2`) names a user and a project; a
 * tempauth-style `<project>:<user>` key is a user declared in the config file, its password the
 * secret. Either way the identity is the one a token of that user scoped to that project would
 * carry (its roles on the project, never a service token's), so the Swift API's policy decides.
 */
import type { Identity } from '../auth/identity.js';
import type { ConfigUser } from '../config/schema.js';
import type { IdentityStore } from '../identity/contracts.js';
import type { Ec2CredentialStore } from '../identity/ec2-credentials.js';
import { DEFAULT_DOMAIN } from '../identity/service.js';
import { signatureDoesNotMatch, type S3Authority } from './authority.js';
import { S3Error } from './errors.js';
import { v2SignatureMatches } from './sigv2.js';
import { v4SignatureMatches } from './sigv4.js';

export interface S3Principal {
  secret: string;
  /** The identity the request acts as (resolved after the signature is checked). */
  identity(): Promise<Identity>;
}

export interface CredentialSources {
  identity: IdentityStore;
  ec2?: Ec2CredentialStore;
  configUsers: readonly ConfigUser[];
}

/**
 * Resolved identities, reused for a few seconds: resolving one costs five identity-database reads
 * per request, which made a small S3 GET several times slower than the same GET with a token (a
 * token carries its roles sealed in it). A role removed or a user disabled reaches S3 keys within
 * IDENTITY_TTL_MS; a deleted EC2 credential stops at once (its row is read on every request).
 */
const IDENTITY_TTL_MS = 5000;
const IDENTITY_CACHE_MAX = 10_000;
const resolved = new Map<string, { identity: Identity; until: number }>();

async function cachedIdentity(key: string, resolve: () => Promise<Identity>): Promise<Identity> {
  const now = Date.now();
  const hit = resolved.get(key);
  if (hit && hit.until > now) return hit.identity;
  const identity = await resolve();
  if (resolved.size >= IDENTITY_CACHE_MAX) resolved.clear();
  resolved.set(key, { identity, until: now + IDENTITY_TTL_MS });
  return identity;
}

async function identityOf(ids: IdentityStore, userId: string, projectId: string): Promise<Identity> {
  const user = await ids.getUser(userId);
  const project = await ids.getProject(projectId);
  if (!user || !project || !user.enabled || !project.enabled) throw new S3Error('AccessDenied');
  const roles = await ids.rolesOn(user.id, project.id);
  if (roles.length === 0) throw new S3Error('AccessDenied');
  return {
    userId: user.id, userName: user.name, userDomainId: user.domainId,
    projectId: project.id, projectName: project.name, projectDomainId: project.domainId,
    roles, serviceRoles: [],
  };
}

/** The secret and identity of an access key; InvalidAccessKeyId when there is no such key. */
export async function lookupAccessKey(sources: CredentialSources, accessKey: string): Promise<S3Principal> {
  const colon = accessKey.indexOf(':');
  if (colon > 0) {
    const projectName = accessKey.slice(0, colon);
    const userName = accessKey.slice(colon + 1);
    const declared = sources.configUsers.find((u) => u.project === projectName && u.name === userName);
    if (declared) {
      return {
        secret: declared.password,
        identity: () => cachedIdentity(`config\u0000${projectName}\u0000${userName}`, async () => {
          const ids = sources.identity;
          const project = await ids.findProject(projectName, DEFAULT_DOMAIN);
          const user = await ids.findUser(userName, DEFAULT_DOMAIN);
          if (!project || !user) throw new S3Error('AccessDenied');
          return identityOf(ids, user.id, project.id);
        }),
      };
    }
  } else if (sources.ec2) {
    const cred = await sources.ec2.get(accessKey);
    if (cred) {
      return { secret: cred.secret, identity: () => cachedIdentity(`ec2\u0000${cred.userId}\u0000${cred.projectId}`, () => identityOf(sources.identity, cred.userId, cred.projectId)) };
    }
  }
  throw new S3Error('InvalidAccessKeyId', undefined, { AWSAccessKeyId: accessKey });
}

/** The built-in identity's authority: the key's secret is looked up here and the signature recomputed. */
export function localAuthority(sources: CredentialSources): S3Authority {
  return async (signed) => {
    const principal = await lookupAccessKey(sources, signed.accessKey);
    const ok = signed.stringsToSign.some((toSign) => (signed.version === 4
      ? v4SignatureMatches(principal.secret, signed.scope, toSign, signed.signature)
      : v2SignatureMatches(principal.secret, toSign, signed.signature)));
    if (!ok) throw signatureDoesNotMatch(signed);
    return { identity: await principal.identity(), secret: principal.secret };
  };
}
