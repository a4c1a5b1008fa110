/**
 * Container sync realms (Swift's container_sync_realms.py, read from `[container_sync.realms.*]`
 * instead of container-sync-realms.conf) and the request signature both ends of a sync compute.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ContainerSyncConfig, SyncRealmConfig } from '../../config/schema.js';

export class SyncRealms {
  constructor(private readonly realms: Readonly<Record<string, SyncRealmConfig>>) {}

  private realm(name: string): SyncRealmConfig | undefined {
    const key = name.toUpperCase();
    return Object.hasOwn(this.realms, key) ? this.realms[key] : undefined;
  }

  key(realm: string): string | undefined {
    return this.realm(realm)?.key || undefined;
  }

  key2(realm: string): string | undefined {
    return this.realm(realm)?.key2 || undefined;
  }

  /** The cluster's Swift API base URL (`http://host:port/v1/`), or undefined when unknown. */
  endpoint(realm: string, cluster: string): string | undefined {
    const clusters = this.realm(realm)?.clusters;
    const key = cluster.toUpperCase();
    return clusters && Object.hasOwn(clusters, key) ? clusters[key] : undefined;
  }

  /** What Swift's /info shows: `{REALM: {clusters: {NAME: {} | {current: true}}}}`, realms without clusters left out. */
  info(current: string): Record<string, { clusters: Record<string, { current?: true }> }> {
    const out: Record<string, { clusters: Record<string, { current?: true }> }> = {};
    for (const [name, realm] of Object.entries(this.realms)) {
      const names = Object.keys(realm.clusters);
      if (names.length > 0) out[name] = { clusters: Object.fromEntries(names.map((c) => [c, {}])) };
    }
    const [curRealm, curCluster, ...extra] = current.replace(/^\/+|\/+$/g, '').split('/').map((p) => p.toUpperCase());
    const mark = curRealm && curCluster && extra.length === 0 ? out[curRealm]?.clusters[curCluster] : undefined;
    if (mark) mark.current = true;
    return out;
  }

  get empty(): boolean {
    return Object.keys(this.realms).length === 0;
  }
}

export function syncRealms(config: ContainerSyncConfig): SyncRealms {
  return new SyncRealms(config.realms);
}

/**
 * Swift's ContainerSyncRealms.get_sig: hex HMAC-SHA1, keyed by the realm key, of
 * `METHOD\nPATH\nX-TIMESTAMP\nNONCE\nUSER_KEY`, where PATH is the url-encoded request path.
 */
export function syncSignature(method: string, path: string, timestamp: string, nonce: string, realmKey: string, userKey: string): string {
  return createHmac('sha1', Buffer.from(realmKey, 'utf8'))
    .update(Buffer.from(`${method}\n${path}\n${timestamp}\n${nonce}\n${userKey}`, 'utf8'))
    .digest('hex');
}

/** Constant-time comparison of two signatures (Swift's streq_const_time). */
export function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
