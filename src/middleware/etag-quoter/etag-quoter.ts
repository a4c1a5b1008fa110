/**
 * Swift's etag_quoter: RFC 7232 wants ETags quoted, Swift historically sends them bare. A container
 * (`X-Container-Rfc-Compliant-Etags`) or, when the container says nothing, its account
 * (`X-Account-Rfc-Compliant-Etags`) turns quoting on or off for its objects' responses; the
 * default is off (`enable_by_default = false`). The flags are kept as sysmeta.
 */
import type { Middleware } from '../../http/pipeline.js';
import { parseTarget } from '../../controllers/router.js';
import type { MetadataStore } from '../../storage/contracts.js';
import { memoAccount, memoContainer } from '../../storage/request-memo.js';

export const ETAG_QUOTER_INFO = { enable_by_default: false };

const TRUE = /^(true|1|yes|on|t|y)$/i;

export function etagQuoter(meta: MetadataStore): Middleware {
  return async (ctx, next) => {
    const target = parseTarget(ctx.path);
    if (!target) return next(ctx);
    if (target.object === undefined) {
      const typ = target.container === undefined ? 'account' : 'container';
      const client = `x-${typ}-rfc-compliant-etags`;
      const sysmeta = `x-${typ}-sysmeta-rfc-compliant-etags`;
      const value = ctx.headers[client];
      if (value !== undefined) ctx.headers[sysmeta] = value ? (TRUE.test(value.trim()) ? 'True' : 'False') : '';
      if (ctx.headers[`x-remove-${typ}-rfc-compliant-etags`]) ctx.headers[sysmeta] = '';
      delete ctx.headers[client];
      const res = await next(ctx);
      const stored = res.headers[sysmeta];
      if (stored !== undefined) {
        delete res.headers[sysmeta];
        res.headers[client] = stored;
      }
      return res;
    }
    const res = await next(ctx);
    const etag = res.headers['etag'];
    if (typeof etag !== 'string') return res;
    // Looked up after the request (the router has usually read these records already: memo).
    const container = await memoContainer(ctx, meta, target.account, target.container ?? '');
    if (!container) return res;
    let flag = container.metadata['x-container-sysmeta-rfc-compliant-etags'] || undefined;
    if (flag === undefined) flag = (await memoAccount(ctx, meta, target.account))?.metadata['x-account-sysmeta-rfc-compliant-etags'] || undefined;
    if (flag === undefined || !TRUE.test(flag)) return res;
    if (!((etag.startsWith('"') || etag.startsWith('W/"')) && etag.endsWith('"'))) {
      res.headers['etag'] = `"${etag}"`;
    }
    return res;
  };
}
