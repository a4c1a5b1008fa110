/**
 * Account and container listings in Swift's three formats (plain, json, xml), chosen by `format=` or
 * the Accept header, and the query parameters that shape them.
 */
import { SwiftError } from '../http/errors.js';
import type { SwiftResponse } from '../http/response.js';
import type { ContainerListEntry, Listed, ListedObject, ListOptions } from '../storage/contracts.js';
import { decodePath } from '../http/context.js';
import { isoMicros } from './timestamp.js';
import { pyQuote } from './quote.js';
import { parseVersionObjectName, primaryOfVersionsContainer } from './reserved-names.js';
import { pyJson, pyJsonString } from './pyjson.js';

export type ListingFormat = 'plain' | 'json' | 'xml';

const MEDIA: Record<string, ListingFormat> = {
  'text/plain': 'plain', 'application/json': 'json', 'application/xml': 'xml', 'text/xml': 'xml',
};

/** `vary`: the format came from the Accept header (no `format=`), so answers say `Vary: Accept`. */
export interface Negotiated { format: ListingFormat; contentType: string; vary: boolean }

/** Swift's get_listing_content_type: `format=` wins, then the best Accept match, else 406. */
export function negotiateFormat(query: URLSearchParams, accept: string | undefined): Negotiated {
  const param = query.get('format')?.toLowerCase();
  if (param === 'json') return { format: 'json', contentType: 'application/json', vary: false };
  if (param === 'xml') return { format: 'xml', contentType: 'application/xml', vary: false };
  if (param === 'plain' || param === 'text') return { format: 'plain', contentType: 'text/plain', vary: false };
  if (!accept) return { format: 'plain', contentType: 'text/plain', vary: true };
  let best: { type: string; q: number; order: number } | undefined;
  const offers = Object.keys(MEDIA);
  for (const part of accept.split(',')) {
    const [rawType, ...params] = part.trim().split(';');
    const type = (rawType ?? '').trim().toLowerCase();
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split('=');
      if (k === 'q') q = Number(v);
    }
    if (!(q > 0)) continue;
    for (const [order, offer] of offers.entries()) {
      const [major] = offer.split('/');
      if (type === offer || type === '*/*' || type === `${major}/*`) {
        const specificity = type === offer ? 2 : type === '*/*' ? 0 : 1;
        const score = q * 10 + specificity;
        const bestScore = best ? best.q : -1;
        if (score > bestScore || (score === bestScore && best && order < best.order)) best = { type: offer, q: score, order };
      }
    }
  }
  if (!best) throw new SwiftError('NotAcceptable');
  return { format: MEDIA[best.type] ?? 'plain', contentType: best.type, vary: true };
}

