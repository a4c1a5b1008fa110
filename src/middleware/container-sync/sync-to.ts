/**
 * Container sync settings (spec R4.2, S8). `X-Container-Sync-Key` and `X-Container-Sync-To` are
 * owner-only headers (dropped from non-owners' writes, hidden from their reads: controllers/common.ts);
 * the key lets a container-sync request write without a token (S8, policy.ts). Swiftlet runs no sync
 * daemon, but it checks `X-Container-Sync-To` as Swift's container server does (validate_sync_to), so
 * a value that Swift would refuse is refused here too, with Swift's message:
 * - `//realm/cluster/account/container` needs a configured realm (Swiftlet has none);
 * - otherwise an http(s) URL with a path, no params/query/fragment, whose host is an allowed sync
 *   host (Swift's default `allowed_sync_hosts = 127.0.0.1`).
 * An empty value (after trailing slashes are dropped) clears the setting.
 */
import { SwiftError } from '../../http/errors.js';
import { pyRepr } from '../../swift/pyjson.js';

export const ALLOWED_SYNC_HOSTS: readonly string[] = ['127.0.0.1'];

/** The error Swift's validate_sync_to gives for this value, or undefined when it is acceptable. */
export function syncToError(value: string, allowedHosts: readonly string[] = ALLOWED_SYNC_HOSTS): string | undefined {
  const trimmed = value.replace(/\/+$/, '');
  if (trimmed === '') return undefined;
  if (trimmed.startsWith('//')) {
    const parts = trimmed.slice(2).split('/');
    if (parts.length !== 4) return `Invalid X-Container-Sync-To format ${pyRepr(value)}`;
    return `No realm key for ${pyRepr(parts[0] ?? '')}`;
  }
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(trimmed);
  const scheme = m ? (m[1] ?? '').toLowerCase() : '';
  if (scheme !== 'http' && scheme !== 'https') {
    return `Invalid scheme ${pyRepr(scheme)} in X-Container-Sync-To, must be "//", "http", or "https".`;
  }
  // urlsplit: //netloc up to the next '/', '?' or '#'; then path; ';params' belong to the last segment.
  const rest = trimmed.slice(scheme.length + 1);
  const netlocMatch = /^\/\/([^/?#]*)/.exec(rest);
  const netloc = netlocMatch ? (netlocMatch[1] ?? '') : '';
  const afterNetloc = rest.slice(netlocMatch ? netlocMatch[0].length : 0);
  const pathEnd = afterNetloc.search(/[?#]/);
  const path = pathEnd === -1 ? afterNetloc : afterNetloc.slice(0, pathEnd);
  const lastSegment = path.slice(path.lastIndexOf('/') + 1);
  if (path === '') return 'Path required in X-Container-Sync-To';
  if (pathEnd !== -1 || lastSegment.includes(';')) return 'Params, queries, and fragments not allowed in X-Container-Sync-To';
  const hostPort = netloc.slice(netloc.lastIndexOf('@') + 1);
  const host = hostPort.startsWith('[') ? hostPort.slice(1, hostPort.indexOf(']')) : hostPort.replace(/:[^:]*$/, '');
  const hostname = host === '' ? undefined : host.toLowerCase();
  if (hostname === undefined || !allowedHosts.includes(hostname)) {
    return `Invalid host ${hostname === undefined ? 'None' : pyRepr(hostname)} in X-Container-Sync-To`;
  }
  return undefined;
}

/** Refuses (400, Swift's text) an `X-Container-Sync-To` the container would not accept. */
export function checkSyncTo(changes: Record<string, string>): void {
  const value = changes['x-container-sync-to'];
  if (value === undefined) return;
  const error = syncToError(value);
  if (error !== undefined) throw new SwiftError('InvalidSyncTo', { message: error });
}
