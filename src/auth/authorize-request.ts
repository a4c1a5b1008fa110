/**
 * The HTTP side of authorisation: gathers the facts the pure policy needs (stored container and
 * account ACLs, the Referer), applies its verdict (401 with a realm, or 403), and cleans the ACL
 * headers an owner sets (400 on a bad ACL, docs/auth-rules.md R5.1 / R6.2).
 */
import type { Services, Target } from '../controllers/services.js';
import type { RequestContext } from '../http/context.js';
import { SwiftError } from '../http/errors.js';
import { memoAccount, memoContainer } from '../storage/request-memo.js';
import { AclError, cleanAcl, formatAccountAcl, parseAccountAcl, type AccountAcl } from './acl.js';
import { authorize, isResellerRequest, type AuthzRequest } from './policy.js';
import type { PolicyConfig } from './policy-config.js';

export const ACCOUNT_ACL_HEADER = 'x-account-access-control';

/** The stored account ACL (section 6); a damaged one grants nothing (tempauth test_bad_acls_get_denied). */
export function storedAccountAcl(raw: string | undefined): AccountAcl | undefined {
  if (!raw) return undefined;
  try {
    return parseAccountAcl(raw);
  } catch {
    return undefined; // only valid ACLs are ever stored; a damaged one grants nothing
  }
}

/**
 * Authorises the request or throws 401/403; returns whether the caller is the owner (swift_owner)
 * and whether this is a reseller request (R4.4).
 */
export async function authorizeRequest(
  ctx: RequestContext, target: Target, s: Services, policy: PolicyConfig,
): Promise<{ owner: boolean; reseller: boolean }> {
  // A request an earlier middleware authorised itself (R2.11: an override; a temporary URL's
  // signature, versioned writes' archive copies): the policy and any token are not consulted, and
  // nothing outside the granted scope is allowed.
  if (ctx.grantScope) {
    const scope = ctx.grantScope;
    if (target.account === scope.account && (scope.container === undefined || target.container === scope.container)) {
      return { owner: false, reseller: false };
    }
    throw unauthorized(target.account);
  }
  const req: AuthzRequest = { method: ctx.method, account: target.account };
  if (target.container !== undefined) req.container = target.container;
  if (target.object !== undefined) req.object = target.object;
  if (ctx.headers['referer'] !== undefined) req.referrer = ctx.headers['referer'];
  if (ctx.method !== 'OPTIONS') {
    const account = await memoAccount(ctx, s.meta, target.account);
    if (account) req.accountDomain = account.metadata['x-account-sysmeta-project-domain-id'] ?? '';
    const acl = storedAccountAcl(account?.metadata[ACCOUNT_ACL_HEADER]);
    if (acl) req.accountAcl = acl;
    if (target.container !== undefined) {
      const container = await memoContainer(ctx, s.meta, target.account, target.container);
      const read = container?.metadata['x-container-read'];
      const write = container?.metadata['x-container-write'];
      if (read) req.containerRead = read;
      if (write) req.containerWrite = write;
      // S8: Swift's proxy hands the container's sync key to authorisation on object PUT and DELETE only.
      const storedKey = container?.metadata['x-container-sync-key'];
      if (storedKey && target.object !== undefined && (ctx.method === 'PUT' || ctx.method === 'DELETE')) {
        req.containerSync = { storedKey, timestamp: ctx.headers['x-timestamp'] !== undefined };
        const presented = ctx.headers['x-container-sync-key'];
        if (presented !== undefined) req.containerSync.presentedKey = presented;
      }
    }
  }
  const decision = authorize(ctx.identity, req, policy);
  if (!decision.allow) {
    if (decision.status === 401) throw unauthorized(target.account);
    throw new SwiftError('Forbidden');
  }
  if (decision.owner) cleanAclHeaders(ctx, target);
  return { owner: decision.owner, reseller: isResellerRequest(ctx.identity, policy) };
}

/** 401 with Swift's challenge: the realm is the account. */
export function unauthorized(account: string): SwiftError {
  return new SwiftError('Unauthorized', {}, { 'WWW-Authenticate': `Swift realm="${encodeURIComponent(account)}"` });
}

/** Normalises ACL headers of an owner's container or account write, or refuses them with 400. */
function cleanAclHeaders(ctx: RequestContext, target: Target): void {
  if (ctx.method !== 'PUT' && ctx.method !== 'POST') return;
  try {
    if (target.container !== undefined && target.object === undefined) {
      for (const h of ['x-container-read', 'x-container-write']) {
        const v = ctx.headers[h];
        if (v !== undefined) ctx.headers[h] = cleanAcl(h, v);
      }
    }
    if (target.container === undefined) {
      const v = ctx.headers[ACCOUNT_ACL_HEADER];
      if (v !== undefined) ctx.headers[ACCOUNT_ACL_HEADER] = formatAccountAcl(parseAccountAcl(v));
    }
  } catch (err) {
    if (!(err instanceof AclError)) throw err;
    if (target.container === undefined) {
      const raw = ctx.headers[ACCOUNT_ACL_HEADER] ?? '';
      throw new SwiftError('BadRequestMessage', { message: `X-Account-Access-Control invalid: ${err.message}\n\nInput: ${raw}\n` });
    }
    throw new SwiftError('BadAcl', { message: err.message });
  }
}
