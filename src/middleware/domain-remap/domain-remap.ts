/**
 * Domain remap (Swift's domain_remap middleware): virtual-host style addressing. For a configured
 * storage domain `storage.example.com`, a request with `Host: <account>.storage.example.com` is a
 * request to `/v1/<account><path>`, and `Host: <container>.<account>.storage.example.com` one to
 * `/v1/<account>/<container><path>`. Host names cannot hold `_`, so `AUTH-test` stands for
 * `AUTH_test` (the first dash after a reseller prefix, matched case-insensitively). An account with
 * none of the reseller prefixes is remapped only when a default prefix is configured. `Location`
 * and `Content-Location` answers that name the remapped path name the requested one again.
 */
import type { DomainRemapConfig } from '../../config/schema.js';
import { SwiftError } from '../../http/errors.js';
import type { Middleware } from '../../http/pipeline.js';
import type { HeaderMap } from '../../http/response.js';
import { encodePath } from '../dlo/segments.js';

export interface DomainRemapSettings extends DomainRemapConfig {
  /** Reseller prefixes without their trailing `_` (`AUTH`, `SERVICE`). */
  resellerPrefixes: string[];
}

export function domainRemapInfo(cfg: DomainRemapConfig): Record<string, unknown> | undefined {
  return storageDomains(cfg).length > 0 ? { default_reseller_prefix: cfg.default_reseller_prefix || null } : undefined;
}

/** Each configured domain with its leading dot, as Swift matches them. */
function storageDomains(cfg: DomainRemapConfig): string[] {
  return cfg.storage_domain.split(',').map((d) => d.trim()).filter((d) => d).map((d) => (d.startsWith('.') ? d : `.${d}`));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function domainRemap(settings: DomainRemapSettings): Middleware {
  const domains = storageDomains(settings);
  const prefixesLower = settings.resellerPrefixes.map((p) => p.toLowerCase());
  return async (ctx, next) => {
    if (domains.length === 0) return next(ctx);
    // Header values arrive as latin1 characters, one per byte; a host may carry UTF-8 names.
    let host = Buffer.from(ctx.headers['host'] ?? '', 'latin1').toString('utf8');
    const colon = host.lastIndexOf(':');
    if (colon !== -1) host = host.slice(0, colon);
    const domain = domains.find((d) => host.endsWith(d));
    if (!domain) return next(ctx);
    const parts = host.slice(0, host.length - domain.length).replace(/^\.+|\.+$/g, '').split('.');
    if (parts.length > 2) throw new SwiftError('BadRequestMessage', { message: 'Bad domain in host header' });
    let account = parts.length === 2 ? parts[1] ?? '' : parts[0] ?? '';
    const container = parts.length === 2 ? parts[0] : undefined;
    if (settings.resellerPrefixes.length > 0) {
      if (!account.includes('_') && account.includes('-')) account = account.replace('-', '_');
      const index = prefixesLower.indexOf((account.split('_', 1)[0] ?? '').toLowerCase());
      if (index !== -1) {
        const real = settings.resellerPrefixes[index] ?? '';
        if (!account.startsWith(real)) account = real + account.slice(real.length);
      } else if (settings.default_reseller_prefix) {
        account = `${settings.default_reseller_prefix}_${account}`;
      } else {
        return next(ctx);
      }
    }
    let path = ctx.path.slice(1);
    let rawPath = ctx.rawPath.slice(1);
    if (settings.mangle_client_paths && `${path}/`.startsWith('v1/')) {
      path = path.slice('v1/'.length);
      rawPath = rawPath.replace(/^v1\/?/, '');
    }
    const head = ['', 'v1', account, ...(container !== undefined ? [container] : [])];
    const requested = ctx.rawPath;
    ctx.path = [...head, path].join('/');
    ctx.rawPath = `${encodePath(head.join('/'))}/${rawPath}`;
    const res = await next(ctx);
    restoreLocations(res.headers, ctx.rawPath, requested);
    return res;
  };
}

/** Swift's RewriteContext: an absolute Location naming the remapped path names the requested one. */
function restoreLocations(headers: HeaderMap, rewritten: string, requested: string): void {
  const pattern = new RegExp(`^(https?://[^/]+)${escapeRegExp(rewritten)}(.*)$`);
  for (const name of ['location', 'content-location']) {
    const value = headers[name];
    if (typeof value === 'string') headers[name] = value.replace(pattern, (_m, origin: string, rest: string) => `${origin}${requested}${rest}`);
  }
}
