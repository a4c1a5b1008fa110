/**
 * S3 signatures checked by Keystone, as Swift's `s3token` middleware has them checked: the access
 * key, the string to sign (base64url, `=` padding kept: Keystone decodes it with Python's
 * urlsafe_b64decode) and the client's signature are POSTed to `/v3/s3tokens`. Keystone recomputes
 * the signature with the key's secret (V2: HMAC-SHA1 over the string; V4: the string to sign
 * carries the scope and the canonical request's SHA-256, Keystone derives the signing key from the
 * scope) and answers a token body for the key's user scoped to the key's project, with the user's
 * roles there. Not `/v3/ec2tokens`: that endpoint wants the EC2 Query API's parts (host, verb, path,
 * params) and signs them itself, which is not S3's signature.
 *
 * Keystone (since the 2025 fix to its s3tokens policy) only answers callers with the `service` or
 * `admin` role, so the call carries Swiftlet's own service token.
 *
 * Answers: 200 → the identity; 404 → the access key is unknown; 401 → the signature (or the key's
 * user or project, disabled or without roles) is refused, but Keystone answers our own token's
 * refusal with the same 401, so that case is told apart by checking our token (client.ts); 400 →
 * Keystone cannot use what was sent: refused as a wrong signature, as s3token + s3api do; 403 → our
 * service user lacks the role (a configuration error: 503, never the client's fault); anything
 * else, or no answer → 503.
 *
 * Cache (the same rules as token validation, docs/auth-rules.md R2.8): a validated answer is reused
 * for `token_cache_time` seconds under sha256(access, string to sign, signature), never under the
 * signature itself; refusals are never cached; the issued token's expiry is re-checked on use. The
 * string to sign covers the request (method, path, query, signed headers, payload hash, time), so
 * an entry only ever answers the same signed request again: a presigned URL fetched repeatedly, a
 * retried request. Keystone's secret is never fetched or kept (docs/s3.md explains why).
 */
import { createHash } from 'node:crypto';
import type { TokenPayload } from '../tokens.js';
import { payloadFromV3, type KeystoneClient } from './client.js';
import { TokenCache } from './resolver.js';

export interface S3SignedCredentials {
  access: string;
  stringToSign: string;
  signature: string;
}

export type S3TokenAnswer =
  | { ok: true; payload: TokenPayload }
  | { ok: false; refused: 'unknown-key' | 'signature' };

/** s3token's `token`: the string to sign as URL-safe base64 with its padding. */
export function s3TokenField(stringToSign: string): string {
  return Buffer.from(stringToSign, 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

export class S3TokenValidator {
  constructor(private readonly client: KeystoneClient, private readonly cache: TokenCache, private readonly now: () => number = () => Date.now() / 1000) {}

  static key(c: S3SignedCredentials): string {
    return createHash('sha256').update(c.access).update('\0').update(c.stringToSign).update('\0').update(c.signature).digest('hex');
  }

  async check(c: S3SignedCredentials): Promise<S3TokenAnswer> {
    const key = S3TokenValidator.key(c);
    const t = this.now();
    const cached = this.cache.get(key, t);
    if (cached && cached.expiresAt > t) return { ok: true, payload: cached };
    const answer = await this.ask(c);
    if (answer.ok) this.cache.put(key, answer.payload, t);
    return answer;
  }

  private async ask(c: S3SignedCredentials): Promise<S3TokenAnswer> {
    const body = JSON.stringify({ credentials: { access: c.access, token: s3TokenField(c.stringToSign), signature: c.signature } });
    for (let attempt = 0; ; attempt++) {
      const serviceToken = await this.client.serviceToken();
      const res = await this.client.send('/s3tokens', {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-auth-token': serviceToken }, body,
      });
      const text = await res.text();
      if (res.status === 200) {
        let data: { token?: Parameters<typeof payloadFromV3>[0] };
        try {
          data = JSON.parse(text) as typeof data;
        } catch {
          throw this.client.unavailable('s3tokens response is not JSON');
        }
        const payload = data.token ? payloadFromV3(data.token) : undefined;
        if (!payload || payload.projectId === undefined) throw this.client.unavailable('s3tokens response lacks a user, project or expiry');
        return { ok: true, payload };
      }
      if (res.status === 404) return { ok: false, refused: 'unknown-key' };
      if (res.status === 401) {
        // Our token refused (revoked, keys rotated)? Then log in again and ask once more.
        if (attempt === 0 && !(await this.client.confirmServiceToken(serviceToken))) continue;
        return { ok: false, refused: 'signature' };
      }
      if (res.status === 400) return { ok: false, refused: 'signature' };
      if (res.status === 403) {
        throw this.client.unavailable('s3tokens refused Swiftlet\'s service user (it needs the service or admin role: identity:s3tokens_validate)');
      }
      throw this.client.unavailable(`s3tokens answered ${res.status} ${text.slice(0, 200)}`);
    }
  }
}
