/**
 * Who decides whether an S3 signature is good and whom it stands for. Built-in identity: the secret
 * of the access key is known here (credentials.ts) and the signature is recomputed locally.
 * Identity mode `keystone`: the secrets live in Keystone, which is asked (keystone-authority.ts),
 * as Swift's s3token asks it. Either way the caller computes what the client should have signed from
 * the request itself, so an authority only ever judges this request's own string to sign.
 */
import type { Identity } from '../auth/identity.js';
import { S3Error } from './errors.js';
import type { V4Scope } from './sigv4.js';

interface SignedCommon {
  accessKey: string;
  signature: string;
  /** What the client may have signed (V4: one per canonical URI form); empty: nothing valid. */
  stringsToSign: string[];
}

export type SignedRequest = (SignedCommon & { version: 2 }) | (SignedCommon & { version: 4; scope: V4Scope });

export interface Verified {
  identity: Identity;
  /** The key's secret when it is known here: aws-chunked bodies' chunk signatures need it. */
  secret?: string;
}

/**
 * Checks the signature and names who made it. Throws S3Error (InvalidAccessKeyId,
 * SignatureDoesNotMatch, AccessDenied, ServiceUnavailable when it cannot decide).
 */
export type S3Authority = (signed: SignedRequest) => Promise<Verified>;

export function signatureDoesNotMatch(signed: SignedRequest): S3Error {
  return new S3Error('SignatureDoesNotMatch', undefined, { AWSAccessKeyId: signed.accessKey });
}
