/**
 * The v1.0 login that Swift's tempauth speaks: `GET /auth/v1.0` (also `/auth/v1/<acct>/auth` and
 * `/auth/auth`) with `X-Auth-User: <project>:<user>` and `X-Auth-Key` (or X-Storage-User / -Pass).
 */
import type { Middleware } from '../http/pipeline.js';
import { SwiftError } from '../http/errors.js';
import type { IdentityService } from './service.js';

const LOGIN_PATHS = /^\/auth\/(v1\.0|auth|v1\/[^/]+\/auth)\/?$/;

export function v1Auth(identity: IdentityService, firstPrefix: string): Middleware {
  return async (ctx, next) => {
    const m = LOGIN_PATHS.exec(ctx.path);
    if (!m) return next(ctx);
    if (ctx.method !== 'GET') throw new SwiftError('MethodNotAllowed');
    const userHeader = ctx.headers['x-auth-user'] ?? ctx.headers['x-storage-user'] ?? '';
    const key = ctx.headers['x-auth-key'] ?? ctx.headers['x-storage-pass'] ?? '';
    let project = '';
    let user = userHeader;
    const colon = userHeader.indexOf(':');
    if (colon >= 0) {
      project = userHeader.slice(0, colon);
      user = userHeader.slice(colon + 1);
    } else if (m[1]?.startsWith('v1/')) {
      project = m[1].split('/')[1] ?? '';
    }
    const unauthorized = () =>
      new SwiftError('Unauthorized', {}, { 'WWW-Authenticate': `Swift realm="${project || 'unknown'}"` });
    if (!project || !user || !key) throw unauthorized();
    const payload = await identity.passwordLogin(project, user, key);
    if (!payload?.projectId) throw unauthorized();
    const token = identity.issue(payload);
    return {
      status: 200,
      headers: {
        'x-auth-token': token,
        'x-storage-token': token,
        'x-auth-token-expires': String(Math.max(0, Math.floor(payload.expiresAt - Date.now() / 1000))),
        'x-storage-url': `${ctx.origin}/v1/${firstPrefix}${payload.projectId}`,
        'content-type': 'text/html; charset=UTF-8',
      },
      body: '',
    };
  };
}
