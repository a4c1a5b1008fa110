/**
 * Account listings of versioned containers, as Swift's object versioning shows them: a container's
 * `bytes` include its versions container's (which is itself hidden), and a versions container left
 * without its container (an orphan holding data) is listed under the container's name with
 * `count` 0, so that its owner sees the bytes and can clean them up.
 */
import type { ContainerListEntry, Listed, ListOptions, MetadataStore } from '../../storage/contracts.js';
import { compareNames } from '../../storage/listing.js';
import { primaryOfVersionsContainer, versionsContainerName } from '../../swift/reserved-names.js';

export async function withVersionsBytes(
  meta: MetadataStore, account: string, options: ListOptions, listed: Listed<ContainerListEntry>[],
): Promise<Listed<ContainerListEntry>[]> {
  // The versions containers of the same page: the client's bounds moved into their namespace.
  const hiddenOptions: ListOptions = { limit: options.limit, prefix: versionsContainerName(options.prefix ?? '') };
  if (options.marker) hiddenOptions.marker = versionsContainerName(options.marker);
  if (options.endMarker) hiddenOptions.endMarker = versionsContainerName(options.endMarker);
  if (options.reverse) hiddenOptions.reverse = true;
  // Rolled up the same way, so that a container inside a pseudo-directory is not taken for an orphan.
  if (options.delimiter) hiddenOptions.delimiter = options.delimiter;
  const hidden = new Map<string, ContainerListEntry>();
  for (const entry of await meta.listContainers(account, hiddenOptions)) {
    if ('subdir' in entry) continue;
    const primary = primaryOfVersionsContainer(entry.name);
    if (primary !== undefined) hidden.set(primary, entry);
  }
  if (hidden.size === 0) return listed;
  const merged = listed.map((entry) => {
    if ('subdir' in entry) return entry;
    const versions = hidden.get(entry.name);
    if (!versions) return entry;
    hidden.delete(entry.name);
    return { ...entry, bytesUsed: entry.bytesUsed + versions.bytesUsed };
  });
  for (const [name, orphan] of hidden) merged.push({ ...orphan, name, objectCount: 0 });
  const key = (e: Listed<ContainerListEntry>) => ('subdir' in e ? e.subdir : e.name);
  merged.sort((a, b) => (options.reverse ? -1 : 1) * compareNames(key(a), key(b)));
  return merged.slice(0, options.limit);
}
