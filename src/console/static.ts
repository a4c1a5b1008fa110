/**
 * Serves the browser console (`[console]`, console/src compiled to dist/console, with
 * console/static/index.html and console.css) at `/console`. The console is a client of the public
 * APIs (/v1, /v3) like any other: this middleware only hands out its files, before authentication,
 * with headers that keep the page out of frames and forbid any script but its own files.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { ConsoleConfig } from '../config/schema.js';
import type { Middleware } from '../http/pipeline.js';
import type { HeaderMap, SwiftResponse } from '../http/response.js';

/** The page's own files only: no inline script or style, no frames, no other origin. */
export const CONSOLE_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
  "connect-src 'self'", "form-action 'none'", "frame-ancestors 'none'", "base-uri 'none'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** Where the files are, from dist/src/console (compiled) to the repository's root. */
const ROOT = resolve(import.meta.dirname, '../../..');
export const CONSOLE_STATIC_DIR = join(ROOT, 'console', 'static');
export const CONSOLE_SCRIPT_DIR = join(ROOT, 'dist', 'console');

function asset(body: Buffer, name: string): Asset {
  return { body, type: CONTENT_TYPES[extname(name)] ?? 'application/octet-stream', etag: `"${createHash('md5').update(body).digest('hex')}"` };
}

/** What the browser needs to know of the server beyond its files. */
export interface ConsoleSite {
  /** Where users log in: `/v3`, or an external Keystone's v3 URL in keystone mode. */
  identityUrl: string;
  /** Reseller prefixes of the service accounts (`SERVICE_`), listed to administrators. */
  serviceAccountPrefixes: string[];
  /** The users' own reseller prefix (`AUTH_`): their account when the token's catalog names no object store. */
  accountPrefix: string;
  /** `[auth] reseller_admin_role`: its holders are identity administrators, as `admin` on project `admin`. */
  resellerAdminRole: string;
  /** `[images] public_url`: the image service, whose GET /v2/audit/latest the Image audit page reads; '' when none. */
  imageServiceUrl: string;
}

/** Reads the console's files once per process (they change only with a new build, which restarts the server). */
function loadAssets(config: ConsoleConfig, site: ConsoleSite): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const dir of [CONSOLE_STATIC_DIR, CONSOLE_SCRIPT_DIR]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (CONTENT_TYPES[extname(name)] === undefined) continue;
      assets.set(name, asset(readFileSync(join(dir, name)), name));
    }
  }
  // The upload policy the browser follows, from the server's configuration.
  const settings = { sloThreshold: config.slo_threshold, segmentSize: config.segment_size, ...site };
  assets.set('config.json', asset(Buffer.from(JSON.stringify(settings)), 'config.json'));
  return assets;
}

function securityHeaders(csp: string): HeaderMap {
  return {
    'content-security-policy': csp,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // Revalidated on every load, so a new build is seen at once; unchanged files answer 304.
    'cache-control': 'no-cache',
  };
}

export function webConsole(config: ConsoleConfig, site: ConsoleSite): Middleware {
  if (!config.enabled) return (ctx, next) => next(ctx);
  const assets = loadAssets(config, site);
  // An external Keystone and the image service are the other origins the page may call (they must
  // allow it through CORS; the image service does for its audit route, see src/images/audit-api.ts).
  const others = [site.identityUrl, site.imageServiceUrl].filter((u) => /^https?:\/\//.test(u)).map((u) => new URL(u).origin);
  const csp = others.length > 0
    ? CONSOLE_CSP.replace("connect-src 'self'", `connect-src 'self' ${[...new Set(others)].join(' ')}`)
    : CONSOLE_CSP;
  return async (ctx, next) => {
    if (ctx.path !== '/console' && !ctx.path.startsWith('/console/')) return next(ctx);
    const name = ctx.path === '/console' || ctx.path === '/console/' ? 'index.html' : ctx.path.slice('/console/'.length);
    const found = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9]+)+$/.test(name) ? assets.get(name) : undefined;
    const headers = securityHeaders(csp);
    if (!found) {
      const missing = name === 'index.html' ? 'The console is not built (npm run build).' : 'Not Found';
      return { status: 404, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' }, body: missing };
    }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      return { status: 405, headers: { ...headers, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }, body: 'Method Not Allowed' };
    }
    const base: HeaderMap = { ...headers, etag: found.etag, 'content-type': found.type };
    if (ctx.headers['if-none-match'] === found.etag) return { status: 304, headers: base } satisfies SwiftResponse;
    return { status: 200, headers: { ...base, 'content-length': String(found.body.length) }, body: found.body };
  };
}
