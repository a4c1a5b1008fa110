/**
 * The cluster backend's object bytes, one bucket per storage policy on the same S3 service:
 * policy 0 in `storage.s3_bucket`, another policy in its `bucket` or, when that is empty, in
 * `<s3_bucket>-policy-<index>`. Buckets are created when missing.
 */
import type { StorageConfig, StoragePolicyConfig } from '../../config/schema.js';
import type { BlobStore } from '../contracts.js';
import { PolicyBlobStores } from '../policy-blobs.js';
import { S3BlobStore } from './blob-store.js';

export function policyBucket(storage: Pick<StorageConfig, 's3_bucket'>, policy: Pick<StoragePolicyConfig, 'index' | 'bucket'>): string {
  if (policy.bucket !== '') return policy.bucket;
  return policy.index === 0 ? storage.s3_bucket : `${storage.s3_bucket}-policy-${policy.index}`;
}

export async function openPolicyBuckets(s: StorageConfig): Promise<{ blobs: BlobStore; close(): void }> {
  const opened: S3BlobStore[] = [];
  const stores = new Map<number, BlobStore>();
  try {
    for (const p of s.policies) {
      const bucket = policyBucket(s, p);
      const store = await S3BlobStore.open({
        endpoint: s.s3_endpoint, region: s.s3_region, bucket,
        accessKeyId: s.s3_access_key, secretAccessKey: s.s3_secret_key, forcePathStyle: s.s3_force_path_style,
      }, (err) => console.error(`warning: bucket ${bucket} not reachable at start (objects in S3 answer 503 until it is): ${err.message}`));
      opened.push(store);
      stores.set(p.index, store);
    }
  } catch (err) {
    for (const store of opened) store.close();
    throw err;
  }
  const close = (): void => { for (const store of opened) store.close(); };
  const only = opened[0];
  if (opened.length === 1 && only) return { blobs: only, close };
  return { blobs: new PolicyBlobStores(stores, s.policies.find((p) => p.default)?.index ?? 0), close };
}
