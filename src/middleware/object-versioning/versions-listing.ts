/**
 * `GET <container>?versions` (object versioning): every version of every object, as Swift lists
 * them. The container's own listing gives the objects written unversioned (`version_id: null`) and
 * which version each link makes current; the versions container gives the versions, newest first
 * per object. Both are read with the client's prefix, marker, delimiter, limit and reverse, merged
 * by name (stably, so an object's null version comes before its versions) and cut to the limit.
 * `marker` with `version_marker` continues after one version of one object. JSON only (406 else).
 */
import type { RequestContext } from '../../http/context.js';
import { SwiftError } from '../../http/errors.js';
import type { Handler } from '../../http/pipeline.js';
import type { HeaderMap, SwiftResponse } from '../../http/response.js';
import { compareNames } from '../../storage/listing.js';
import { pyJson } from '../../swift/pyjson.js';
import { normalizeVersionId, parseVersionObjectName, RESERVED, reservedName, versionObjectName } from '../../swift/reserved-names.js';
import { discard, readBody } from '../dlo/segments.js';
import { DELETE_MARKER_CONTENT_TYPE } from '../versioned-writes/versioned-writes.js';

type Entry = Record<string, unknown>;

/** Swift's CONTAINER_LISTING_LIMIT default; a larger `limit` is refused as in any listing. */
export async function listVersions(
  ctx: RequestContext, next: Handler, listHidden: (params: Record<string, string>) => Promise<SwiftResponse>, maxLimit = 10_000,
): Promise<SwiftResponse> {
  if (!acceptsJson(ctx)) throw new SwiftError('NotAcceptable');
  const q = ctx.query;
  const limitParam = q.get('limit');
  let limit = maxLimit;
  if (limitParam !== null && /^\d+$/.test(limitParam)) {
    limit = Number(limitParam);
    if (limit > maxLimit) throw new SwiftError('ListingLimitTooHigh', { max: maxLimit });
  }
  const hiddenParams = versionsQuery(q);

  const primaryQuery = new URLSearchParams(q);
  primaryQuery.set('format', 'json');
  const primary = await next({ ...ctx, query: primaryQuery });
  if (primary.status < 200 || primary.status > 299) return primary;
  const primaryEntries = parseListing(await readBody(primary));

  const nullVersions: Entry[] = [];
  const subdirs = new Set<string>();
  /** The objects whose link makes a version current: `name \0 version id` → the link's entry. */
  const current = new Map<string, Entry>();
  const latest = new Set<string>();
  for (const item of primaryEntries) {
    if (typeof item['subdir'] === 'string') subdirs.add(item['subdir']);
    else if (item['version_symlink'] === true) current.set(`${String(item['name'])}${RESERVED}${linkedVersion(item)}`, item);
    else {
      nullVersions.push({ ...item, version_id: 'null', is_latest: true });
      latest.add(String(item['name']));
    }
  }

  const hidden = await listHidden(hiddenParams);
  const versions: Entry[] = [];
  const found = hidden.status >= 200 && hidden.status <= 299;
  if (!found && hidden.status !== 404) return hidden;
  if (found) {
    for (const item of parseListing(await readBody(hidden))) {
      if (typeof item['subdir'] === 'string') {
        subdirs.add(item['subdir'].slice(1).split(RESERVED)[0] ?? '');
        continue;
      }
      const parsed = parseVersionObjectName(String(item['name']));
      if (!parsed) continue;
      const key = `${parsed.object}${RESERVED}${parsed.versionId}`;
      if (current.delete(key)) {
        item['is_latest'] = true;
        latest.add(parsed.object);
      } else if (item['content_type'] === DELETE_MARKER_CONTENT_TYPE && !latest.has(parsed.object)) {
        item['is_latest'] = true;
        latest.add(parsed.object);
      } else {
        item['is_latest'] = false;
      }
      item['name'] = parsed.object;
      item['version_id'] = parsed.versionId;
      versions.push(item);
    }
  } else {
    discard(hidden);
  }

  // Links whose version is not listed (the versions container is gone, or the page ended first).
  const broken: Entry[] = [];
  for (const item of current.values()) {
    const name = String(item['name']);
    let isLatest = true;
    if (!found) {
      isLatest = !latest.has(name);
      latest.add(name);
    }
    broken.push({
      name, is_latest: isLatest, version_id: linkedVersion(item), content_type: item['content_type'],
      bytes: item['bytes'], hash: item['hash'], last_modified: item['last_modified'],
    });
  }

  const all = [...nullVersions, ...versions, ...[...subdirs].map((subdir) => ({ subdir })), ...broken];
  const key = (e: Entry) => String(e['subdir'] ?? e['name']);
  const reverse = /^(true|1|yes|on|t|y)$/i.test(q.get('reverse') ?? '');
  all.sort((a, b) => (reverse ? -1 : 1) * compareNames(key(a), key(b)));
  const headers: HeaderMap = { ...primary.headers, 'content-type': 'application/json; charset=utf-8' };
  delete headers['content-length'];
  delete headers['vary'];
  return { status: 200, headers, body: pyJson(all.slice(0, limit)) };
}

/** The query for the versions container: the client's, its names moved into the reserved namespace. */
function versionsQuery(q: URLSearchParams): Record<string, string> {
  const params: Record<string, string> = { format: 'json' };
  const marker = q.get('marker');
  const versionMarker = q.get('version_marker');
  if (versionMarker !== null) {
    if (marker === null) throw new SwiftError('VersionMarkerWithoutMarker');
    if (versionMarker !== 'null') {
      const id = normalizeVersionId(versionMarker);
      if (id === undefined) throw new SwiftError('VersionMarkerInvalid');
      params['marker'] = versionObjectName(marker, id);
    } else {
      params['marker'] = marker;
    }
  } else if (marker !== null) {
    // Past every version of the marker object (':' sorts after the digits of a version).
    params['marker'] = `${reservedName(marker, '')}:`;
  }
  const delimiter = q.get('delimiter');
  if (delimiter) {
    // Version names are made of these: a delimiter among them would split inside a version.
    if (/[0-9.\u0000]/.test(delimiter)) throw new SwiftError('VersionsDelimiterInvalid');
    params['delimiter'] = delimiter;
  }
  const prefix = q.get('prefix');
  if (prefix) params['prefix'] = reservedName(prefix);
  for (const name of ['limit', 'reverse']) {
    const v = q.get(name);
    if (v !== null) params[name] = v;
  }
  return params;
}

/** The version id in a listed link's `symlink_path` (`…?version-id=<id>`). */
function linkedVersion(item: Entry): string {
  const path = String(item['symlink_path'] ?? '');
  return path.slice(path.lastIndexOf('?version-id=') + '?version-id='.length);
}

function parseListing(body: Buffer): Entry[] {
  if (body.length === 0) return [];
  const parsed: unknown = JSON.parse(body.toString('utf8'));
  return Array.isArray(parsed) ? (parsed as Entry[]) : [];
}

/** Swift's req.accept.best_match(['application/json']) after `format=` became an Accept header. */
function acceptsJson(ctx: RequestContext): boolean {
  const format = ctx.query.get('format')?.toLowerCase();
  if (format !== undefined) return format === 'json';
  const accept = ctx.headers['accept'];
  if (!accept) return true;
  return accept.split(',').some((part) => {
    const [type = '', ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim().split('=')).find(([k]) => k === 'q');
    if (q && !(Number(q[1]) > 0)) return false;
    return ['application/json', 'application/*', '*/*'].includes(type.trim().toLowerCase());
  });
}
