/**
 * Swift's container_quotas: `X-Container-Meta-Quota-Bytes` and `X-Container-Meta-Quota-Count` cap
 * what a container holds. The settings must be digits (400 otherwise); an object PUT that would
 * exceed either is refused with 413 "Upload exceeds quota." (checked after authorization, so a
 * stranger learns nothing about the quota).
 */
import { SwiftError } from '../../http/errors.js';
import type { ContainerInfo } from '../../storage/contracts.js';

export const CONTAINER_QUOTAS_INFO = {};

/** Container PUT/POST: quota values, when given and not empty, are plain digits. */
export function checkQuotaSettings(headers: Record<string, string>): void {
  const bytes = headers['x-container-meta-quota-bytes'];
  if (bytes && !/^\d+$/.test(bytes)) throw new SwiftError('BadQuota', { kind: 'bytes' });
  const count = headers['x-container-meta-quota-count'];
  if (count && !/^\d+$/.test(count)) throw new SwiftError('BadQuota', { kind: 'count' });
}

/** Object PUT of `contentLength` bytes (0 when chunked, as Swift) into this container. */
export function checkContainerQuota(info: ContainerInfo, contentLength: number): void {
  const quotaBytes = info.metadata['x-container-meta-quota-bytes'];
  if (quotaBytes !== undefined && /^\d+$/.test(quotaBytes) && Number(quotaBytes) < info.bytesUsed + contentLength) {
    throw new SwiftError('QuotaExceeded');
  }
  const quotaCount = info.metadata['x-container-meta-quota-count'];
  if (quotaCount !== undefined && /^\d+$/.test(quotaCount) && Number(quotaCount) < info.objectCount + 1) {
    throw new SwiftError('QuotaExceeded');
  }
}
