/**
 * `swiftlet migrate`: copies an embedded data directory into the cluster a config describes, then
 * verifies the copy. Safe to rerun: everything already there is skipped.
 */
import type { Config } from '../config/schema.js';
import { openClusterStores } from '../runtime/cluster.js';
import { copyIdentity, type IdentityCopyCounts } from './copy-identity.js';
import { copyObjects } from './copy-objects.js';
import { EmbeddedSource } from './embedded-source.js';
import { formatBytes, Progress } from './progress.js';
import { verify } from './verify.js';

export { MigrationConflict } from './copy-identity.js';

export interface MigrateIo {
  /** Summary lines (stdout). */
  out: (line: string) => void;
  /** Progress output: a bar when `tty`, plain lines otherwise. */
  progress: (text: string) => void;
  tty: boolean;
}

/** Runs the whole migration; resolves with the process exit code (0: copied and verified equal). */
export async function migrate(fromDir: string, config: Config, io: MigrateIo): Promise<number> {
  if (config.storage.backend !== 'cluster') throw new Error('the --config file must set [storage] backend = "cluster" (the destination)');
  const source = await EmbeddedSource.open(fromDir, config.storage.policies);
  try {
    const dest = await openClusterStores(config);
    try {
      const identity: IdentityCopyCounts = await copyIdentity(source, { identity: dest.identityStore, appCreds: dest.appCreds });
      io.out(`identity: ${Object.entries(identity).map(([k, v]) => `${v} ${k}`).join(', ')} added`);
      const progress = new Progress(source.totals(), io.progress, io.tty);
      const counts = await copyObjects(source, dest, progress);
      progress.finish();
      const d = progress.done;
      io.out(`storage: ${counts.accounts} accounts, ${counts.containers} containers, ${d.objects} objects (${formatBytes(d.bytes)}): ${d.copied} copied, ${d.skipped} already there`);
      for (const f of counts.failed) io.out(`failed: ${f}`);
      const checked = await verify(source, dest.meta);
      for (const m of checked.mismatches) io.out(`mismatch: ${m}`);
      const ok = counts.failed.length === 0 && checked.mismatches.length === 0;
      io.out(`verify: ${checked.containers} containers, ${checked.objects} objects, ${checked.bytes} bytes: ${ok ? 'equal on both sides' : `${checked.mismatches.length} mismatches, ${counts.failed.length} failures`}`);
      return ok ? 0 : 1;
    } finally {
      await dest.close();
    }
  } finally {
    source.close();
  }
}
