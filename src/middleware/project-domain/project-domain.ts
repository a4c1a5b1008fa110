/**
 * docs/auth-rules.md R4.6: the project domain of an account, recorded as sysmeta (`X-Account-Sysmeta-Project-Domain-Id`)
 * on account PUT/POST and container PUT, and shown to clients as `X-Account-Project-Domain-Id`.
 * An account first written by its own project records that project's domain; one first written by
 * anyone else records `_unknown`, which its own project later replaces. Names in ACLs (R4.7) rely on it.
 */
import { parseTarget } from '../../controllers/router.js';
import type { Middleware } from '../../http/pipeline.js';
import type { MetadataStore } from '../../storage/contracts.js';
import { accountBelongsTo } from '../../auth/prefixes.js';
import { memoAccount } from '../../storage/request-memo.js';

const SYSMETA = 'x-account-sysmeta-project-domain-id';
const CLIENT = 'x-account-project-domain-id';
export const UNKNOWN_DOMAIN = '_unknown';
const DEFAULT_DOMAIN = 'default';

/** What to store, given what is stored (undefined: account missing; '' : none), or undefined for "leave it". */
export function domainToRecord(stored: string | undefined, own: boolean, domain: string | undefined): string | undefined {
  if (stored === undefined) return own ? domain : UNKNOWN_DOMAIN;
  if (!own || !domain) return undefined;
  if (stored === '' && domain === DEFAULT_DOMAIN) return domain;
  if (stored === UNKNOWN_DOMAIN) return domain;
  return undefined;
}

export function projectDomain(meta: MetadataStore, prefixes: readonly string[]): Middleware {
  return async (ctx, next) => {
    const target = parseTarget(ctx.path);
    if (!target) return next(ctx);
    const isWrite = target.object === undefined && (
      (target.container === undefined && (ctx.method === 'PUT' || ctx.method === 'POST')) ||
      (target.container !== undefined && ctx.method === 'PUT'));
    let before: { exists: boolean; stored: string } | undefined;
    if (isWrite && ctx.identity) {
      const account = await memoAccount(ctx, meta, target.account);
      before = { exists: account !== undefined, stored: account?.metadata[SYSMETA] ?? '' };
    }
    const res = await next(ctx);
    if (before && ctx.identity && res.status >= 200 && res.status < 300) {
      const own = ctx.identity.projectId !== undefined && accountBelongsTo(target.account, ctx.identity.projectId, prefixes);
      const value = domainToRecord(before.exists ? before.stored : undefined, own, ctx.identity.projectDomainId);
      if (value) await meta.updateAccountMetadata(target.account, { [SYSMETA]: value }, Date.now() / 1000);
    }
    if (target.container === undefined) {
      const stored = res.headers[SYSMETA];
      if (stored !== undefined) {
        delete res.headers[SYSMETA];
        res.headers[CLIENT] = stored;
      }
    }
    return res;
  };
}
