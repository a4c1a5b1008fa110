/** `/v1/<account>`: HEAD, GET (container listing), POST (metadata), PUT and DELETE (account management). */
import { SwiftError } from '../http/errors.js';
import { defaultErrorBody } from '../http/status.js';
import type { SwiftResponse } from '../http/response.js';
import type { RequestContext } from '../http/context.js';
import type { AccountInfo, PolicyStats } from '../storage/contracts.js';
import { checkMetadataTotals, checkRequestMetadata, metadataChanges } from '../swift/headers.js';
import { containerListing, listOptions, negotiateFormat } from '../swift/listing-format.js';
import { withVersionsBytes } from '../middleware/object-versioning/account-listing.js';
import { checkAccountQuotaSettings } from '../middleware/quotas/account-quotas.js';
import { ALLOW_RESERVED_NAMES } from '../swift/reserved-names.js';
import { newTimestamp } from '../swift/timestamp.js';
import { metaToHeaders, timestampHeaders, withoutOwnerOnly } from './common.js';
import type { Access, Services, Target } from './services.js';

/**
 * Swift's X-Account-Storage-Policy-<name>-{Container-Count,Object-Count,Bytes-Used}. With one
 * policy the account's totals are its figures; with several, each policy holding containers of the
 * account gets its own (one grouped read of the account's containers).
 */
async function policyHeaders(info: AccountInfo, s: Services, exists: boolean): Promise<Record<string, string>> {
  const stats: PolicyStats[] = !s.policies.several
    ? [{ policyIndex: s.policies.default.index, containerCount: info.containerCount, objectCount: info.objectCount, bytesUsed: info.bytesUsed }]
    : exists ? await s.meta.accountPolicyStats(info.name) : [];
  const headers: Record<string, string> = {};
  for (const st of stats) {
    const policy = s.policies.byIndex(st.policyIndex);
    if (!policy) continue;
    const prefix = `x-account-storage-policy-${policy.name.toLowerCase()}`;
    headers[`${prefix}-container-count`] = String(st.containerCount);
    headers[`${prefix}-object-count`] = String(st.objectCount);
    headers[`${prefix}-bytes-used`] = String(st.bytesUsed);
  }
  return headers;
}

function accountHeaders(info: AccountInfo, owner: boolean, perPolicy: Record<string, string>): Record<string, string> {
  return {
    'x-account-container-count': String(info.containerCount),
    'x-account-object-count': String(info.objectCount),
    'x-account-bytes-used': String(info.bytesUsed),
    ...timestampHeaders(info.createdAt),
    ...perPolicy,
    ...(metaToHeaders(info.metadata, owner) as Record<string, string>),
    'accept-ranges': 'bytes',
  };
}

/** An account that does not exist yet but would be auto-created: empty, as Swift answers. */
function phantomAccount(name: string): AccountInfo {
  const now = newTimestamp();
  return { name, createdAt: now, putTimestamp: now, containerCount: 0, objectCount: 0, bytesUsed: 0, metadata: {} };
}

export async function accountController(ctx: RequestContext, target: Target, access: Access, s: Services): Promise<SwiftResponse> {
  const { account } = target;
  const cfg = s.config.swift;
  switch (ctx.method) {
    case 'HEAD':
    case 'GET': {
      let info = await s.meta.getAccount(account);
      const exists = info !== undefined;
      if (!info) {
        if (!cfg.account_autocreate) throw new SwiftError('NotFound');
        info = phantomAccount(account);
      }
      const headers = accountHeaders(info, access.owner, await policyHeaders(info, s, exists));
      const format = negotiateFormat(ctx.query, ctx.headers['accept']);
      if (ctx.method === 'HEAD') {
        const head: Record<string, string> = { ...headers, 'content-type': `${format.contentType}; charset=utf-8` };
        if (format.vary) head['vary'] = 'Accept';
        return { status: 204, headers: head };
      }
      const options = listOptions(ctx.query, cfg.account_listing_limit);
      // Features' own containers (object versioning's) are listed only to the features; to
      // everyone else a versioned container's bytes include its versions'.
      options.hideReserved = ctx.headers[ALLOW_RESERVED_NAMES] !== 'true';
      let entries = await s.meta.listContainers(account, options);
      if (options.hideReserved && options.path === undefined) entries = await withVersionsBytes(s.meta, account, options, entries);
      const res = containerListing(format, account, entries, headers);
      return res;
    }
    case 'POST': {
      checkAccountQuotaSettings(ctx.headers, access.reseller);
      checkRequestMetadata(ctx.headers, 'account', cfg);
      const changes = withoutOwnerOnly(metadataChanges(ctx.headers, 'account'), access.owner);
      const current = (await s.meta.getAccount(account))?.metadata ?? {};
      checkMetadataTotals({ ...current, ...changes }, 'account', cfg);
      await s.meta.updateAccountMetadata(account, changes, newTimestamp());
      return { status: 204, headers: { 'content-type': 'text/html; charset=UTF-8' } };
    }
    case 'PUT': {
      if (!cfg.allow_account_management) throw new SwiftError('MethodNotAllowed', {}, { Allow: 'HEAD, GET, POST, OPTIONS' });
      checkAccountQuotaSettings(ctx.headers, access.reseller);
      checkRequestMetadata(ctx.headers, 'account', cfg);
      const ts = newTimestamp();
      const created = await s.meta.ensureAccount(account, ts);
      const changes = withoutOwnerOnly(metadataChanges(ctx.headers, 'account'), access.owner);
      if (Object.keys(changes).length > 0) await s.meta.updateAccountMetadata(account, changes, ts);
      return created
        ? { status: 201, headers: { 'content-type': 'text/html; charset=UTF-8' } }
        : { status: 202, headers: { 'content-type': 'text/html; charset=UTF-8' }, body: defaultErrorBody(202) };
    }
    case 'DELETE': {
      if (!cfg.allow_account_management) throw new SwiftError('MethodNotAllowed', {}, { Allow: 'HEAD, GET, POST, OPTIONS' });
      const { found, blobIds } = await s.meta.deleteAccount(account);
      if (!found) throw new SwiftError('NotFound');
      for (const id of blobIds) await s.blobs.delete(id);
      return { status: 204, headers: { 'content-type': 'text/html; charset=UTF-8' } };
    }
    default:
      throw new SwiftError('MethodNotAllowed', {}, {
        Allow: cfg.allow_account_management ? 'DELETE, GET, HEAD, OPTIONS, POST, PUT' : 'GET, HEAD, OPTIONS, POST',
      });
  }
}
