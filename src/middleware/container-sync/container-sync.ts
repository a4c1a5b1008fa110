/**
 * Swift's container_sync middleware on the receiving side: a request carrying
 * `X-Container-Sync-Auth: <realm> <nonce> <signature>` is authorised by that signature instead of
 * a token. The signature (realms.ts) covers the method, the url-encoded path, the request's
 * X-Timestamp and the nonce, keyed by the realm's key (or key2) and the target container's
 * `X-Container-Sync-Key`. A valid one grants the container (as a temporary URL grants its scope),
 * and the request's X-Timestamp, set aside by the gatekeeper, becomes the write's timestamp, so a
 * synced object keeps its source's time. Anything else with the header is a 401, as in Swift.
 */
import type { ContainerSyncConfig } from '../../config/schema.js';
import { parseTarget } from '../../controllers/router.js';
import { SwiftError } from '../../http/errors.js';
import type { Middleware } from '../../http/pipeline.js';
import type { MetadataStore } from '../../storage/contracts.js';
import { memoContainer } from '../../storage/request-memo.js';
import { pyQuote } from '../../swift/quote.js';
import { pyRepr } from '../../swift/pyjson.js';
import { sameSignature, SyncRealms, syncSignature } from './realms.js';

/** Swift's Timestamp(): `<float>[_<hex offset>]`; the offset orders writes of the same instant, which Swiftlet does not keep. */
export function parseSwiftTimestamp(raw: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)(?:_[0-9a-fA-F]{1,16})?\s*$/.exec(raw);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isFinite(n) && n < 10_000_000_000 ? Math.round(n * 100_000) / 100_000 : undefined;
}

function invalid(account: string): SwiftError {
  return new SwiftError('ContainerSyncAuthInvalid', {}, {
    'WWW-Authenticate': `SwiftContainerSync realm="${encodeURIComponent(account)}"`,
  });
}

export function containerSync(config: ContainerSyncConfig, meta: MetadataStore): Middleware {
  const realms = new SyncRealms(config.realms);
  return async (ctx, next) => {
    const auth = ctx.headers['x-container-sync-auth'];
    if (auth === undefined || auth === '') return next(ctx);
    const target = parseTarget(ctx.path);
    // Swift only looks at paths with a container (split_path(3, 4)).
    if (!target || target.container === undefined) return next(ctx);
    const parts = auth.split(/\s+/).filter((p) => p !== '');
    const [realm = '', nonce = '', signature = ''] = parts;
    const realmKey = realms.key(realm);
    if (parts.length !== 3 || !realmKey) throw invalid(target.account);
    const container = await memoContainer(ctx, meta, target.account, target.container);
    const userKey = container?.metadata['x-container-sync-key'];
    if (!userKey) throw invalid(target.account);
    const timestamp = ctx.inboundTimestamp ?? '0';
    // swob's req.path: the decoded path quoted again, whatever escapes the client used.
    const path = pyQuote(ctx.path);
    const keys = [realmKey, realms.key2(realm) ?? realmKey];
    if (!keys.some((key) => sameSignature(signature, syncSignature(ctx.method, path, timestamp, nonce, key, userKey)))) {
      throw invalid(target.account);
    }
    if (ctx.inboundTimestamp !== undefined) {
      const parsed = parseSwiftTimestamp(ctx.inboundTimestamp);
      if (parsed === undefined) {
        throw new SwiftError('BadRequestMessage', { message: `X-Timestamp should be a UNIX timestamp float value; was ${pyRepr(ctx.inboundTimestamp)}` });
      }
      ctx.syncTimestamp = parsed;
    }
    ctx.grantScope = { account: target.account, container: target.container };
    return next(ctx);
  };
}
