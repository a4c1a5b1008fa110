/**
 * Account and container records read once per request: authorization (ACL facts), features (etag
 * quoting) and controllers ask for the same records. Only for reads that precede the request's own
 * write; a controller that changes a record reads the store directly.
 */
import type { RequestContext } from '../http/context.js';
import type { AccountInfo, ContainerInfo, MetadataStore } from './contracts.js';

export function memoAccount(ctx: RequestContext, meta: MetadataStore, account: string): Promise<AccountInfo | undefined> {
  const key = `a\u0000${account}`;
  let hit = ctx.memo.get(key) as Promise<AccountInfo | undefined> | undefined;
  if (!hit) {
    hit = meta.getAccount(account);
    ctx.memo.set(key, hit);
  }
  return hit;
}

export function memoContainer(ctx: RequestContext, meta: MetadataStore, account: string, container: string): Promise<ContainerInfo | undefined> {
  const key = `c\u0000${account}\u0000${container}`;
  let hit = ctx.memo.get(key) as Promise<ContainerInfo | undefined> | undefined;
  if (!hit) {
    hit = meta.getContainer(account, container);
    ctx.memo.set(key, hit);
  }
  return hit;
}
