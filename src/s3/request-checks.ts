/**
 * s3api's checks of a request's headers before any operation (its _validate_headers): what it does
 * not support is NotImplemented rather than silently ignored — conditional PUTs, MFA delete,
 * server-side encryption (Swiftlet encrypts nothing), website redirects and object tagging.
 */
import { S3Error } from './errors.js';

const CONDITIONS = ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'];

export function checkRequestHeaders(method: string, h: Record<string, string>): void {
  if (method === 'PUT' && CONDITIONS.some((c) => h[c] !== undefined)) throw new S3Error('NotImplemented', 'Conditional object PUTs are not supported.');
  if (h['x-amz-mfa'] !== undefined) throw new S3Error('NotImplemented', 'MFA Delete is not supported.');
  const sse = h['x-amz-server-side-encryption'];
  if (sse !== undefined) {
    if (sse !== 'aws:kms' && sse !== 'AES256') {
      throw new S3Error('InvalidArgument', 'The encryption method specified is not supported', { ArgumentName: 'x-amz-server-side-encryption', ArgumentValue: sse });
    }
    throw new S3Error('NotImplemented', 'Server-side encryption is not supported.');
  }
  if (h['x-amz-website-redirect-location'] !== undefined) throw new S3Error('NotImplemented', 'Website redirection is not supported.');
  if (h['x-amz-tagging'] !== undefined) throw new S3Error('NotImplemented', 'Object tagging is not supported.');
}
