/**
 * Which bucket and key an S3 request names: path style `/<bucket>/<key>`, or virtual-host style
 * `<bucket>.<storage domain>` with the key as the whole path. Bucket names follow s3api's rules
 * (DNS-compliant), checked on every request as s3api checks them.
 */
import type { RequestContext } from '../http/context.js';

export interface S3Target {
  bucket?: string;
  key?: string;
  /** The bucket came from the Host header (V2 signatures then sign `/<bucket>` before the path). */
  hostBucket?: string;
}

export function parseS3Target(ctx: Pick<RequestContext, 'headers' | 'path'>, storageDomains: readonly string[]): S3Target {
  const host = (ctx.headers['host'] ?? '').replace(/:\d+$/, '').toLowerCase();
  for (const domain of storageDomains) {
    if (host.endsWith(`.${domain}`)) {
      const bucket = host.slice(0, -(domain.length + 1));
      const key = ctx.path.replace(/^\//, '');
      return key === '' ? { bucket, hostBucket: bucket } : { bucket, key, hostBucket: bucket };
    }
  }
  const path = ctx.path.replace(/^\//, '');
  if (path === '') return {};
  const slash = path.indexOf('/');
  if (slash === -1) return { bucket: path };
  const key = path.slice(slash + 1);
  return key === '' ? { bucket: path.slice(0, slash) } : { bucket: path.slice(0, slash), key };
}

/** s3api's validate_bucket_name with dns_compliant_bucket_names (its default). */
export function validBucketName(name: string): boolean {
  if (name.length < 3 || name.length > 63) return false;
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return false;
  if (name.includes('.-') || name.includes('-.') || name.includes('..')) return false;
  if (/^(\d{1,3}\.){3}\d{1,3}$/.test(name)) return false;
  return /^[-.a-z0-9]*$/.test(name);
}
