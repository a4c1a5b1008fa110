/**
 * The AWS SDK's S3 client as the tests use it against a Swiftlet: path-style, region us-east-1, and
 * no flexible checksums on requests (new SDKs send `x-amz-checksum-*` trailers that Swiftlet does not
 * verify yet: docs/s3.md). `options` adds or overrides settings (retries, response validation).
 */
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

export function s3Client(endpoint: string, accessKeyId: string, secretAccessKey: string, options: S3ClientConfig = {}): S3Client {
  return new S3Client({
    endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED', ...options,
  });
}
