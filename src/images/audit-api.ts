/**
 * GET /v2/audit/latest: the last run of `swiftlet images audit` as it recorded it in the image
 * database (audit.ts's AuditRun), `{"audit": null}` before the first. Image administrators
 * (`[images] admin_roles`) and holders of an `[images] audit_roles` role may read it; anyone else
 * gets 403. It names every project's images and objects, hence not for project users.
 *
 * The web console, served by Swiftlet on another origin, reads it from the browser: this route (and
 * only this one) answers CORS for the origins in `[images] cors_allowed_origins` (default: the
 * origin of `swift_url`, where Swiftlet serves the console). The token travels in X-Auth-Token; no
 * credentials (cookies) are ever allowed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const AUDIT_PATH = '/v2/audit/latest';

/** The origins allowed to read the audit from a browser: the configured ones, else swift_url's. */
export function auditOrigins(configured: string, swiftUrl: string): string[] {
  const list = configured.split(',').map((o) => o.trim().replace(/\/+$/, '')).filter((o) => o !== '');
  if (list.length > 0) return list;
  try {
    return [new URL(swiftUrl).origin];
  } catch {
    return [];
  }
}

/**
 * Adds the CORS answer headers for an allowed Origin; answers a preflight (OPTIONS) itself and
 * returns true then. The headers are set before the answer is written, so errors (401, 403) carry
 * them too and the console can tell a refusal from a network failure.
 */
export function auditCors(req: IncomingMessage, res: ServerResponse, origins: readonly string[]): boolean {
  const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
  res.setHeader('vary', 'Origin');
  const allowed = origin !== undefined && origins.includes(origin);
  if (allowed) res.setHeader('access-control-allow-origin', origin);
  if (req.method !== 'OPTIONS') return false;
  req.resume();
  const headers: Record<string, string> = { 'content-length': '0' };
  if (allowed) {
    headers['access-control-allow-methods'] = 'GET, HEAD';
    headers['access-control-allow-headers'] = 'x-auth-token';
    headers['access-control-max-age'] = '600';
  }
  res.writeHead(allowed ? 204 : 403, headers).end();
  return true;
}
