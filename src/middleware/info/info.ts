/** `GET /info`: the constraints clients must respect and the features that are enabled. */
import type { Config } from '../../config/schema.js';
import { SwiftError } from '../../http/errors.js';
import type { Middleware } from '../../http/pipeline.js';
import { DEFAULT_CONSTRAINTS, type Constraints } from '../../swift/constraints.js';
import { pyJson } from '../../swift/pyjson.js';
import { ETAG_QUOTER_INFO } from '../etag-quoter/etag-quoter.js';
import { CONTAINER_QUOTAS_INFO } from '../quotas/container-quotas.js';
import { ACCOUNT_QUOTAS_INFO } from '../quotas/account-quotas.js';
import { CROSSDOMAIN_INFO } from '../crossdomain/crossdomain.js';
import { domainRemapInfo } from '../domain-remap/domain-remap.js';
import { rateLimitEnabled, rateLimitInfo } from '../ratelimit/ratelimit.js';
import { BULK_DELETE_INFO } from '../bulk/bulk.js';
import { BULK_UPLOAD_INFO } from '../bulk/extract-archive.js';
import { SLO_INFO } from '../slo/slo.js';
import { SYMLINK_INFO } from '../symlink/symlink.js';
import { TEMPURL_INFO } from '../tempurl/tempurl.js';
import { FORMPOST_INFO } from '../formpost/formpost.js';
import { VERSIONED_WRITES_INFO } from '../versioned-writes/versioned-writes.js';
import { StoragePolicies } from '../../storage/policies.js';
import { OBJECT_VERSIONING_INFO } from '../object-versioning/object-versioning.js';
import { SyncRealms } from '../container-sync/realms.js';

export const SWIFT_VERSION = '2.30.1';

export function clusterInfo(config: Config): Record<string, unknown> {
  const constraints: Partial<Constraints> = {};
  for (const key of Object.keys(DEFAULT_CONSTRAINTS) as (keyof Constraints)[]) constraints[key] = config.swift[key];
  return {
    swift: {
      version: SWIFT_VERSION,
      ...constraints,
      strict_cors_mode: true,
      policies: new StoragePolicies(config.storage.policies).info(),
      allow_account_management: config.swift.allow_account_management,
      account_autocreate: config.swift.account_autocreate,
      valid_api_versions: ['v1', 'v1.0'],
    },
    // Account ACLs (X-Account-Access-Control, tempauth's v2 JSON format) are enforced by the policy.
    tempauth: { account_acls: true },
    container_quotas: CONTAINER_QUOTAS_INFO,
    account_quotas: ACCOUNT_QUOTAS_INFO,
    crossdomain: CROSSDOMAIN_INFO,
    etag_quoter: ETAG_QUOTER_INFO,
    slo: SLO_INFO,
    bulk_delete: BULK_DELETE_INFO,
    bulk_upload: BULK_UPLOAD_INFO,
    tempurl: TEMPURL_INFO,
    formpost: FORMPOST_INFO,
    staticweb: {},
    symlink: SYMLINK_INFO,
    versioned_writes: VERSIONED_WRITES_INFO,
    object_versioning: OBJECT_VERSIONING_INFO,
    // As Swift's container_sync middleware registers it: the realms and their clusters, no keys.
    ...(config.container_sync.enabled
      ? { container_sync: { realms: new SyncRealms(config.container_sync.realms).info(config.container_sync.current) } }
      : {}),
    // Listed only when storage domains are configured (Swift lists it when it is in the pipeline).
    ...(domainRemapInfo(config.domain_remap) ? { domain_remap: domainRemapInfo(config.domain_remap) } : {}),
    ...(rateLimitEnabled(config.ratelimit) ? { ratelimit: rateLimitInfo(config.ratelimit) } : {}),
    // As Swift's s3api registers itself (off in keystone mode until S3 keys are validated there).
    ...(config.s3.enabled && config.identity.mode !== 'keystone'
      ? {
        s3api: {
          max_bucket_listing: 1000, max_parts_listing: 1000, max_upload_part_num: config.s3.max_upload_part_num,
          max_multi_delete_objects: config.s3.max_multi_delete_objects, allow_multipart_uploads: true,
          min_segment_size: config.s3.min_segment_size, s3_acl: false,
        },
      }
      : {}),
  };
}

export function info(config: Config): Middleware {
  const body = pyJson(clusterInfo(config));
  return async (ctx, next) => {
    if (ctx.path !== '/info') return next(ctx);
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD' && ctx.method !== 'OPTIONS') throw new SwiftError('MethodNotAllowed', {}, { Allow: 'GET, HEAD, OPTIONS' });
    return { status: 200, headers: { 'content-type': 'application/json; charset=UTF-8' }, body };
  };
}
