/**
 * The configured storage policies, as requests use them: X-Storage-Policy names one (any case, or
 * an alias), a container stores its policy's index, and answers and /info show names.
 */
import type { StoragePolicyConfig } from '../config/schema.js';

export interface StoragePolicy {
  index: number;
  name: string;
  aliases: string[];
  isDefault: boolean;
  deprecated: boolean;
}

/** What /info shows of a policy, as Swift's `get_info()`: `default` only on the default. */
export interface PolicyInfo {
  name: string;
  aliases: string;
  default?: true;
}

export class StoragePolicies {
  readonly all: readonly StoragePolicy[];
  readonly default: StoragePolicy;
  private readonly byUpperName = new Map<string, StoragePolicy>();
  private readonly byIdx = new Map<number, StoragePolicy>();

  /** `configured` as loaded (validated by config/storage-policies.ts: never empty, one default). */
  constructor(configured: readonly StoragePolicyConfig[]) {
    this.all = configured.map((p) => ({ index: p.index, name: p.name, aliases: p.aliases, isDefault: p.default, deprecated: p.deprecated }));
    for (const p of this.all) {
      this.byIdx.set(p.index, p);
      for (const n of [p.name, ...p.aliases]) this.byUpperName.set(n.toUpperCase(), p);
    }
    const fallback = this.all[0];
    if (!fallback) throw new Error('no storage policy');
    this.default = this.all.find((p) => p.isDefault) ?? fallback;
  }

  /** Whether more than one policy exists (per-policy figures then need their own queries). */
  get several(): boolean {
    return this.all.length > 1;
  }

  byName(name: string): StoragePolicy | undefined {
    return this.byUpperName.get(name.trim().toUpperCase());
  }

  byIndex(index: number): StoragePolicy | undefined {
    return this.byIdx.get(index);
  }

  info(): PolicyInfo[] {
    return this.all.filter((p) => !p.deprecated).map((p) => ({
      name: p.name,
      aliases: [p.name, ...p.aliases].join(', '),
      ...(p.isDefault ? { default: true as const } : {}),
    }));
  }
}
