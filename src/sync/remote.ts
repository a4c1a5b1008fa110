/**
 * The sync daemon's requests to the remote container, signed as Swift's container-sync daemon
 * signs them (sync.py `_update_sync_to_headers`): with a realm, `X-Container-Sync-Auth: <REALM>
 * <nonce> <sig>` over the method, the remote path, the X-Timestamp and the nonce; with a full URL,
 * the container's key in `X-Container-Sync-Key` (which Swift 2.30's gatekeeper leaves unusable,
 * as it sets aside the X-Timestamp the key needs).
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import type { SyncTarget } from '../middleware/container-sync/sync-to.js';
import { syncSignature } from '../middleware/container-sync/realms.js';
import { pyQuote } from '../swift/quote.js';

export interface RemoteContainer {
  target: SyncTarget;
  /** The local container's X-Container-Sync-Key (the remote container must have the same). */
  userKey: string;
  timeoutMs: number;
}

export interface RemoteAnswer {
  status: number;
  headers: IncomingHttpHeaders;
}

/** What went wrong talking to the remote cluster (no answer, or an answer the push cannot accept). */
export class RemoteSyncError extends Error {}

/** The path part of the container URL as written (Swift signs urlparse(sync_to).path, not a re-encoded one). */
function urlPath(url: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/i.exec(url);
  return m?.[1] ?? '';
}

/** Sends one signed request about object `name`; resolves with the remote's status and headers. */
export function remoteRequest(
  remote: RemoteContainer, method: 'HEAD' | 'PUT' | 'DELETE', name: string, headers: Record<string, string>,
  body?: { stream: Readable } | { buffer: Buffer },
): Promise<RemoteAnswer> {
  const quoted = pyQuote(name);
  const out: Record<string, string> = { ...headers };
  const { realm } = remote.target;
  if (realm) {
    const nonce = randomUUID().replace(/-/g, '');
    const path = `${urlPath(remote.target.url)}/${quoted}`;
    const sig = syncSignature(method, path, out['x-timestamp'] ?? '0', nonce, realm.key, remote.userKey);
    out['x-container-sync-auth'] = `${realm.name} ${nonce} ${sig}`;
  } else {
    out['x-container-sync-key'] = remote.userKey;
  }
  const url = new URL(`${remote.target.url}/${quoted}`);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<RemoteAnswer>((resolve, reject) => {
    const req = send(url, { method, headers: out, timeout: remote.timeoutMs }, (res) => {
      // The answer's body (an error page at most) is not needed.
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new RemoteSyncError(`${method} ${url.href}: no answer in ${remote.timeoutMs} ms`)));
    req.on('error', (err) => reject(err instanceof RemoteSyncError ? err : new RemoteSyncError(`${method} ${url.href}: ${err.message}`)));
    if (body === undefined) req.end();
    else if ('buffer' in body) req.end(body.buffer);
    else {
      body.stream.on('error', (err) => req.destroy(err));
      body.stream.pipe(req);
    }
  });
}
