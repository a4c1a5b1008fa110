/**
 * What an S3 failure means to the blob store: "no such blob" (a 404 on a key) is an answer; every
 * other failure of the service (refused connection, timeout, 5xx, 403 from wrong keys…) is the
 * service being unavailable, raised as BackendUnavailableError so callers answer 503, never 404.
 */
import { BackendUnavailableError } from '../backend-unavailable.js';

interface S3ErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

function shape(err: unknown): S3ErrorShape {
  return typeof err === 'object' && err !== null ? err as S3ErrorShape : {};
}

export function isNotFound(err: unknown): boolean {
  const e = shape(err);
  return e.$metadata?.httpStatusCode === 404 || e.name === 'NotFound' || e.name === 'NoSuchKey';
}

export function isNoSuchBucket(err: unknown): boolean {
  const e = shape(err);
  return e.name === 'NoSuchBucket' || (e.name === 'NotFound' && e.$metadata?.httpStatusCode === 404);
}

/** `err` from an S3 call during `what`, as the typed error callers handle. */
export function unavailable(err: unknown, what: string): BackendUnavailableError {
  if (err instanceof BackendUnavailableError) return err;
  const e = shape(err);
  const status = e.$metadata?.httpStatusCode;
  const detail = [e.code ?? e.name ?? 'error', status !== undefined ? `HTTP ${status}` : undefined, e.message]
    .filter((s) => s !== undefined && s !== '').join(', ');
  return new BackendUnavailableError('S3', `${what}: ${detail}`, { cause: err });
}
