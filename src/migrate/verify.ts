/**
 * The check after a copy: for every container of the source, the destination holds the same number of
 * objects, the same bytes and the same set of (name, etag), read through the destination's listing
 * and its container record (the counts clients see in HEAD).
 */
import type { MetadataStore, ListedObject } from '../storage/contracts.js';
import type { EmbeddedSource } from './embedded-source.js';

export interface VerifyResult { containers: number; objects: number; bytes: number; mismatches: string[] }

const PAGE = 1000;

export async function verify(source: EmbeddedSource, meta: MetadataStore): Promise<VerifyResult> {
  const result: VerifyResult = { containers: 0, objects: 0, bytes: 0, mismatches: [] };
  for (const account of source.accounts()) {
    if (!(await meta.getAccount(account.name))) {
      result.mismatches.push(`${account.name}: account missing`);
      continue;
    }
    for (const container of source.containers(account.name)) {
      // Reserved names (object versioning's) start with NUL: shown escaped.
      const where = `${account.name}/${container.name}`.replace(/\u0000/g, '\\u0000');
      const want = source.containerTotals(account.name, container.name);
      result.containers++;
      result.objects += want.count;
      result.bytes += want.bytes;
      const info = await meta.getContainer(account.name, container.name);
      if (!info) {
        result.mismatches.push(`${where}: container missing`);
        continue;
      }
      if (info.objectCount !== want.count || info.bytesUsed !== want.bytes) {
        result.mismatches.push(`${where}: ${info.objectCount} objects / ${info.bytesUsed} bytes, source ${want.count} / ${want.bytes}`);
      }
      let listed = 0;
      let listedBytes = 0;
      let marker: string | undefined;
      const differing: string[] = [];
      for (;;) {
        const page = (await meta.listObjects(account.name, container.name, { limit: PAGE, ...(marker !== undefined ? { marker } : {}) }))
          .filter((e): e is ListedObject => !('subdir' in e));
        for (const e of page) {
          listed++;
          listedBytes += e.size;
          if (want.etags.get(e.name) !== e.etag) differing.push(e.name);
          want.etags.delete(e.name);
        }
        if (page.length < PAGE) break;
        marker = page[page.length - 1]?.name;
      }
      differing.push(...want.etags.keys());
      if (listed !== want.count || listedBytes !== want.bytes) {
        result.mismatches.push(`${where}: listing shows ${listed} objects / ${listedBytes} bytes, source ${want.count} / ${want.bytes}`);
      }
      if (differing.length > 0) {
        result.mismatches.push(`${where}: ${differing.length} names or etags differ (${differing.slice(0, 5).map((n) => JSON.stringify(n)).join(', ')}${differing.length > 5 ? ', …' : ''})`);
      }
    }
  }
  return result;
}
