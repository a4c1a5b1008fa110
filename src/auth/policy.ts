/**
 * The authorisation decision, a pure function of (identity, request, settings): no I/O, no HTTP
 * objects. It follows keystoneauth's order (spec section 3) for every identity mode (D1).
 * Container ACLs and account ACLs (S7, S8, S12, S13, section 6) are the next step; until then a
 * request that would need them is denied.
 */
import type { Identity } from './identity.js';
import type { PolicyConfig } from './policy-config.js';
import { accountBelongsTo, prefixOf } from './prefixes.js';

export interface AuthzRequest {
  method: string;
  account: string;
  container?: string;
  object?: string;
}

export type Decision =
  | { allow: true; owner: boolean; rule: string }
  | { allow: false; status: 401 | 403; rule: string };

const READ_METHODS = new Set(['GET', 'HEAD']);

function intersects(held: readonly string[], wanted: readonly string[]): boolean {
  if (wanted.length === 0) return false;
  return held.some((r) => wanted.includes(r.toLowerCase()));
}

export function authorize(identity: Identity | undefined, req: AuthzRequest, cfg: PolicyConfig): Decision {
  // S1: OPTIONS is always allowed (CORS pre-flight carries no token).
  if (req.method === 'OPTIONS') return { allow: true, owner: false, rule: 'S1' };
  const prefix = prefixOf(req.account, cfg.prefixes);
  if (!identity) {
    return { allow: false, status: 401, rule: prefix === undefined ? 'R1.5' : 'S14' };
  }
  const deny: Decision = { allow: false, status: 403, rule: 'S14' };
  const isRead = READ_METHODS.has(req.method);
  const accountLevel = req.container === undefined;

  // S4: the reseller admin owns every account.
  if (identity.roles.some((r) => r.toLowerCase() === cfg.resellerAdminRole)) return { allow: true, owner: true, rule: 'S4' };
  // S5: system readers may read every account.
  if (isRead && intersects(identity.roles, cfg.systemReaderRoles)) return { allow: true, owner: false, rule: 'S5' };
  // D6: prefix readers (from either token) may read every account of their prefix.
  const rules = prefix === undefined ? undefined : cfg.rules.get(prefix);
  if (isRead && rules && (intersects(identity.roles, rules.readerRoles) || intersects(identity.serviceRoles, rules.readerRoles))) {
    return { allow: true, owner: false, rule: 'D6' };
  }
  // S6: nobody but the reseller admin deletes an account.
  if (accountLevel && req.method === 'DELETE') return { ...deny, rule: 'S6' };
  // S9: only the token's own project's accounts.
  if (!identity.projectId || !accountBelongsTo(req.account, identity.projectId, cfg.prefixes)) return { ...deny, rule: 'S9' };
  if (!rules) return { ...deny, rule: 'R1.5' };
  // S10: operator role on the project, plus a service role when the prefix requires one.
  if (intersects(identity.roles, rules.operatorRoles)) {
    if (rules.serviceRoles.length === 0 || intersects(identity.serviceRoles, rules.serviceRoles)) {
      return { allow: true, owner: true, rule: 'S10' };
    }
  }
  // S11: project readers may read their own project's accounts.
  if (isRead && intersects(identity.roles, rules.projectReaderRoles)) return { allow: true, owner: false, rule: 'S11' };
  return deny;
}

