/**
 * What the access log must not show in full. Swift cuts sensitive values to their first 16
 * characters and `...` (proxy_logging's `reveal_sensitive_prefix`): enough to tell two tokens
 * apart, useless to replay. Passwords and keys sent in headers are not cut but replaced: their
 * first 16 characters would often be all of them.
 */

/** Swift's reveal_sensitive_prefix. */
const REVEAL = 16;

/** Tokens and signatures: X-Auth-Token and X-Storage-Token as Swift registers them, plus the other tokens Swiftlet reads. */
const CUT_HEADERS = new Set(['x-auth-token', 'x-storage-token', 'x-service-token', 'x-subject-token', 'authorization', 'x-container-sync-auth']);

/** Secrets that are never logged: v1.0 login passwords, and the keys that sign temporary URLs and container sync. */
const SECRET_HEADERS = new Set([
  'x-auth-key', 'x-storage-pass', 'x-auth-user-key',
  'x-account-meta-temp-url-key', 'x-account-meta-temp-url-key-2', 'x-container-meta-temp-url-key', 'x-container-meta-temp-url-key-2',
  'x-container-sync-key',
]);

/** Query parameters Swift registers as sensitive: temporary URL signatures (and S3's presigned ones). */
const CUT_PARAMS = new Set(['temp_url_sig', 'signature', 'x-amz-signature']);

export const REDACTED = 'redacted';

export function obscureToken(value: string): string {
  return value.length > REVEAL ? `${value.slice(0, REVEAL)}...` : value;
}

/** A request header's value as logged in the `headers` field (`access_log_headers`). */
export function headerForLog(name: string, value: string): string {
  if (SECRET_HEADERS.has(name)) return REDACTED;
  if (CUT_HEADERS.has(name)) return obscureToken(value);
  return value;
}

/** The query string as sent, with the sensitive parameters' values cut (the rest untouched). */
export function obscureQuery(raw: string): string {
  if (!/sig|signature/i.test(raw)) return raw;
  return raw.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq === -1) return pair;
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(pair.slice(0, eq).replaceAll('+', ' '));
      value = decodeURIComponent(pair.slice(eq + 1).replaceAll('+', ' '));
    } catch {
      // Not decodable: a sensitive name is still recognised as sent, and its value cut as sent.
      name = pair.slice(0, eq);
      value = pair.slice(eq + 1);
    }
    if (!CUT_PARAMS.has(name.toLowerCase())) return pair;
    return `${pair.slice(0, eq)}=${encodeURIComponent(obscureToken(value))}`;
  }).join('&');
}
