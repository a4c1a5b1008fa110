/**
 * `swiftlet images serve` and `swiftlet images audit`: wiring from the `[images]` config section.
 */
import { resolve } from 'node:path';
import { parseRoleList } from '../auth/prefixes.js';
import type { ImagesConfig } from '../config/schema.js';
import { ImageApi } from './api.js';
import { auditOrigins } from './audit-api.js';
import { audit, formatReport, type AuditProgress, type AuditReport, type AuditRun } from './audit.js';
import { stderrProgress } from '../cli/progress.js';
import { ImageDb, isoNow } from './db.js';
import { IdentityUnavailable, ServiceCredential, TokenValidator } from './identity.js';
import { ImageStore } from './store.js';

export class ImagesUsageError extends Error {}

function parts(cfg: ImagesConfig) {
  const swiftUrl = cfg.swift_url.replace(/\/+$/, '');
  const identityUrl = (cfg.identity_url || swiftUrl).replace(/\/+$/, '').replace(/\/v3$/, '');
  // Own tokens are reused for at most token_cache_time seconds too (but at least 1 s: 0 would mean a login per call).
  const ownTokenAge = Math.max(1, cfg.token_cache_time);
  const service = new ServiceCredential(identityUrl, cfg.service_user, cfg.service_password, cfg.service_project, ownTokenAge);
  const reader = new ServiceCredential(identityUrl, cfg.reader_user, cfg.reader_password, cfg.reader_project, ownTokenAge);
  const store = new ImageStore({
    swiftUrl, accountPrefix: cfg.account_prefix, container: cfg.container,
    segmentContainer: cfg.segment_container || `${cfg.container}_segments`, segmentSize: cfg.segment_size,
  }, service, reader);
  return { swiftUrl, identityUrl, service, reader, store };
}

export async function serveImages(cfg: ImagesConfig): Promise<void> {
  if (!cfg.service_user || !cfg.service_password) throw new ImagesUsageError('[images] service_user and service_password are required');
  if (!cfg.reader_user || !cfg.reader_password) throw new ImagesUsageError('[images] reader_user and reader_password are required (a read-only role, see docs/service-accounts.md)');
  const { identityUrl, service, store } = parts(cfg);
  const db = new ImageDb(resolve(cfg.database));
  // Fail early when the service credential is wrong; wait (up to 30 s) for an identity service that is
  // still starting.
  for (let attempt = 0; ; attempt++) {
    try {
      await service.get();
      break;
    } catch (err) {
      if (!(err instanceof IdentityUnavailable && err.unreachable) || attempt >= 30) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const api = new ImageApi({
    db, store, validator: new TokenValidator(identityUrl, service, cfg.token_cache_time), adminRoles: parseRoleList(cfg.admin_roles), identityUrl,
    auditRoles: parseRoleList(cfg.audit_roles), auditOrigins: auditOrigins(cfg.cors_allowed_origins, cfg.swift_url),
  });
  const server = api.server();
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(cfg.port, cfg.host, () => ok());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
  console.log(`Swiftlet image service listening on http://${cfg.host}:${port} (store ${cfg.swift_url}, ${cfg.account_prefix}<project>/${cfg.container})`);
  const stop = () => {
    server.close(() => { db.close(); process.exit(0); });
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

export async function auditImages(cfg: ImagesConfig, options: { json: boolean; repair: boolean; staleAfter: number }, out: (line: string) => void): Promise<number> {
  if (!cfg.reader_user || !cfg.reader_password) throw new ImagesUsageError('[images] reader_user and reader_password are required for the audit');
  const { store } = parts(cfg);
  const path = resolve(cfg.database);
  const db = new ImageDb(path, !options.repair);
  const started = isoNow();
  const run = (r: AuditReport | undefined, error: string | null): AuditRun => ({
    started_at: started, finished_at: isoNow(), repair: options.repair, stale_after: options.staleAfter, error,
    clean: r?.clean ?? false, accounts: r?.accounts ?? 0, images: r?.images ?? 0, objects: r?.objects ?? 0, findings: r?.findings ?? [],
  });
  try {
    let report;
    try {
      // Progress on stderr, so that the report on stdout (a table or JSON) stays clean.
      const bar = stderrProgress({ label: 'images audit', unit: 'images' });
      const state = (p: AuditProgress) => ({
        done: p.images, total: p.totalImages, text: `${p.accounts}/${p.totalAccounts} accounts, ${p.images}/${p.totalImages} images, ${p.objects} objects, ${p.findings} findings`,
      });
      let last: AuditProgress | undefined;
      report = await audit(db, store, { ...options, onProgress: (p) => { last = p; bar.update(state(p)); } });
      // Always a last line, even for a database with no images (no account was walked).
      bar.finish(state(last ?? { accounts: 0, totalAccounts: 0, images: 0, totalImages: 0, objects: report.objects, findings: report.findings.length }));
    } catch (err) {
      out(options.json ? JSON.stringify({ error: (err as Error).message }) : `audit failed: ${(err as Error).message}`);
      recordRun(options.repair ? db : undefined, path, run(undefined, (err as Error).message));
      return 2;
    }
    recordRun(options.repair ? db : undefined, path, run(report, null));
    if (options.json) out(JSON.stringify(report, null, 2));
    else for (const l of formatReport(report)) out(l);
    return report.clean ? 0 : 1;
  } finally {
    db.close();
  }
}

/**
 * Keeps the run in the image database for the image service's GET /v2/audit/latest. Without
 * --repair the audit reads the images through a read-only handle (it changes none of them); the run
 * is written through a handle of its own. Not being able to record it (a read-only file) does not
 * fail the audit: its report is on stdout either way.
 */
function recordRun(writable: ImageDb | undefined, path: string, run: AuditRun): void {
  let db: ImageDb | undefined;
  try {
    db = writable ?? new ImageDb(path);
    db.recordAudit(run.finished_at, run);
  } catch (err) {
    console.error(`warning: the audit's findings could not be recorded for the image service: ${(err as Error).message}`);
  } finally {
    if (db && db !== writable) db.close();
  }
}
