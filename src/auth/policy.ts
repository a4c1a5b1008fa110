/**
 * The authorisation decision, a pure function of (identity, request facts, settings): no I/O, no
 * HTTP objects. It follows keystoneauth's order (docs/auth-rules.md section 3, S1–S14) for every identity mode
 * (D1), with Swiftlet's additions: prefix reader roles (D6), account ACLs in every mode (D8), and
 * `<PREFIX>_acl_requires_service_token` (D5). The `rule` of a decision names the step that decided,
 * for logs and tests.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { parseAcl, referrerAllowed, type AccountAcl } from './acl.js';
import type { Identity } from './identity.js';
import type { PolicyConfig, PrefixRules } from './policy-config.js';
import { accountBelongsTo, prefixOf } from './prefixes.js';

export interface AuthzRequest {
  method: string;
  account: string;
  container?: string;
  object?: string;
  /** Stored container ACLs (cleaned), when the request names a container. */
  containerRead?: string;
  containerWrite?: string;
  /** Stored account ACL (section 6). */
  accountAcl?: AccountAcl;
  /** The Referer header, for `.r:` ACLs. */
  referrer?: string;
  /**
   * The account's recorded project domain (R4.6): '' when none is recorded, undefined when the
   * account does not exist. Names in ACLs count on foreign accounts only in the default domain (R4.7).
   */
  accountDomain?: string;
  /**
   * S8 container sync: the container's stored `X-Container-Sync-Key` (given only for object PUT and
   * DELETE, the requests Swift's proxy checks it on), the key the request presented, and whether the
   * request carries an `X-Timestamp` (after the gatekeeper, which moves a client's aside).
   */
  containerSync?: { storedKey: string; presentedKey?: string; timestamp: boolean };
}

export type Decision =
  | { allow: true; owner: boolean; rule: string }
  | { allow: false; status: 401 | 403; rule: string };

const READ_METHODS = new Set(['GET', 'HEAD']);
const DEFAULT_DOMAIN = 'default';

function holds(held: readonly string[], wanted: readonly string[]): boolean {
  return wanted.length > 0 && held.some((r) => wanted.includes(r.toLowerCase()));
}

const allow = (owner: boolean, rule: string): Decision => ({ allow: true, owner, rule });
const deny = (status: 401 | 403, rule: string): Decision => ({ allow: false, status, rule });

/** The container ACL that applies to this request (docs/auth-rules.md section 3 "Inputs"). */
function applicableAcl(req: AuthzRequest): string | undefined {
  if (req.container === undefined) return undefined;
  if (READ_METHODS.has(req.method)) return req.containerRead;
  if (req.object !== undefined && ['PUT', 'POST', 'DELETE'].includes(req.method)) return req.containerWrite;
  return undefined;
}

/** R5.4: a referrer grant covers object reads, and container reads only with `.rlistings`. */
function referrerGrants(req: AuthzRequest, acl: string | undefined): 'allow' | 'denied' | 'none' {
  const parsed = parseAcl(acl);
  if (parsed.referrers.length === 0 || !READ_METHODS.has(req.method)) return 'none';
  if (!referrerAllowed(req.referrer, parsed.referrers)) return 'none';
  return req.object !== undefined || parsed.groups.includes('.rlistings') ? 'allow' : 'denied';
}

/**
 * R4.7: names may match in ACLs only for identities wholly in the default domain, and on an account
 * that is the identity's own or that exists with no recorded domain or the default one.
 */
function namesAllowed(id: Identity, own: boolean, accountDomain: string | undefined): boolean {
  if (!inDefaultDomain(id)) return false;
  return own || (accountDomain !== undefined && (accountDomain === '' || accountDomain === DEFAULT_DOMAIN));
}

/** Whether the identity's user and project are both in the default domain (or name none). */
function inDefaultDomain(id: Identity): boolean {
  return (!id.userDomainId || id.userDomainId === DEFAULT_DOMAIN) && (!id.projectDomainId || id.projectDomainId === DEFAULT_DOMAIN);
}

