/**
 * Identity mode `keystone` (`[identity] mode = "keystone"` with a `[keystone]` section): Swiftlet
 * does not issue tokens; clients get them from Keystone (`POST /v3/auth/tokens`) and Swiftlet
 * validates them there. The built-in `/auth/v1.0` login and `/v3` identity API are not served in
 * this mode (a Keystone deployment's catalog points clients at Keystone itself), so there is one
 * source of truth for users, projects and roles.
 */
import type { KeystoneConfig } from '../../config/schema.js';
import { KeystoneClient } from './client.js';
import { keystoneResolver, TokenCache } from './resolver.js';

export { KeystoneClient } from './client.js';
export { keystoneResolver, TokenCache } from './resolver.js';

export function openKeystone(cfg: KeystoneConfig): { client: KeystoneClient; resolver: ReturnType<typeof keystoneResolver> } {
  const client = new KeystoneClient(cfg);
  return { client, resolver: keystoneResolver(client, new TokenCache(cfg.token_cache_time)) };
}
