/**
 * One BlobStore over the stores of several storage policies (embedded: a directory each, so a
 * policy can sit on another disk; cluster: a bucket each). A write goes to the store of the policy
 * it names (the container's); the blob id it returns carries that policy, `<index>/<id>`, so reads,
 * deletes and the orphan sweeper find the bytes wherever they went, even if the container is later
 * deleted and re-created under another policy. Policy 0's ids stay bare: data written before
 * policies existed is policy 0's, unchanged.
 */
import type { Readable } from 'node:stream';
import type { BlobReader, BlobStore, BlobWriteOptions, StoredBlob } from './contracts.js';

const QUALIFIED = /^(\d+)\/(.+)$/;

export function policyBlobId(policy: number, innerId: string): string {
  return policy === 0 ? innerId : `${policy}/${innerId}`;
}

/** The policy and the policy store's own id of a blob id. */
export function splitPolicyBlobId(blobId: string): { policy: number; innerId: string } {
  const m = QUALIFIED.exec(blobId);
  return m ? { policy: Number(m[1]), innerId: m[2] ?? '' } : { policy: 0, innerId: blobId };
}

export class PolicyBlobStores implements BlobStore {
  /** `stores` by policy index; `defaultPolicy` takes writes that name none. */
  constructor(private readonly stores: ReadonlyMap<number, BlobStore>, private readonly defaultPolicy: number) {
    if (!stores.has(defaultPolicy)) throw new Error(`no blob store for the default policy ${defaultPolicy}`);
  }

  private storeOf(policy: number): BlobStore {
    const store = this.stores.get(policy);
    // A container whose policy was removed from the configuration: its bytes are out of reach, and
    // saying so beats writing them somewhere the configuration does not name.
    if (!store) throw new Error(`storage policy ${policy} is not configured`);
    return store;
  }

  async write(source: Readable, options: BlobWriteOptions): Promise<StoredBlob> {
    const policy = options.policy ?? this.defaultPolicy;
    const stored = await this.storeOf(policy).write(source, options);
    return { ...stored, blobId: policyBlobId(policy, stored.blobId) };
  }

  async open(blobId: string): Promise<BlobReader | undefined> {
    const { policy, innerId } = splitPolicyBlobId(blobId);
    // Throws for a policy no longer configured: `undefined` would say the blob is gone, and a GET or
    // the auditor would then quarantine (delete) a record whose bytes are merely out of reach.
    return this.storeOf(policy).open(innerId);
  }

  async delete(blobId: string): Promise<void> {
    const { policy, innerId } = splitPolicyBlobId(blobId);
    await this.storeOf(policy).delete(innerId);
  }

  /** Moved aside within its own policy's store (`<policy directory>/quarantined/objects/` embedded). */
  async quarantine(blobId: string): Promise<void> {
    const { policy, innerId } = splitPolicyBlobId(blobId);
    await this.storeOf(policy).quarantine?.(innerId);
  }

  async *listBlobs(olderThanSeconds: number): AsyncIterable<string> {
    for (const [policy, store] of this.stores) {
      for await (const id of store.listBlobs(olderThanSeconds)) yield policyBlobId(policy, id);
    }
  }

  async cleanTemporary(): Promise<void> {
    for (const store of this.stores.values()) await store.cleanTemporary();
  }
}
