/**
 * Whether a request is S3's, and who signed it. A request is S3's when it carries S3
 * authentication (as s3api decides): `Authorization: AWS4-HMAC-SHA256 …` or `AWS <key>:<sig>`, or a
 * presigned query (`X-Amz-Algorithm`, or `AWSAccessKeyId` with `Signature`). The time is checked
 * first (skew: RequestTimeTooSkewed; a presigned URL past its expiry: AccessDenied), then the key
 * (InvalidAccessKeyId) and the signature (SignatureDoesNotMatch), by the identity mode's authority
 * (authority.ts): locally with the built-in identity, at Keystone in keystone mode. The body the
 * operation reads is held to the signed payload hash, or decoded from aws-chunked with every chunk
 * verified.
 */
import type { Readable, Transform } from 'node:stream';
import type { Identity } from '../auth/identity.js';
import type { RequestContext } from '../http/context.js';
import type { S3Authority, SignedRequest } from './authority.js';
import { S3Error } from './errors.js';
import { AwsChunkedDecoder, sha256Verifier } from './payload.js';
import { parseV2Header, parseV2Query, v2StringsToSign, type V2Auth } from './sigv2.js';
import {
  parseV4Header, parseV4Query, scopeString, signingKey, STREAMING_PAYLOAD, UNSIGNED_PAYLOAD, V4_ALGORITHM, v4StringsToSign, type V4Auth,
} from './sigv4.js';

export function isS3Request(ctx: Pick<RequestContext, 'headers' | 'query'>): boolean {
  const auth = ctx.headers['authorization'];
  if (auth !== undefined && (auth.startsWith(`${V4_ALGORITHM} `) || auth.startsWith('AWS '))) return true;
  return ctx.query.has('X-Amz-Algorithm') || (ctx.query.has('AWSAccessKeyId') && ctx.query.has('Signature'));
}

export interface S3Session {
  identity: Identity;
  accessKey: string;
  /** The object bytes of the request, verified as they stream. */
  body(): Readable;
  /** The object's length: the decoded length of an aws-chunked body, else Content-Length. */
  contentLength?: string;
}

function parseAuth(ctx: RequestContext): V2Auth | V4Auth {
  const header = ctx.headers['authorization'];
  if (header !== undefined && header.startsWith(`${V4_ALGORITHM} `)) return parseV4Header(ctx, header);
  if (header !== undefined && header.startsWith('AWS ')) return parseV2Header(ctx, header);
  if (ctx.query.has('X-Amz-Algorithm')) return parseV4Query(ctx);
  return parseV2Query(ctx);
}

function checkTime(auth: V2Auth | V4Auth, skew: number): void {
  const now = Date.now() / 1000;
  if (auth.presigned) {
    const expiry = auth.version === 4 ? auth.time + (auth.expires ?? 0) : (auth.expires ?? 0);
    if (now > expiry) throw new S3Error('AccessDenied', 'Request has expired', { Expires: new Date(expiry * 1000).toISOString(), ServerTime: new Date().toISOString() });
    // A V2 expiry must be a time s3api can hold (seconds since the epoch below 2^31).
    if (auth.version === 2 && expiry >= 2 ** 31) throw new S3Error('AccessDenied', `Invalid date (should be seconds since epoch): ${auth.expiresRaw ?? String(expiry)}`);
    // A V4 URL signed in the future by more than the skew is not valid yet.
    if (auth.version === 4 && auth.time - now > skew) {
      throw new S3Error('AccessDenied', 'Request is not valid yet');
    }
    return;
  }
  const time = auth.time ?? 0;
  if (Math.abs(now - time) > skew) {
    throw new S3Error('RequestTimeTooSkewed', undefined, {
      RequestTime: new Date(time * 1000).toUTCString(), ServerTime: new Date().toUTCString(), MaxAllowedSkewMilliseconds: String(skew * 1000),
    });
  }
}

export async function authenticateS3(ctx: RequestContext, authority: S3Authority, skew: number, hostBucket: string | undefined): Promise<S3Session> {
  const auth = parseAuth(ctx);
  checkTime(auth, skew);
  const signed: SignedRequest = auth.version === 4
    ? { version: 4, accessKey: auth.accessKey, signature: auth.signature, scope: auth.scope, stringsToSign: v4StringsToSign(ctx, auth) }
    : { version: 2, accessKey: auth.accessKey, signature: auth.signature, stringsToSign: v2StringsToSign(ctx, auth, hostBucket) };
  const { identity, secret } = await authority(signed);
  const session: S3Session = { identity, accessKey: auth.accessKey, body: () => ctx.body() };
  const length = ctx.headers['content-length'];
  if (length !== undefined) session.contentLength = length;
  if (auth.version !== 4) return session;
  if (auth.payloadHash === STREAMING_PAYLOAD) {
    const decoded = ctx.headers['x-amz-decoded-content-length'];
    if (decoded === undefined || !/^\d+$/.test(decoded)) throw new S3Error('MissingContentLength');
    // Each chunk is signed with the key's secret; with Keystone-held secrets (as s3api 2.30 for all
    // keys) there is nothing to check the chunks with.
    if (secret === undefined) throw new S3Error('NotImplemented', 'Transferring payloads in multiple chunks using aws-chunked is not supported with Keystone credentials.');
    session.contentLength = decoded;
    const signing = { signingKey: signingKey(secret, auth.scope), amzDate: auth.amzDate, scope: scopeString(auth.scope), seedSignature: auth.signature.toLowerCase() };
    session.body = () => through(ctx.body(), new AwsChunkedDecoder(signing));
  } else if (auth.payloadHash !== UNSIGNED_PAYLOAD) {
    const expected = auth.payloadHash;
    session.body = () => through(ctx.body(), sha256Verifier(expected));
  }
  return session;
}

/**
 * The body through a checking stream. Not stream.pipeline: a failed check must not destroy the
 * request (its socket), or the S3 error could not be answered; the unread rest makes the edge close
 * the connection after the answer instead.
 */
function through(source: Readable, check: Transform): Readable {
  source.on('error', (err) => check.destroy(err));
  source.on('aborted', () => check.destroy(new Error('client disconnected')));
  return source.pipe(check);
}
