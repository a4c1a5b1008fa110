/** `/v1/<account>/<container>`: PUT, HEAD, GET (object listing), POST, DELETE. */
import { SwiftError } from '../http/errors.js';
import { defaultErrorBody } from '../http/status.js';
import type { SwiftResponse } from '../http/response.js';
import type { RequestContext } from '../http/context.js';
import { PolicyConflictError, type ContainerInfo, type PolicyChoice } from '../storage/contracts.js';
import type { StoragePolicies } from '../storage/policies.js';
import { checkQuotaSettings } from '../middleware/quotas/container-quotas.js';
import { pyRepr } from '../swift/pyjson.js';
import { checkMetadataTotals, checkRequestMetadata, metadataChanges } from '../swift/headers.js';
import { listingResponse, listOptions, negotiateFormat } from '../swift/listing-format.js';
import { httpDate, newTimestamp } from '../swift/timestamp.js';
import { checkSyncTo } from '../middleware/container-sync/sync-to.js';
import { metaToHeaders, timestampHeaders, withoutOwnerOnly } from './common.js';
import type { Access, Services, Target } from './services.js';

const HTML = { 'content-type': 'text/html; charset=UTF-8' };

function containerHeaders(info: ContainerInfo, owner: boolean, policies: StoragePolicies): Record<string, string> {
  const policy = policies.byIndex(info.policyIndex);
  return {
    'x-container-object-count': String(info.objectCount),
    'x-container-bytes-used': String(info.bytesUsed),
    ...timestampHeaders(info.createdAt),
    'last-modified': httpDate(info.putTimestamp),
    ...(metaToHeaders(info.metadata, owner) as Record<string, string>),
    'accept-ranges': 'bytes',
    // A container whose policy left the configuration gets no name, as Swift's proxy gives none.
    ...(policy ? { 'x-storage-policy': policy.name } : {}),
  };
}

export function checkContainerName(name: string, max: number): void {
  const length = Buffer.byteLength(name, 'utf8');
  if (length > max) throw new SwiftError('ContainerNameTooLong', { length, max });
}

/**
 * The policy a container PUT asks for: the one X-Storage-Policy names (any case, or an alias; not a
 * deprecated one), else the default. Only a named one makes a different existing policy a conflict.
 */
export function requestedPolicy(headers: Record<string, string>, policies: StoragePolicies): PolicyChoice {
  const name = headers['x-storage-policy'];
  if (name === undefined || name.trim() === '') return { index: policies.default.index, explicit: false };
  const policy = policies.byName(name);
  if (!policy) throw new SwiftError('InvalidStoragePolicy', { name: `'${name}'` });
  if (policy.deprecated) throw new SwiftError('DeprecatedStoragePolicy', { name: pyRepr(policy.name) });
  return { index: policy.index, explicit: true };
}

export async function containerController(ctx: RequestContext, target: Target, access: Access, s: Services): Promise<SwiftResponse> {
  const { account } = target;
  const container = target.container ?? '';
  const cfg = s.config.swift;
  switch (ctx.method) {
    case 'PUT': {
      checkContainerName(container, cfg.max_container_name_length);
      const policy = requestedPolicy(ctx.headers, s.policies);
      checkQuotaSettings(ctx.headers);
      checkRequestMetadata(ctx.headers, 'container', cfg);
      const changes = withoutOwnerOnly(metadataChanges(ctx.headers, 'container'), access.owner);
      checkSyncTo(changes);
      const current = (await s.meta.getContainer(account, container))?.metadata ?? {};
      checkMetadataTotals({ ...current, ...changes }, 'container', cfg);
      let created: boolean;
      try {
        created = await s.meta.putContainer(account, container, changes, newTimestamp(), policy);
      } catch (err) {
        if (err instanceof PolicyConflictError) throw new SwiftError('Conflict');
        throw err;
      }
      // Swift answers an update of an existing container with 202 and swob's HTML body for it.
      return created ? { status: 201, headers: HTML } : { status: 202, headers: HTML, body: defaultErrorBody(202) };
    }
    case 'HEAD':
    case 'GET': {
      const info = await s.meta.getContainer(account, container);
      if (!info) throw new SwiftError('NotFound');
      const headers = containerHeaders(info, access.owner, s.policies);
      const format = negotiateFormat(ctx.query, ctx.headers['accept']);
      if (ctx.method === 'HEAD') {
        const head: Record<string, string> = { ...headers, 'content-type': `${format.contentType}; charset=utf-8` };
        if (format.vary) head['vary'] = 'Accept';
        return { status: 204, headers: head };
      }
      const options = listOptions(ctx.query, cfg.container_listing_limit);
      const listing = await s.listings.render({ account, container, options, format: format.format });
      return listingResponse(format, listing, headers);
    }
    case 'POST': {
      checkQuotaSettings(ctx.headers);
      checkRequestMetadata(ctx.headers, 'container', cfg);
      const changes = withoutOwnerOnly(metadataChanges(ctx.headers, 'container'), access.owner);
      checkSyncTo(changes);
      const info = await s.meta.getContainer(account, container);
      if (!info) throw new SwiftError('NotFound');
      checkMetadataTotals({ ...info.metadata, ...changes }, 'container', cfg);
      if (!(await s.meta.updateContainerMetadata(account, container, changes, newTimestamp()))) throw new SwiftError('NotFound');
      return { status: 204, headers: HTML };
    }
    case 'DELETE': {
      const result = await s.meta.deleteContainer(account, container);
      if (result === 'not_found') throw new SwiftError('NotFound');
      if (result === 'not_empty') throw new SwiftError('Conflict');
      return { status: 204, headers: HTML };
    }
    default:
      throw new SwiftError('MethodNotAllowed', {}, { Allow: 'DELETE, GET, HEAD, OPTIONS, POST, PUT' });
  }
}
