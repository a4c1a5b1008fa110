/**
 * docs/auth-rules.md R4.4 (Swift's proxy container controller): a reseller request (a token with the reseller admin
 * role, R2.10) may set `X-Container-Sharding` on container PUT/POST, kept as sysmeta, and sees it on
 * every container GET/HEAD it is allowed to make (`True`/`False`, 404 included). Anyone else's
 * `X-Container-Sharding` is ignored and never shown, owners included.
 */
import type { SwiftResponse } from '../../http/response.js';

export const SHARDING_SYSMETA = 'x-container-sysmeta-sharding';
const CLIENT_HEADER = 'x-container-sharding';

/** Swift's config_true_value. */
export function configTrue(value: string): boolean {
  return ['true', '1', 'yes', 'on', 't', 'y'].includes(value.trim().toLowerCase());
}

/** Container PUT/POST: a reseller's X-Container-Sharding becomes sysmeta; anyone else's is dropped. */
export function shardingOnWrite(headers: Record<string, string>, reseller: boolean): void {
  const value = headers[CLIENT_HEADER];
  if (value === undefined) return;
  delete headers[CLIENT_HEADER];
  if (reseller) headers[SHARDING_SYSMETA] = configTrue(value) ? 'True' : 'False';
}

/** Container GET/HEAD answered to a reseller: the sharding flag, False when never set. */
export function shardingOnRead(res: SwiftResponse): SwiftResponse {
  const stored = res.headers[SHARDING_SYSMETA];
  res.headers[CLIENT_HEADER] = configTrue(typeof stored === 'string' ? stored : '') ? 'True' : 'False';
  return res;
}
