/**
 * Account, container and object records read once per request: authorization (ACL facts), features
 * (etag quoting, project domain) and controllers ask for the same records. `prefetchPath` reads all
 * of a path's records in one round trip up front (one snapshot instead of three); the memo helpers
 * then answer from it. Only for reads that precede the request's own write; a controller that
 * changes a record reads the store directly afterwards.
 */
import type { RequestContext } from '../http/context.js';
import type { AccountInfo, ContainerInfo, MetadataStore, ObjectRecord } from './contracts.js';

const accountKey = (account: string) => `a\u0000${account}`;
const containerKey = (account: string, container: string) => `c\u0000${account}\u0000${container}`;
const objectKey = (account: string, container: string, object: string) => `o\u0000${account}\u0000${container}\u0000${object}`;

function memo<T>(ctx: RequestContext, key: string, read: () => Promise<T>): Promise<T> {
  let hit = ctx.memo.get(key) as Promise<T> | undefined;
  if (!hit) {
    hit = read();
    ctx.memo.set(key, hit);
  }
  return hit;
}

/** Reads the account, container and (when `object` is given) object of a path together, for the memo. */
export function prefetchPath(ctx: RequestContext, meta: MetadataStore, account: string, container?: string, object?: string): Promise<void> {
  const all = meta.lookupPath(account, container, object);
  ctx.memo.set(accountKey(account), observed(all.then((r) => r.account)));
  if (container !== undefined) ctx.memo.set(containerKey(account, container), observed(all.then((r) => r.container)));
  if (container !== undefined && object !== undefined) ctx.memo.set(objectKey(account, container, object), observed(all.then((r) => r.object)));
  const note = ctx.log;
  if (note && container !== undefined) {
    // The access log's policy_index: Swift logs the container's policy for container and object requests.
    all.then((r) => { if (r.container) note.policyIndex = r.container.policyIndex; }, () => undefined);
  }
  return all.then(() => undefined);
}

/**
 * A memo entry nobody may ever read (the request failed first) must not become an unhandled
 * rejection when the store cannot answer (PostgreSQL down): that would end the process. Whoever
 * reads the entry still gets the rejection.
 */
function observed<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/** The path each request object (not its sub-requests, which are new objects) has prefetched. */
const prefetchedBy = new WeakMap<RequestContext, string>();

/**
 * prefetchPath, unless this very request object already prefetched the same records: a feature
 * that needs them before the router (versioned writes reads the container) then costs no second
 * read. Sub-requests are new objects and read afresh.
 */
export function prefetchPathOnce(ctx: RequestContext, meta: MetadataStore, account: string, container?: string, object?: string): Promise<void> {
  const key = objectKey(account, container ?? '', object ?? '');
  if (prefetchedBy.get(ctx) === key) return Promise.resolve();
  prefetchedBy.set(ctx, key);
  return prefetchPath(ctx, meta, account, container, object);
}

export function memoAccount(ctx: RequestContext, meta: MetadataStore, account: string): Promise<AccountInfo | undefined> {
  return memo(ctx, accountKey(account), () => meta.getAccount(account));
}

export function memoContainer(ctx: RequestContext, meta: MetadataStore, account: string, container: string): Promise<ContainerInfo | undefined> {
  return memo(ctx, containerKey(account, container), () => meta.getContainer(account, container));
}

export function memoObject(ctx: RequestContext, meta: MetadataStore, account: string, container: string, object: string): Promise<ObjectRecord | undefined> {
  return memo(ctx, objectKey(account, container, object), () => meta.getObject(account, container, object));
}
