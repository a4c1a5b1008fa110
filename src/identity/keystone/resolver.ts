/**
 * The token resolver of identity mode `keystone`: tokens are validated by the external Keystone and
 * the validated data is cached per process (docs/auth-rules.md R2.8):
 * - under sha256(token), never the token itself;
 * - for `token_cache_time` seconds (-1: no cache);
 * - invalid tokens are never cached (the next request asks Keystone again);
 * - expiry is re-checked on every use of cached data.
 * A token revoked at Keystone may therefore still be accepted until its cache entry ages out, as
 * with keystonemiddleware.
 */
import { createHash } from 'node:crypto';
import type { TokenResolver } from '../../auth/authenticate.js';
import type { TokenPayload } from '../tokens.js';
import type { KeystoneClient } from './client.js';
import { countTokenCache } from '../../observe/meters.js';

const MAX_ENTRIES = 10_000;

export class TokenCache {
  private readonly entries = new Map<string, { payload: TokenPayload; storedAt: number }>();

  constructor(private readonly ttl: number) {}

  static key(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }

  get(key: string, now: number): TokenPayload | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (this.ttl < 0 || now - e.storedAt >= this.ttl) {
      this.entries.delete(key);
      return undefined;
    }
    return e.payload;
  }

  put(key: string, payload: TokenPayload, now: number): void {
    if (this.ttl <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) {
      // Oldest first (Map keeps insertion order).
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { payload, storedAt: now });
  }

  get size(): number {
    return this.entries.size;
  }
}

export function keystoneResolver(client: KeystoneClient, cache: TokenCache): TokenResolver {
  return async (token, now, opts) => {
    const key = TokenCache.key(token);
    let payload = cache.get(key, now);
    countTokenCache(payload !== undefined);
    if (!payload) {
      payload = await client.validate(token, opts?.allowExpired === true);
      if (!payload) return undefined;
      cache.put(key, payload, now);
    }
    return { payload, expired: payload.expiresAt <= now };
  };
}
