/**
 * Swift's account_quotas: `X-Account-Meta-Quota-Bytes` caps what an account stores. Only a
 * reseller (R4.4) may set or remove it (403 for anyone else, owners included: the quota is the
 * operator's, not the tenant's), and only to digits (400). An object PUT that would take the account
 * past it is refused with 413 "Upload exceeds quota." once the request is authorised. DELETE and
 * POST are never refused, so an account over its quota can always shrink.
 */
import { SwiftError } from '../../http/errors.js';
import type { AccountInfo } from '../../storage/contracts.js';

export const ACCOUNT_QUOTAS_INFO = {};

const QUOTA = 'x-account-meta-quota-bytes';
const REMOVE_QUOTA = 'x-remove-account-meta-quota-bytes';

/** Account PUT/POST: who may change the quota, and to what. */
export function checkAccountQuotaSettings(headers: Record<string, string>, reseller: boolean): void {
  const remove = headers[REMOVE_QUOTA];
  // Removing wins over setting in the same request, as in Swift.
  const value = remove ? '0' : headers[QUOTA];
  if (value === undefined) return;
  if (!reseller) throw new SwiftError('Forbidden');
  if (value && !/^\d+$/.test(value)) throw new SwiftError('BadRequest');
}

/** Object PUT of `contentLength` bytes (0 when chunked, as Swift) into this account. */
export function checkAccountQuota(info: AccountInfo | undefined, contentLength: number): void {
  const quota = info?.metadata[QUOTA];
  if (!info || quota === undefined || !/^\d+$/.test(quota)) return;
  if (Number(quota) < info.bytesUsed + contentLength) throw new SwiftError('QuotaExceeded');
}