/** Reads limit/marker/end_marker/prefix/delimiter/reverse/path; limit above the maximum → 412. */
export function listOptions(query: URLSearchParams, maxLimit: number): ListOptions {
  const opts: ListOptions = { limit: maxLimit };
  const limit = query.get('limit');
  // Swift's constrain_req_limit: only a string of digits counts; anything else means the default.
  if (limit !== null && /^\d+$/.test(limit)) {
    const n = Number(limit);
    if (n > maxLimit) throw new SwiftError('ListingLimitTooHigh', { max: maxLimit });
    opts.limit = n;
  }
  const str = (name: string) => query.get(name) ?? undefined;
  const marker = str('marker');
  const endMarker = str('end_marker');
  const prefix = str('prefix');
  const delimiter = str('delimiter');
  const path = str('path');
  if (marker) opts.marker = marker;
  if (endMarker) opts.endMarker = endMarker;
  if (prefix) opts.prefix = prefix;
  if (delimiter) {
    if (Array.from(delimiter).length > 1 && (delimiter.codePointAt(0) ?? 0) > 254) throw new SwiftError('BadDelimiter');
    opts.delimiter = delimiter;
  }
  if (path !== undefined) opts.path = path;
  const reverse = query.get('reverse')?.toLowerCase();
  if (reverse && ['true', '1', 'yes', 'on', 't', 'y'].includes(reverse)) opts.reverse = true;
  return opts;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

type Headers = Record<string, string>;

/** A listing's body, and whether it listed nothing (a plain listing of nothing is a 204). */
export interface RenderedListing { body: string | Buffer; empty: boolean }

/** The answer for a rendered listing: a format chosen by Accept makes it vary with Accept (200 and 204 alike). */
export function listingResponse(n: Negotiated, listing: RenderedListing, headers: Headers): SwiftResponse {
  const h: Headers = { ...headers, 'content-type': `${n.contentType}; charset=utf-8` };
  if (n.vary) h['vary'] = 'Accept';
  if (n.format === 'plain' && listing.empty) return { status: 204, headers: h, body: '' };
  return { status: 200, headers: h, body: listing.body };
}

/** Sysmeta a feature sets so that listings show another ETag than the stored bytes' (Swift's container update override). */
export const OVERRIDE_ETAG = 'x-object-sysmeta-container-update-override-etag';

interface ListingView {
  bytes: number;
  hash: string;
  contentType: string;
  /** JSON-only keys after the standard five, already rendered (`, "slo_etag": …, "symlink_path": …`). */
  extraJson: string;
}

/**
 * What a listing shows for an object, as Swift's container server and its slo and symlink
 * middlewares: a `;swift_bytes=N` content-type parameter gives the size (an SLO's total), an
 * override ETag replaces the hash, and of its parameters `slo_etag` becomes the JSON listing's
 * `slo_etag` (quoted) and the symlink ones its `symlink_etag`, `symlink_bytes` and `symlink_path`.
 */
function listingView(e: ListedObject): ListingView {
  let bytes = e.size;
  let contentType = e.contentType;
  const semi = contentType.lastIndexOf(';');
  if (semi !== -1) {
    const m = /^\s*swift_bytes=(.*)$/.exec(contentType.slice(semi + 1));
    if (m) {
      contentType = contentType.slice(0, semi);
      if (/^\d+$/.test(m[1] ?? '')) bytes = Number(m[1]);
    }
  }
  const override = e.metadata?.[OVERRIDE_ETAG];
  if (override === undefined) return { bytes, hash: e.etag, contentType, extraJson: '' };
  const [value = '', ...params] = override.split(';');
  let hash = value.trim();
  let extraJson = '';
  let symlinkTarget: string | undefined;
  let symlinkAccount = '';
  let symlinkEtag: string | undefined;
  let symlinkBytes: number | undefined;
  let sloEtagJson = '';
  for (const p of params) {
    const eq = p.indexOf('=');
    const key = p.slice(0, eq === -1 ? undefined : eq).trim();
    const val = eq === -1 ? '' : p.slice(eq + 1).trim();
    if (key === 'slo_etag') {
      sloEtagJson = `, "slo_etag": ${pyJsonString(`"${val}"`)}`;
      extraJson += sloEtagJson;
    } else if (key === 'symlink_target') symlinkTarget = val;
    else if (key === 'symlink_target_account') symlinkAccount = val;
    else if (key === 'symlink_target_etag') {
      symlinkEtag = val;
      extraJson += `, "symlink_etag": ${pyJsonString(val)}`;
    } else if (key === 'symlink_target_bytes') {
      symlinkBytes = Number.parseInt(val, 10) || 0;
      extraJson += `, "symlink_bytes": ${symlinkBytes}`;
    }
    else hash += `; ${key}=${val}`;
  }
  if (symlinkTarget !== undefined) {
    const version = versionLink(symlinkAccount, symlinkTarget);
    if (version && symlinkEtag !== undefined) {
      // Object versioning: the listing shows the version the link stands for, as Swift's does.
      return { bytes: symlinkBytes ?? bytes, hash: symlinkEtag + hash.slice(value.trim().length), contentType,
        extraJson: `${sloEtagJson}, "symlink_path": ${pyJsonString(version)}, "version_symlink": true` };
    }
    extraJson += `, "symlink_path": ${pyJsonString(`/v1/${symlinkAccount}/${symlinkTarget}`)}`;
  }
  return { bytes, hash, contentType, extraJson };
}

/**
 * For a link into a versions container (`%00versions%00<container>/%00<object>%00<inverted time>`,
 * only object versioning makes those), the path clients see: `/v1/<account>/<container>/<object>?version-id=<id>`.
 */
function versionLink(quotedAccount: string, quotedTarget: string): string | undefined {
  if (!quotedTarget.startsWith('%00versions%00')) return undefined;
  const target = decodePath(quotedTarget, true);
  const account = decodePath(quotedAccount);
  if (target === undefined || account === undefined) return undefined;
  const slash = target.indexOf('/');
  const container = primaryOfVersionsContainer(target.slice(0, slash));
  const version = parseVersionObjectName(target.slice(slash + 1));
  if (slash === -1 || container === undefined || !version) return undefined;
  return `${pyQuote(`/v1/${account}/${container}/${version.object}`)}?version-id=${version.versionId}`;
}

/** A container listing's body in one of Swift's formats; pure, so it can run on any thread. */
export function renderObjectListing(format: ListingFormat, container: string, entries: Listed<ListedObject>[]): RenderedListing {
  const empty = entries.length === 0;
  if (format === 'json') return { body: objectListingJson(entries), empty };
  if (format === 'xml') {
    const items = entries.map((e) => {
      if ('subdir' in e) return `<subdir name="${xmlEscape(e.subdir)}"><name>${xmlEscape(e.subdir)}</name></subdir>`;
      const v = listingView(e);
      return `<object><name>${xmlEscape(e.name)}</name><hash>${xmlEscape(v.hash)}</hash><bytes>${v.bytes}</bytes>` +
        `<content_type>${xmlEscape(v.contentType)}</content_type><last_modified>${isoMicros(e.timestamp)}</last_modified></object>`;
    });
    return { body: `<?xml version="1.0" encoding="UTF-8"?>\n<container name="${xmlEscape(container)}">${items.join('')}</container>`, empty };
  }
  return { body: entries.map((e) => ('subdir' in e ? e.subdir : e.name) + '\n').join(''), empty };
}

/**
 * What pyJson would write for these entries, in Swift's key order, written entry by entry without
 * building them first (a page holds up to 10 000).
 */
function objectListingJson(entries: Listed<ListedObject>[]): string {
  let out = '[';
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as Listed<ListedObject>;
    if (i > 0) out += ', ';
    out += 'subdir' in e ? subdirJson(e.subdir) : objectEntryJson(e);
  }
  return `${out}]`;
}

