/** `/v1/<account>/<container>`: PUT, HEAD, GET (object listing), POST, DELETE. */
import { SwiftError } from '../http/errors.js';
import { defaultErrorBody } from '../http/status.js';
import type { SwiftResponse } from '../http/response.js';
import type { RequestContext } from '../http/context.js';
import type { ContainerInfo } from '../storage/contracts.js';
import { checkQuotaSettings } from '../middleware/quotas/container-quotas.js';
import { pyRepr } from '../swift/pyjson.js';
import { checkMetadataTotals, checkRequestMetadata, metadataChanges } from '../swift/headers.js';
import { listingResponse, listOptions, negotiateFormat } from '../swift/listing-format.js';
import { httpDate, newTimestamp } from '../swift/timestamp.js';
import { checkSyncTo } from '../middleware/container-sync/sync-to.js';
import { metaToHeaders, timestampHeaders, withoutOwnerOnly } from './common.js';
import type { Access, Services, Target } from './services.js';

const HTML = { 'content-type': 'text/html; charset=UTF-8' };

function containerHeaders(info: ContainerInfo, owner: boolean): Record<string, string> {
  return {
    'x-container-object-count': String(info.objectCount),
    'x-container-bytes-used': String(info.bytesUsed),
    ...timestampHeaders(info.createdAt),
    'last-modified': httpDate(info.putTimestamp),
    ...(metaToHeaders(info.metadata, owner) as Record<string, string>),
    'accept-ranges': 'bytes',
    'x-storage-policy': 'Policy-0',
  };
}

export function checkContainerName(name: string, max: number): void {
  const length = Buffer.byteLength(name, 'utf8');
  if (length > max) throw new SwiftError('ContainerNameTooLong', { length, max });
}

/** The only storage policy is Policy-0; naming any other one is an error (names are case-insensitive). */
function checkStoragePolicy(headers: Record<string, string>): void {
  const name = headers['x-storage-policy'];
  if (name === undefined || name.trim() === '') return;
  if (name.trim().toLowerCase() !== 'policy-0') throw new SwiftError('InvalidStoragePolicy', { name: pyRepr(name) });
}

export async function containerController(ctx: RequestContext, target: Target, access: Access, s: Services): Promise<SwiftResponse> {
  const { account } = target;
  const container = target.container ?? '';
  const cfg = s.config.swift;
  switch (ctx.method) {
    case 'PUT': {
      checkContainerName(container, cfg.max_container_name_length);
      checkStoragePolicy(ctx.headers);
      checkQuotaSettings(ctx.headers);
      checkRequestMetadata(ctx.headers, 'container', cfg);
      const changes = withoutOwnerOnly(metadataChanges(ctx.headers, 'container'), access.owner);
      checkSyncTo(changes, s.config.container_sync);
      const current = (await s.meta.getContainer(account, container))?.metadata ?? {};
      checkMetadataTotals({ ...current, ...changes }, 'container', cfg);
      const created = await s.meta.putContainer(account, container, changes, newTimestamp());
      // Swift answers an update of an existing container with 202 and swob's HTML body for it.
      return created ? { status: 201, headers: HTML } : { status: 202, headers: HTML, body: defaultErrorBody(202) };
    }
    case 'HEAD':
    case 'GET': {
      const info = await s.meta.getContainer(account, container);
      if (!info) throw new SwiftError('NotFound');
      const headers = containerHeaders(info, access.owner);
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
      checkSyncTo(changes, s.config.container_sync);
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
