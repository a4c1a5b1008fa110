/**
 * Temporary URL signatures, as Swift's tempurl middleware makes and checks them: an HMAC, keyed with
 * a stored Temp-URL-Key, of `[ip=<range>\n]<METHOD>\n<expires>\n<path>`, sent as `temp_url_sig`
 * either in hex (its length names the digest) or as `<digest>:<base64>`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const ALLOWED_DIGESTS = ['sha1', 'sha256', 'sha512'] as const;
export type Digest = (typeof ALLOWED_DIGESTS)[number];
/** Still accepted, but published as deprecated in /info, as Swift 2.30 does. */
export const DEPRECATED_DIGESTS: readonly Digest[] = ['sha1'];

const DIGEST_OF_HEX_LENGTH: Readonly<Record<number, Digest>> = { 40: 'sha1', 64: 'sha256', 128: 'sha512' };

function isDigest(name: string): name is Digest {
  return (ALLOWED_DIGESTS as readonly string[]).includes(name);
}

/**
 * The digest a signature was made with and the signature in hex, or undefined when it is not a
 * well-formed signature of an allowed digest. Base64 may be standard or URL-safe, padded or not;
 * any other character refuses it (Swift's strict_b64decode), rather than being skipped.
 */
export function parseSignature(sig: string): { digest: Digest; hex: string } | undefined {
  const colon = sig.indexOf(':');
  if (colon === -1) {
    const digest = DIGEST_OF_HEX_LENGTH[sig.length];
    return digest && /^[0-9a-fA-F]*$/.test(sig) ? { digest, hex: sig } : undefined;
  }
  const digest = sig.slice(0, colon);
  let b64 = sig.slice(colon + 1);
  if (!isDigest(digest)) return undefined;
  if (/[-_]/.test(b64) && !/[+/]/.test(b64)) b64 = b64.replace(/-/g, '+').replace(/_/g, '/');
  const bare = b64.replace(/^=+|=+$/g, '');
  // A lone trailing sextet cannot encode a byte: Python refuses it as badly padded.
  if (!/^[A-Za-z0-9+/]*$/.test(bare) || bare.length % 4 === 1) return undefined;
  return { digest, hex: Buffer.from(bare, 'base64').toString('hex') };
}

/** The hex signature of one request; `ipRange` comes first so that a path cannot forge it. */
export function sign(key: string, digest: Digest, method: string, expires: number, path: string, ipRange?: string): string {
  const lines = [method, String(expires), path];
  if (ipRange) lines.unshift(`ip=${ipRange}`);
  return createHmac(digest, Buffer.from(key, 'utf8')).update(Buffer.from(lines.join('\n'), 'utf8')).digest('hex');
}

/** Compares in constant time for signatures of the same length (a length tells nothing secret). */
export function sameSignature(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Python's int() of a text: digits with an optional sign and underscores, blanks around; undefined otherwise. */
export function pythonInt(value: string): number | undefined {
  return /^\s*[+-]?\d+(_\d+)*\s*$/.test(value) ? Number(value.trim().replace(/_/g, '')) : undefined;
}

/**
 * `temp_url_expires`: Unix seconds, or UTC in ISO 8601 (`2026-11-28T12:00:00Z`). Undefined when it is
 * neither, which refuses the URL as an expired one would be.
 */
export function parseExpires(value: string): number | undefined {
  const seconds = pythonInt(value);
  if (seconds !== undefined) return seconds;
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})Z$/.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const d = new Date(ms);
  // Date.UTC rolls 31 February over into March; strptime refuses it.
  if (d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day || hour > 23 || minute > 59 || second > 61) return undefined;
  return ms / 1000;
}
