/**
 * Identity mode `keystone` (`[identity] mode = "keystone"` with a `[keystone]` section): Swiftlet
 * does not issue tokens; clients get them from Keystone (`POST /v3/auth/tokens`) and Swiftlet
 * validates them there. The built-in `/auth/v1.0` login and `/v3` identity API are not served in
 * this mode (a Keystone deployment's catalog points clients at Keystone itself), so there is one
 * source of truth for users, projects and roles. S3 requests are signed with Keystone's EC2
 * credentials and checked at Keystone's /v3/s3tokens (s3-tokens.ts).
 */
import type { KeystoneConfig } from '../../config/schema.js';
import { KeystoneClient } from './client.js';
import { keystoneResolver, TokenCache } from './resolver.js';
import { S3TokenValidator } from './s3-tokens.js';

export { KeystoneClient } from './client.js';
export { keystoneResolver, TokenCache } from './resolver.js';
export { S3TokenValidator } from './s3-tokens.js';

export interface Keystone {
  client: KeystoneClient;
  resolver: ReturnType<typeof keystoneResolver>;
  /** S3 signatures checked at Keystone's /v3/s3tokens (Swift's s3token). */
  s3: S3TokenValidator;
}

export function openKeystone(cfg: KeystoneConfig): Keystone {
  const client = new KeystoneClient(cfg);
  // Separate caches: a token and an S3 signature never share a key, and each is bounded on its own.
  return { client, resolver: keystoneResolver(client, new TokenCache(cfg.token_cache_time)), s3: new S3TokenValidator(client, new TokenCache(cfg.token_cache_time)) };
}
