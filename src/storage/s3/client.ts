/**
 * The S3 connection settings of the blob store and the client built from them. Written against
 * plain S3 (no Ceph-only calls), so RGW and any other S3 service work the same.
 */
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';

export interface S3Settings {
  /** e.g. http://127.0.0.1:8000 (RGW) */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  /** Bucket in the path (http://host/bucket/key), as RGW without wildcard DNS needs. Default true. */
  forcePathStyle?: boolean;
  /** Prepended to every key, so several stores (or other data) can share one bucket. Default ''. */
  keyPrefix?: string;
  /** Bodies longer than this go up as multipart uploads of parts this size. Default 8 MiB (S3's minimum part is 5 MiB). */
  partSize?: number;
  /** Parts of one upload in flight at once; an upload holds at most (this + 1) parts in memory. Default 3. */
  partConcurrency?: number;
  /** Time to establish a connection before the S3 service counts as unreachable. Default 3 s. */
  connectTimeoutMs?: number;
  /** A request (or a body being streamed) with no bytes moving for this long fails. Default 30 s. */
  idleTimeoutMs?: number;
  /** Attempts per request, retries included (the SDK retries throttling, 5xx and connection errors). Default 3. */
  maxAttempts?: number;
  /** Concurrent connections to the S3 service. Default 256: a GET streaming to a slow client holds one. */
  maxSockets?: number;
  /** Multipart uploads started longer ago than this are abandoned (another node may still be writing younger ones). Default 1 day. */
  staleUploadSeconds?: number;
  /** Largest object copied server-side in one request (quarantine); larger ones are copied in parts of `partSize`. Default 5 GiB, S3's limit. */
  maxSingleCopyBytes?: number;
}

export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** S3 allows at most 10 000 parts per upload; larger bodies get larger parts. */
export const MAX_PARTS = 10_000;

export function createS3Client(settings: S3Settings): S3Client {
  // The pinned SDK runs on Node 20; its notice that later releases will not is for developers, not
  // for every server start (the SDK reads this variable when a client is made).
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const agentOptions = { keepAlive: true, maxSockets: settings.maxSockets ?? 256 };
  const client = new S3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: settings.forcePathStyle ?? true,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    maxAttempts: settings.maxAttempts ?? 3,
    // Newer SDKs add CRC32 checksums by default, sent as aws-chunked trailers for streamed bodies;
    // plenty of S3 services (RGW before Reef among them) reject those. We hash MD5 ourselves.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // "Expect: 100-continue" costs a round trip per part and makes the SDK open a fresh
    // connection (no keep-alive) for every such request.
    expectContinueHeader: false,
    requestHandler: {
      connectionTimeout: settings.connectTimeoutMs ?? 3000,
      socketTimeout: settings.idleTimeoutMs ?? 30_000,
      httpAgent: new Agent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
    },
  });
  // Bodies are buffers (retry-safe), which SigV4 would otherwise SHA-256 in full on the event loop,
  // beside the MD5 we compute anyway: send them as UNSIGNED-PAYLOAD, as the SDK does for streams
  // (and AWS SDKs do over TLS). Single PUTs carry Content-MD5, which the service checks.
  client.middlewareStack.add((next) => async (args) => {
    const request = args.request as { body?: unknown; headers?: Record<string, string> };
    if (request.body !== undefined && request.headers) request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    return next(args);
  }, { step: 'build', name: 'swiftletUnsignedPayload' });
  return client;
}
