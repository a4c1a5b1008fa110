/** The `/v3` identity API (a Keystone v3 subset) as one middleware; errors in Keystone's JSON format. */
import type { Middleware } from '../../http/pipeline.js';
import { handleAdmin } from './admin.js';
import { handleAppCredentials } from './app-credentials.js';
import { handleCatalog } from './catalog.js';
import { handleEc2Credentials } from './ec2-credentials.js';
import { json, KeystoneError, keystoneErrorResponse } from './http.js';
import { handleTokens, openToken, type V3Deps } from './tokens.js';

function versionDoc(origin: string): unknown {
  return {
    id: 'v3.14', status: 'stable', updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${origin}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

export function identityV3(deps: V3Deps): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== '/v3' && !ctx.path.startsWith('/v3/')) return next(ctx);
    try {
      const parts = ctx.path.slice(4).split('/').filter((p) => p !== '');
      if (parts.length === 0) {
        if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw new KeystoneError(405, 'Method not allowed.');
        return json(200, { version: versionDoc(ctx.origin) });
      }
      if (parts[0] === 'auth' && parts[1] === 'tokens' && parts.length === 2) return await handleTokens(ctx, deps);
      const caller = await openToken(deps, ctx.headers['x-auth-token']);
      if (!caller) throw new KeystoneError(401, 'The request you have made requires authentication.');
      const res = handleCatalog(ctx, deps, caller, parts) ?? (await handleAppCredentials(ctx, deps, caller, parts)) ?? (await handleEc2Credentials(ctx, deps, caller, parts)) ?? (await handleAdmin(ctx, deps, caller, parts));
      if (!res) throw new KeystoneError(404, `The resource could not be found.`);
      return res;
    } catch (err) {
      if (err instanceof KeystoneError) return keystoneErrorResponse(err);
      throw err;
    }
  };
}

/** `GET /` lists the identity versions, as Keystone's root does (clients probe it for discovery). */
export function identityRoot(): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== '/' || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next(ctx);
    return json(300, { versions: { values: [versionDoc(ctx.origin)] } });
  };
}