/** R5.5: `<project>:<user>` with ids, names (when allowed) or `*`. */
function crossTenantMatch(id: Identity, groups: readonly string[], names: boolean): boolean {
  const projects = ['*', ...(id.projectId ? [id.projectId] : []), ...(names && id.projectName ? [id.projectName] : [])];
  const users = ['*', id.userId, ...(names ? [id.userName] : [])];
  return projects.some((p) => users.some((u) => groups.includes(`${p}:${u}`)));
}

/**
 * S8: a container-sync request: the container has a (non-empty) sync key, the request presents the
 * same key, and carries an X-Timestamp. Compared in constant time; anything missing fails closed.
 */
export function containerSyncAllowed(req: AuthzRequest): boolean {
  const sync = req.containerSync;
  if (!sync || !sync.timestamp || !sync.storedKey || sync.presentedKey === undefined || sync.presentedKey === '') return false;
  if (req.object === undefined || (req.method !== 'PUT' && req.method !== 'DELETE')) return false;
  const digest = (v: string) => createHash('sha256').update(v, 'utf8').digest();
  return timingSafeEqual(digest(sync.storedKey), digest(sync.presentedKey));
}

/**
 * R4.4 / R2.10: a request by a token holding the reseller admin role is a "reseller request",
 * whatever its path: it may see and set `X-Container-Sharding`.
 */
export function isResellerRequest(identity: Identity | undefined, cfg: PolicyConfig): boolean {
  return identity !== undefined && identity.roles.some((r) => r.toLowerCase() === cfg.resellerAdminRole);
}

/** D8: the best grant an account ACL gives this identity (section 6). */
function accountAclGrant(id: Identity, acl: AccountAcl | undefined): 'admin' | 'read-write' | 'read-only' | undefined {
  if (!acl) return undefined;
  const names = new Set<string>();
  for (const p of [id.projectId, id.projectName]) {
    if (!p) continue;
    names.add(p);
    for (const u of [id.userId, id.userName]) names.add(`${p}:${u}`);
  }
  const matches = (list: readonly string[]) => list.some((e) => names.has(e));
  if (matches(acl.admin)) return 'admin';
  if (matches(acl['read-write'])) return 'read-write';
  if (matches(acl['read-only'])) return 'read-only';
  return undefined;
}

/** D5: on prefixes that ask for it, ACLs only count when the request also carries a service role. */
function aclsUsable(id: Identity | undefined, rules: PrefixRules | undefined): boolean {
  if (!rules?.aclRequiresServiceToken) return true;
  return id !== undefined && holds(id.serviceRoles, rules.serviceRoles);
}

/**
 * R5.6, built-in identity, tempauth's groups: an ACL entry naming the identity's project (tempauth's
 * `<account>` group, every user of it; names only in the default domain, R4.7), or its first-prefix
 * account `<PREFIX><project id>` (the `.admin` users' account-id group: operators only).
 */
function accountNameMatch(id: Identity, groups: readonly string[], cfg: PolicyConfig): boolean {
  if (!cfg.accountNameGrantees || id.projectId === undefined) return false;
  if (inDefaultDomain(id) && id.projectName !== undefined && groups.includes(id.projectName)) return true;
  const first = cfg.prefixes[0];
  const rules = first === undefined ? undefined : cfg.rules.get(first);
  if (first === undefined || !rules || !groups.includes(first + id.projectId)) return false;
  return holds(id.roles, rules.operatorRoles);
}

/**
 * Two passes, as Swift's proxy (docs/auth-rules.md section 3, "Two passes"): first without the container's ACL
 * and sync key (the proxy authorises before it has read the container), and only when that denies,
 * again with them (the controllers' delay_denial re-check). An operator or the reseller admin is
 * therefore the owner even where a public ACL would have let them in earlier in the order.
 */
