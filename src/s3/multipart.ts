/** Multipart uploads: not yet (see docs/s3.md). */
import type { SwiftResponse } from '../http/response.js';
import { S3Error } from './errors.js';
import type { S3Operation } from './operation.js';

export async function multipartOperation(_op: S3Operation): Promise<SwiftResponse> {
  throw new S3Error('NotImplemented', 'Multipart uploads are not implemented yet.');
}
