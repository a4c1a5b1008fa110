/**
 * The embedded backend's object files, one directory per storage policy: policy 0 in the data
 * directory itself (where they were before policies existed), another policy in its `path` or, when
 * that is empty, in `<data_dir>/policy-<index>`.
 */
import { join, resolve } from 'node:path';
import type { StoragePolicyConfig } from '../../config/schema.js';
import type { BlobStore } from '../contracts.js';
import { PolicyBlobStores } from '../policy-blobs.js';
import { FsBlobStore } from './blob-store.js';

export function policyDirectory(dataDir: string, policy: Pick<StoragePolicyConfig, 'index' | 'path'>): string {
  if (policy.path !== '') return resolve(policy.path);
  return policy.index === 0 ? dataDir : join(dataDir, `policy-${policy.index}`);
}

export async function openEmbeddedBlobStores(dataDir: string, policies: readonly StoragePolicyConfig[]): Promise<BlobStore> {
  if (policies.length <= 1) return FsBlobStore.open(policyDirectory(dataDir, policies[0] ?? { index: 0, path: '' }));
  const stores = new Map<number, BlobStore>();
  for (const p of policies) stores.set(p.index, await FsBlobStore.open(policyDirectory(dataDir, p)));
  return new PolicyBlobStores(stores, policies.find((p) => p.default)?.index ?? 0);
}
