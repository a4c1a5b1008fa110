/**
 * Token → identity (spec section 2, applied to built-in tokens). The service token is checked first
 * (R2.3); an invalid one discards the whole identity (C9). An expired user token counts only together
 * with a valid service token, within `allow_expired_window` (D7).
 */
import type { Middleware } from '../http/pipeline.js';
import type { RevocationList, TokenKeyRing, TokenPayload } from '../identity/tokens.js';
import type { Identity } from './identity.js';
import type { PolicyConfig } from './policy-config.js';

export type TokenResolver = (token: string, now: number) => Promise<{ payload: TokenPayload; expired: boolean } | undefined>;

/** Built-in tokens: opened with the key ring, refused once revoked. */
export function keyRingResolver(ring: TokenKeyRing, revocations: RevocationList): TokenResolver {
  return async (token, now) => {
    const r = await ring.check(token, now);
    if (!r.valid || (await revocations.isRevoked(r.payload.auditId))) return undefined;
    return { payload: r.payload, expired: r.expired };
  };
}

export async function resolveIdentity(
  headers: Record<string, string>, resolve: TokenResolver, cfg: PolicyConfig, now: number,
): Promise<Identity | undefined> {
  const userToken = (headers['x-auth-token'] ?? headers['x-storage-token'] ?? '').trim();
  const serviceToken = (headers['x-service-token'] ?? '').trim();
  let serviceRoles: string[] = [];
  if (serviceToken) {
    const s = await resolve(serviceToken, now);
    const rolesOk = !cfg.serviceTokenRolesRequired || s?.payload.roles.some((r) => cfg.serviceTokenRoles.includes(r));
    if (!s || s.expired || !rolesOk) return undefined;
    serviceRoles = s.payload.roles;
  }
  if (!userToken) return undefined;
  const u = await resolve(userToken, now);
  if (!u) return undefined;
  if (u.expired && !(serviceToken && now - u.payload.expiresAt < cfg.allowExpiredWindow)) return undefined;
  const p = u.payload;
  const identity: Identity = {
    userId: p.userId, userName: p.userName, userDomainId: p.userDomainId, roles: p.roles, serviceRoles,
  };
  if (p.projectId !== undefined) identity.projectId = p.projectId;
  if (p.projectName !== undefined) identity.projectName = p.projectName;
  if (p.projectDomainId !== undefined) identity.projectDomainId = p.projectDomainId;
  return identity;
}

export function authenticate(resolve: TokenResolver, cfg: PolicyConfig): Middleware {
  return async (ctx, next) => {
    if (!ctx.internal) {
      const identity = await resolveIdentity(ctx.headers, resolve, cfg, Date.now() / 1000);
      if (identity) ctx.identity = identity;
      else delete ctx.identity;
    }
    return next(ctx);
  };
}
