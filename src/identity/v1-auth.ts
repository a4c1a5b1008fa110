/**
 * The v1.0 login that Swift's tempauth speaks (docs/auth-rules.md R8.3): `GET /auth/v1.0` (also `/auth/v1/<acct>/auth`
 * and `/auth/auth`) with `X-Auth-User: <project>:<user>` and `X-Auth-Key` (or X-Storage-User / -Pass).
 * Everything under `/auth/` is the login's: other methods 405, other forms 400.
 */
import type { Middleware } from '../http/pipeline.js';
import { SwiftError } from '../http/errors.js';
import { headerToText, textToHeader } from '../swift/headers.js';
import type { IdentityService } from './service.js';

/**
 * Which login form a path under `/auth/` is (tempauth's handle_request / handle_get_token):
 * `v1/<acct>/auth`, or `v1.0` / `auth` (anything may follow), `undefined` for an empty first segment
 * (404), and `bad` for any other form (400).
 */
function loginForm(path: string): { kind: 'account'; account: string } | { kind: 'plain' } | { kind: 'bad' } | undefined {
  const segs = path.slice('/auth/'.length).split('/');
  const first = segs[0] ?? '';
  if (first === '') return undefined;
  if (first === 'v1' && segs.length >= 3 && segs.slice(2).join('/') === 'auth') return { kind: 'account', account: segs[1] ?? '' };
  if (first === 'v1.0' || first === 'auth') return { kind: 'plain' };
  return { kind: 'bad' };
}

export function v1Auth(identity: IdentityService, firstPrefix: string): Middleware {
  return async (ctx, next) => {
    if (!ctx.path.startsWith('/auth/')) return next(ctx);
    if (ctx.method !== 'GET') throw new SwiftError('MethodNotAllowed');
    const form = loginForm(ctx.path);
    if (!form) throw new SwiftError('NotFound');
    if (form.kind === 'bad') throw new SwiftError('BadRequest');
    // Header values arrive as their bytes; UTF-8 user names, projects and keys are matched as text.
    const h: Record<string, string | undefined> = {};
    for (const name of ['x-auth-user', 'x-storage-user', 'x-auth-key', 'x-storage-pass']) {
      const v = ctx.headers[name];
      if (v !== undefined) h[name] = headerToText(v);
    }
    const unauthorized = (realm: string) =>
      new SwiftError('Unauthorized', {}, { 'WWW-Authenticate': `Swift realm="${textToHeader(realm || 'unknown')}"` });
    let project: string;
    let user: string;
    let key: string;
    if (form.kind === 'account') {
      // `/auth/v1/<acct>/auth`: X-Storage-User is a bare user name; X-Auth-User must name <acct>.
      project = form.account; // already decoded with the path
      const storageUser = h['x-storage-user'];
      if (storageUser) user = storageUser;
      else {
        const authUser = h['x-auth-user'] ?? '';
        const colon = authUser.indexOf(':');
        if (colon < 0 || authUser.slice(0, colon) !== project) throw unauthorized(project);
        user = authUser.slice(colon + 1);
      }
      key = h['x-storage-pass'] || h['x-auth-key'] || '';
    } else {
      const named = h['x-auth-user'] || h['x-storage-user'] || '';
      const colon = named.indexOf(':');
      if (colon < 0) throw unauthorized('unknown');
      project = named.slice(0, colon);
      user = named.slice(colon + 1);
      key = h['x-auth-key'] || h['x-storage-pass'] || '';
    }
    if (!project || !user || !key) throw unauthorized(project);
    const payload = await identity.passwordLogin(project, user, key);
    if (!payload?.projectId) throw unauthorized(project);
    const token = identity.issue(payload);
    return {
      status: 200,
      headers: {
        'x-auth-token': token,
        'x-storage-token': token,
        'x-auth-token-expires': String(Math.max(0, Math.floor(payload.expiresAt - Date.now() / 1000))),
        'x-storage-url': `${ctx.origin}/v1/${encodeURIComponent(firstPrefix + payload.projectId)}`,
        'content-type': 'text/html; charset=UTF-8',
      },
      body: '',
    };
  };
}
