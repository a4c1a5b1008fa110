/**
 * Container sync settings (docs/auth-rules.md R4.2, S8). `X-Container-Sync-Key` and `X-Container-Sync-To` are
 * owner-only headers (dropped from non-owners' writes, hidden from their reads: controllers/common.ts).
 * `X-Container-Sync-To` is checked as Swift's container server does (utils.validate_sync_to), so a
 * value that Swift would refuse is refused here too, with Swift's message:
 * - `//realm/cluster/account/container` needs the realm (with a key) and the cluster in
 *   `[container_sync.realms]`; it resolves to `<cluster url>/<account>/<container>`;
 * - otherwise an http(s) URL with a path, no params/query/fragment, whose host is an allowed sync
 *   host (`[container_sync] allowed_sync_hosts`, Swift's default `127.0.0.1`), and only when
 *   `allow_full_urls` is on (Swift's container_sync middleware).
 * An empty value (after trailing slashes are dropped) clears the setting.
 */
import type { ContainerSyncConfig } from '../../config/schema.js';
import { SwiftError } from '../../http/errors.js';
import { pyRepr } from '../../swift/pyjson.js';
import { SyncRealms } from './realms.js';

export const ALLOWED_SYNC_HOSTS: readonly string[] = ['127.0.0.1'];

/** Where a container syncs to: the remote container's URL, and the realm that signs the pushes (none for a full URL). */
export interface SyncTarget {
  url: string;
  realm?: { name: string; key: string };
}

export type SyncToResult = { error: string } | { target: SyncTarget } | { cleared: true };

/** Swift's validate_sync_to: the target of this value, or the error Swift gives for it. */
export function resolveSyncTo(value: string, allowedHosts: readonly string[], realms: SyncRealms): SyncToResult {
  const trimmed = value.replace(/\/+$/, '');
  if (trimmed === '') return { cleared: true };
  if (trimmed.startsWith('//')) {
    const parts = trimmed.slice(2).split('/');
    if (parts.length !== 4) return { error: `Invalid X-Container-Sync-To format ${pyRepr(value)}` };
    const [realm = '', cluster = '', account = '', container = ''] = parts;
    const key = realms.key(realm);
    if (!key) return { error: `No realm key for ${pyRepr(realm)}` };
    const endpoint = realms.endpoint(realm, cluster);
    if (!endpoint) return { error: `No cluster endpoint for ${pyRepr(realm)} ${pyRepr(cluster)}` };
    return { target: { url: `${endpoint.replace(/\/+$/, '')}/${account}/${container}`, realm: { name: realm.toUpperCase(), key } } };
  }
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(trimmed);
  const scheme = m ? (m[1] ?? '').toLowerCase() : '';
  if (scheme !== 'http' && scheme !== 'https') {
    return { error: `Invalid scheme ${pyRepr(scheme)} in X-Container-Sync-To, must be "//", "http", or "https".` };
  }
  // urlsplit: //netloc up to the next '/', '?' or '#'; then path; ';params' belong to the last segment.
  const rest = trimmed.slice(scheme.length + 1);
  const netlocMatch = /^\/\/([^/?#]*)/.exec(rest);
  const netloc = netlocMatch ? (netlocMatch[1] ?? '') : '';
  const afterNetloc = rest.slice(netlocMatch ? netlocMatch[0].length : 0);
  const pathEnd = afterNetloc.search(/[?#]/);
  const path = pathEnd === -1 ? afterNetloc : afterNetloc.slice(0, pathEnd);
  const lastSegment = path.slice(path.lastIndexOf('/') + 1);
  if (path === '') return { error: 'Path required in X-Container-Sync-To' };
  if (pathEnd !== -1 || lastSegment.includes(';')) return { error: 'Params, queries, and fragments not allowed in X-Container-Sync-To' };
  const hostPort = netloc.slice(netloc.lastIndexOf('@') + 1);
  const host = hostPort.startsWith('[') ? hostPort.slice(1, hostPort.indexOf(']')) : hostPort.replace(/:[^:]*$/, '');
  const hostname = host === '' ? undefined : host.toLowerCase();
  if (hostname === undefined || !allowedHosts.includes(hostname)) {
    return { error: `Invalid host ${hostname === undefined ? 'None' : pyRepr(hostname)} in X-Container-Sync-To` };
  }
  return { target: { url: trimmed } };
}

/** The error Swift's validate_sync_to gives for this value, or undefined when it is acceptable. */
export function syncToError(value: string, allowedHosts: readonly string[] = ALLOWED_SYNC_HOSTS, realms = new SyncRealms({})): string | undefined {
  const result = resolveSyncTo(value, allowedHosts, realms);
  return 'error' in result ? result.error : undefined;
}

export function allowedSyncHosts(config: ContainerSyncConfig): string[] {
  return config.allowed_sync_hosts.split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
}

/** Refuses (400, Swift's text) an `X-Container-Sync-To` the container would not accept. */
export function checkSyncTo(changes: Record<string, string>, config: ContainerSyncConfig): void {
  const value = changes['x-container-sync-to'];
  if (value === undefined) return;
  if (!config.allow_full_urls && value !== '' && !value.startsWith('//')) {
    throw new SwiftError('BadRequestMessage', {
      message: 'Full URLs are not allowed for X-Container-Sync-To values. Only realm values of the format //realm/cluster/account/container are allowed.\n',
    });
  }
  const error = syncToError(value, allowedSyncHosts(config), new SyncRealms(config.realms));
  if (error !== undefined) throw new SwiftError('InvalidSyncTo', { message: error });
}