export function authorize(identity: Identity | undefined, req: AuthzRequest, cfg: PolicyConfig): Decision {
  if (req.containerRead === undefined && req.containerWrite === undefined && req.containerSync === undefined) {
    return decide(identity, req, cfg);
  }
  const { containerRead: _read, containerWrite: _write, containerSync: _sync, ...withoutContainerAcl } = req;
  const first = decide(identity, withoutContainerAcl, cfg);
  return first.allow ? first : decide(identity, req, cfg);
}

function decide(identity: Identity | undefined, req: AuthzRequest, cfg: PolicyConfig): Decision {
  // S1: OPTIONS (CORS pre-flight) carries no token and is always allowed.
  if (req.method === 'OPTIONS') return allow(false, 'S1');
  const prefix = prefixOf(req.account, cfg.prefixes);
  const rules = prefix === undefined ? undefined : cfg.rules.get(prefix);
  const acl = applicableAcl(req);
  const isRead = READ_METHODS.has(req.method);

  if (!identity) {
    if (prefix === undefined) return deny(401, 'R1.5');
    if (containerSyncAllowed(req)) return allow(false, 'S8');
    if (aclsUsable(undefined, rules) && referrerGrants(req, acl) === 'allow') return allow(false, 'S8');
    return deny(401, 'S14');
  }

  // S4: the reseller admin owns every account.
  if (identity.roles.some((r) => r.toLowerCase() === cfg.resellerAdminRole)) return allow(true, 'S4');
  // S5: system readers read every account.
  if (isRead && holds(identity.roles, cfg.systemReaderRoles)) return allow(false, 'S5');
  // D6: prefix readers (role in either token) read every account of their prefix.
  if (isRead && rules && (holds(identity.roles, rules.readerRoles) || holds(identity.serviceRoles, rules.readerRoles))) {
    return allow(false, 'D6');
  }
  // S6: only the reseller admin deletes an account.
  if (req.container === undefined && req.method === 'DELETE') return deny(403, 'S6');

  const own = identity.projectId !== undefined && accountBelongsTo(req.account, identity.projectId, cfg.prefixes);
  const aclOk = aclsUsable(identity, rules);
  const parsed = parseAcl(acl);
  // S7: cross-project ACL entries.
  if (aclOk && parsed.groups.length > 0 && crossTenantMatch(identity, parsed.groups, namesAllowed(identity, own, req.accountDomain))) {
    return allow(false, 'S7');
  }
  if (aclOk && parsed.groups.length > 0 && accountNameMatch(identity, parsed.groups, cfg)) return allow(false, 'R5.6');
  // S8: container sync (key and X-Timestamp), then referrer ACLs.
  if (containerSyncAllowed(req)) return allow(false, 'S8');
  const referrer = aclOk ? referrerGrants(req, acl) : 'none';
  if (referrer === 'allow') return allow(false, 'S8');
  // D8: account ACLs.
  const grant = aclOk ? accountAclGrant(identity, req.accountAcl) : undefined;
  if (grant === 'admin') return allow(true, 'R6.4');
  if (grant === 'read-write' && (req.container !== undefined || isRead)) return allow(false, 'R6.4');
  if (grant === 'read-only' && isRead) return allow(false, 'R6.4');

  // S9: beyond this point only the token's own project's accounts.
  if (!own) return deny(403, 'S9');
  if (!rules) return deny(403, 'R1.5');
  // S10: operator role on the project, plus a service role when the prefix requires one.
  if (holds(identity.roles, rules.operatorRoles) && (rules.serviceRoles.length === 0 || holds(identity.serviceRoles, rules.serviceRoles))) {
    return allow(true, 'S10');
  }
  // S11: project readers read their own project's accounts (no service token needed, as Swift).
  if (isRead && holds(identity.roles, rules.projectReaderRoles)) return allow(false, 'S11');
  // S12
  if (referrer === 'denied') return deny(403, 'S12');
  // S13: role-name ACL entries, for the account's own project only.
  if (aclOk && parsed.groups.some((g) => identity.roles.some((r) => r.toLowerCase() === g.toLowerCase()))) {
    return allow(false, 'S13');
  }
  return deny(403, 'S14');
}
