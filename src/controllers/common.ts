/** Small helpers shared by the account, container and object controllers. */
import type { Metadata } from '../storage/contracts.js';
import type { HeaderMap } from '../http/response.js';
import { formatTimestamp } from '../swift/timestamp.js';

/** Owner-only headers (docs/auth-rules.md R4.2): dropped from non-owner writes, hidden from non-owner reads. */
export const OWNER_ONLY_HEADERS = [
  'x-container-read', 'x-container-write', 'x-container-sync-key', 'x-container-sync-to',
  'x-account-meta-temp-url-key', 'x-account-meta-temp-url-key-2',
  'x-container-meta-temp-url-key', 'x-container-meta-temp-url-key-2', 'x-account-access-control',
];

export function withoutOwnerOnly<T extends Record<string, string>>(headers: T, owner: boolean): T {
  if (owner) return headers;
  const out = { ...headers };
  for (const h of OWNER_ONLY_HEADERS) delete out[h];
  return out;
}

/** Swift's proxy shows only X-Timestamp (creation) for accounts and containers. */
export function timestampHeaders(createdAt: number): HeaderMap {
  return { 'x-timestamp': formatTimestamp(createdAt) };
}

export function metaToHeaders(metadata: Metadata, owner: boolean): HeaderMap {
  return withoutOwnerOnly(metadata, owner);
}
