/**
 * Token → identity (docs/auth-rules.md section 2), for built-in tokens and for an external Keystone alike. The
 * service token is checked first (R2.3); an invalid one discards the whole identity (C9). The user
 * token is then resolved with `allowExpired` only when a valid service token came along, and an
 * expired user token counts only then, within `allow_expired_window` (D7, R2.4).
 * A resolver that cannot decide (Keystone unreachable) throws SwiftError('Unavailable'): 503.
 */
import { isSwiftError } from '../http/errors.js';
import type { Middleware } from '../http/pipeline.js';
import { errorResponse, type SwiftResponse } from '../http/response.js';
import type { RevocationList, TokenKeyRing, TokenPayload } from '../identity/tokens.js';
import type { Identity } from './identity.js';
import type { PolicyConfig } from './policy-config.js';

/**
 * Resolves a token to its data, or undefined when it is invalid. `expired` tells whether it is past
 * its expiry; `allowExpired` asks the resolver to return recently expired tokens too (an external
 * Keystone otherwise answers 404 for them). Throws SwiftError('Unavailable') when it cannot decide.
 */
export type TokenResolver = (
  token: string, now: number, opts?: { allowExpired?: boolean },
) => Promise<{ payload: TokenPayload; expired: boolean } | undefined>;

/** Built-in tokens: opened with the key ring, refused once revoked. */
export function keyRingResolver(ring: TokenKeyRing, revocations: RevocationList): TokenResolver {
  return async (token, now) => {
    const r = await ring.check(token, now);
    if (!r.valid || (await revocations.isRevoked(r.payload))) return undefined;
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
  const u = await resolve(userToken, now, { allowExpired: serviceToken !== '' });
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

/**
 * `wwwAuthenticate` (Keystone mode): an extra `WWW-Authenticate` challenge added to every 401, as
 * keystonemiddleware adds `Keystone uri="…"` next to Swift's realm.
 */
export function authenticate(resolve: TokenResolver, cfg: PolicyConfig, wwwAuthenticate?: string): Middleware {
  return async (ctx, next) => {
    // A temporary URL's signature is the credential (its scope is checked at authorisation):
    // a token sent along is ignored, as Swift's auth middlewares do under an override.
    if (ctx.grantScope) delete ctx.identity;
    else if (!ctx.internal) {
      const identity = await resolveIdentity(ctx.headers, resolve, cfg, Date.now() / 1000);
      if (identity) ctx.identity = identity;
      else delete ctx.identity;
    }
    if (wwwAuthenticate === undefined) return next(ctx);
    let res: SwiftResponse;
    try {
      res = await next(ctx);
    } catch (err) {
      if (!isSwiftError(err) || err.status !== 401) throw err;
      res = errorResponse(err);
    }
    if (res.status === 401) {
      const realm = res.headers['www-authenticate'];
      res.headers['www-authenticate'] = [...(realm === undefined ? [] : Array.isArray(realm) ? realm : [realm]), wwwAuthenticate];
    }
    return res;
  };
}