/** A pseudo-directory's entry in a JSON listing. */
export function subdirJson(subdir: string): string {
  return `{"subdir": ${pyJsonString(subdir)}}`;
}

/**
 * One object's entry in a JSON container listing, as Swift writes it. It depends only on the object's
 * own row, so a store may keep it with the row (the SQLite store does: sqlite/listing-entries.ts).
 * Most objects show their stored size, hash and content type as they are; only a `;swift_bytes=`
 * content type or an override ETag needs listingView.
 */
export function objectEntryJson(e: ListedObject): string {
  let bytes = e.size;
  let hash = e.etag;
  let contentType = e.contentType;
  let extraJson = '';
  if (contentType.includes(';') || e.metadata[OVERRIDE_ETAG] !== undefined) ({ bytes, hash, contentType, extraJson } = listingView(e));
  return `{"bytes": ${bytes}, "hash": ${pyJsonString(hash)}, "name": ${pyJsonString(e.name)}, ` +
    `"content_type": ${pyJsonString(contentType)}, "last_modified": "${isoMicros(e.timestamp)}"${extraJson}}`;
}

export function containerListing(n: Negotiated, account: string, entries: Listed<ContainerListEntry>[], headers: Headers): SwiftResponse {
  if (n.format === 'json') {
    const items = entries.map((e) => ('subdir' in e ? { subdir: e.subdir } : {
      name: e.name, count: e.objectCount, bytes: e.bytesUsed, last_modified: isoMicros(e.lastModified),
    }));
    return listingResponse(n, { body: pyJson(items), empty: entries.length === 0 }, headers);
  }
  if (n.format === 'xml') {
    const items = entries.map((e) => ('subdir' in e
      ? `<subdir name="${xmlEscape(e.subdir)}"><name>${xmlEscape(e.subdir)}</name></subdir>`
      : `<container><name>${xmlEscape(e.name)}</name><count>${e.objectCount}</count><bytes>${e.bytesUsed}</bytes>` +
        `<last_modified>${isoMicros(e.lastModified)}</last_modified></container>`));
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<account name="${xmlEscape(account)}">${items.join('')}</account>`;
    return listingResponse(n, { body, empty: entries.length === 0 }, headers);
  }
  const body = entries.map((e) => ('subdir' in e ? e.subdir : e.name) + '\n').join('');
  return listingResponse(n, { body, empty: entries.length === 0 }, headers);
}
