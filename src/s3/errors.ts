/**
 * S3's errors: a code, its HTTP status and a message, answered as S3's XML document
 * (`<Error><Code>…</Code><Message>…</Message>…<RequestId>…</RequestId></Error>`), as s3api does.
 */
import type { SwiftResponse } from '../http/response.js';
import { xmlDocument, xmlElement } from './xml-write.js';

const STATUS = {
  AccessDenied: 403,
  AuthorizationHeaderMalformed: 400,
  AuthorizationQueryParametersError: 400,
  BadDigest: 400,
  BucketAlreadyExists: 409,
  BucketAlreadyOwnedByYou: 409,
  BucketNotEmpty: 409,
  EntityTooLarge: 400,
  EntityTooSmall: 400,
  IncompleteBody: 400,
  InternalError: 500,
  InvalidAccessKeyId: 403,
  InvalidArgument: 400,
  InvalidBucketName: 400,
  InvalidDigest: 400,
  InvalidLocationConstraint: 400,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  InvalidRange: 416,
  InvalidRequest: 400,
  InvalidStorageClass: 400,
  InvalidURI: 400,
  KeyTooLongError: 400,
  MalformedACLError: 400,
  MalformedXML: 400,
  MissingSecurityHeader: 400,
  MethodNotAllowed: 405,
  MissingContentLength: 411,
  MissingRequestBodyError: 400,
  NoSuchBucket: 404,
  NoSuchKey: 404,
  NoSuchUpload: 404,
  NoSuchVersion: 404,
  NotImplemented: 501,
  PreconditionFailed: 412,
  RequestTimeTooSkewed: 403,
  ServiceUnavailable: 503,
  SignatureDoesNotMatch: 403,
  SlowDown: 503,
  UnexpectedContent: 400,
  UserKeyMustBeSpecified: 400,
  XAmzContentSHA256Mismatch: 400,
} as const;

export type S3ErrorCode = keyof typeof STATUS;

const MESSAGES: Partial<Record<S3ErrorCode, string>> = {
  AccessDenied: 'Access Denied.',
  BadDigest: 'The Content-MD5 you specified did not match what was received.',
  BucketAlreadyExists: 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
  BucketAlreadyOwnedByYou: 'Your previous request to create the named bucket succeeded and you already own it.',
  BucketNotEmpty: 'The bucket you tried to delete is not empty',
  EntityTooLarge: 'Your proposed upload exceeds the maximum allowed object size.',
  EntityTooSmall: 'Your proposed upload is smaller than the minimum allowed object size.',
  InternalError: 'We encountered an internal error. Please try again.',
  InvalidAccessKeyId: 'The AWS Access Key Id you provided does not exist in our records.',
  InvalidBucketName: 'The specified bucket is not valid.',
  InvalidDigest: 'The Content-MD5 you specified was invalid.',
  InvalidPart: 'One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part\'s entity tag.',
  InvalidPartOrder: 'The list of parts was not in ascending order. The parts list must be specified in order by part number.',
  InvalidRange: 'The requested range is not satisfiable',
  MalformedACLError: 'The XML you provided was not well-formed or did not validate against our published schema.',
  MissingSecurityHeader: 'Your request was missing a required header.',
  UnexpectedContent: 'This request does not support content.',
  MalformedXML: 'The XML you provided was not well-formed or did not validate against our published schema.',
  MethodNotAllowed: 'The specified method is not allowed against this resource.',
  MissingContentLength: 'You must provide the Content-Length HTTP header.',
  NoSuchBucket: 'The specified bucket does not exist.',
  NoSuchKey: 'The specified key does not exist.',
  NoSuchUpload: 'The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload might have been aborted or completed.',
  NoSuchVersion: 'The specified version does not exist.',
  NotImplemented: 'A header you provided implies functionality that is not implemented.',
  PreconditionFailed: 'At least one of the preconditions you specified did not hold.',
  RequestTimeTooSkewed: 'The difference between the request time and the current time is too large.',
  ServiceUnavailable: 'Please reduce your request rate.',
  SignatureDoesNotMatch: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  UserKeyMustBeSpecified: 'The bucket POST must contain the specified field name. If it is specified, please check the order of the fields.',
  XAmzContentSHA256Mismatch: 'The provided \'x-amz-content-sha256\' header does not match what was computed.',
};

export class S3Error extends Error {
  readonly status: number;
  /** More elements of the error document (`BucketName`, `Key`, `ServerTime`…), in order. */
  readonly extra: [string, string][];
  readonly headers: Record<string, string>;

  constructor(readonly code: S3ErrorCode, message?: string, extra: Record<string, string> = {}, headers: Record<string, string> = {}) {
    super(message ?? MESSAGES[code] ?? code);
    this.status = STATUS[code];
    this.extra = Object.entries(extra);
    this.headers = headers;
  }
}

export function isS3Error(e: unknown): e is S3Error {
  return e instanceof S3Error;
}

/** The error document; HEAD answers carry no body (the edge drops it), only the status. */
export function s3ErrorResponse(err: S3Error, requestId: string): SwiftResponse {
  const body = xmlDocument(xmlElement('Error', [
    xmlElement('Code', err.code), xmlElement('Message', err.message),
    ...err.extra.map(([k, v]) => xmlElement(k, v)),
    xmlElement('RequestId', requestId),
  ]));
  return {
    status: err.status,
    headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId, ...err.headers },
    body,
  };
}
