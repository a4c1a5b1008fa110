/**
 * `swiftlet audit`: one pass of the object auditor (src/storage/integrity/auditor.ts) over the
 * configured store, with a progress bar on a terminal (a line every few seconds otherwise) and a
 * summary: objects and bytes checked, damaged, missing, quarantined. Exit status 0 when everything
 * was intact, 1 when something was found, 2 on a usage or configuration error.
 *
 * Safe while `swiftlet serve` runs on the same data directory: SQLite in WAL mode lets several
 * processes of one machine read and write one database (as the server's own worker processes do),
 * every quarantine is an ordinary delete transaction that keeps the container and account counts
 * exact, and it removes only the exact version that was read (a write that lands meanwhile wins).
 * The server keeps no copy of object records between requests, so it sees the removal at once.
 * `--dry-run` only reports. On the cluster backend the walk goes over every PostgreSQL shard and
 * reads the bytes from S3, from any node; S3 has no quarantine area yet, so a damaged S3 blob whose
 * record was removed is left to the orphan sweeper (deleted after its grace hour), not kept.
 */
import type { Config } from '../config/schema.js';
import { auditPass, type AuditSummary } from '../storage/integrity/auditor.js';
import type { Damage } from '../storage/integrity/quarantine.js';
import type { ObjectRecord } from '../storage/contracts.js';
import { openClusterStores } from '../runtime/cluster.js';
import { openEmbeddedStores } from '../runtime/embedded.js';
import { formatBytes, ProgressBar } from './progress.js';

export const AUDIT_USAGE = `object audit (one pass of the [auditor] over the store; see swiftlet.example.toml):
  swiftlet audit [--data DIR] [--config FILE] [--bytes-per-second N] [--dry-run] [--json]`;

export interface AuditCliOptions {
  /** Overrides [auditor] bytes_per_second; 0: as fast as the disk goes. */
  bytesPerSecond?: number;
  dryRun: boolean;
  json: boolean;
}

interface Finding { object: string; damage: Damage; detail: string }

export async function runAudit(config: Config, options: AuditCliOptions, io: { out: (line: string) => void; progress: (text: string) => void; tty: boolean }): Promise<number> {
  const stores = config.storage.backend === 'cluster' ? await openClusterStores(config) : await openEmbeddedStores(config);
  try {
    if (!stores.meta.auditPage) {
      io.out('swiftlet audit: this backend\'s metadata store cannot be walked');
      return 2;
    }
    const totals = (await stores.meta.auditTotals?.()) ?? { objects: 0, bytes: 0 };
    // The bar fills with bytes; a store of empty objects only fills it with objects.
    const byBytes = totals.bytes > 0;
    const bar = new ProgressBar({
      label: 'audit', write: io.progress, tty: io.tty && !options.json,
      unit: byBytes ? 'bytes' : 'objects', total: byBytes ? totals.bytes : totals.objects,
    });
    const state = (s: AuditSummary) => ({
      done: byBytes ? s.bytes : s.objects,
      text: `${s.objects}/${totals.objects} objects, ${formatBytes(s.bytes)}/${formatBytes(totals.bytes)} (${s.damaged} damaged, ${s.missing} missing)`,
    });
    const findings: Finding[] = [];
    const summary = await auditPass(stores.meta, () => stores.blobs, {
      bytesPerSecond: options.bytesPerSecond ?? config.auditor.bytes_per_second,
      quarantine: !options.dryRun,
      onProgress: (s) => bar.update(state(s)),
      onFinding: (rec: ObjectRecord, damage, detail) => findings.push({ object: `${rec.account}/${rec.container}/${rec.name}`, damage, detail }),
      log: (line) => bar.log(line),
    });
    bar.finish(state(summary));
    if (options.json) {
      io.out(JSON.stringify({ ...summary, dryRun: options.dryRun, findings }));
    } else {
      for (const f of findings) io.out(`${f.damage}: ${f.object}: ${f.detail}`);
      io.out(`audit: ${summary.objects} objects, ${formatBytes(summary.bytes)} checked; ${summary.damaged} damaged, ` +
        `${summary.missing} missing, ${summary.quarantined} quarantined${options.dryRun ? ' (dry run: nothing quarantined)' : ''}`);
    }
    return summary.damaged + summary.missing > 0 ? 1 : 0;
  } finally {
    await stores.close();
  }
}
