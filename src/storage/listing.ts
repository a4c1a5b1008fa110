/**
 * Listing semantics shared by every metadata backend: marker, end_marker, prefix, delimiter (with
 * `subdir` entries), reverse and path, exactly as Swift's container/account brokers apply them. A
 * backend only supplies `fetchPage`, an ordered range scan; the delimiter walk happens here, so a
 * listing costs one scan per returned entry or pseudo-directory, never a scan of the whole container.
 */
import type { ListOptions, Listed } from './contracts.js';

export interface PageQuery {
  /** Names strictly greater than this. */
  gt?: string;
  /** Names greater than or equal to this. */
  gte?: string;
  /** Names strictly less than this. */
  lt?: string;
  reverse: boolean;
  limit: number;
}

/** Bytewise UTF-8 order, which is code-point order (JavaScript's `<` compares UTF-16 units instead). */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function successor(text: string): string {
  const points = Array.from(text);
  const last = points.pop() ?? '\u0000';
  return points.join('') + String.fromCodePoint((last.codePointAt(0) ?? 0) + 1);
}

const FIRST_DELIMITED_PAGE = 32;

/**
 * Where a scan runs: after `marker`, before `endMarker` (already swapped for reverse), within
 * `prefix`. The delimiter walk moves the markers as it goes.
 */
interface ScanRange {
  marker: string | undefined;
  endMarker: string | undefined;
  readonly prefix: string | undefined;
  readonly endPrefix: string | undefined;
  readonly hideReserved: boolean;
}

/** The scan range of `options`: a reverse listing scans from end_marker down to marker. */
function scanRange(options: ListOptions, prefix: string | undefined): ScanRange {
  const reverse = options.reverse ?? false;
  return {
    marker: (reverse ? options.endMarker : options.marker) || undefined,
    endMarker: (reverse ? options.marker : options.endMarker) || undefined,
    prefix,
    endPrefix: prefix ? successor(prefix) : undefined,
    hideReserved: options.hideReserved ?? false,
  };
}

/**
 * A page's bounds: end_marker or the prefix's end above; the marker or the prefix below, or the
 * marker itself when `markerInclusive` (where a seek past a pseudo-directory landed).
 */
function pageQuery(range: ScanRange, reverse: boolean, limit: number, markerInclusive = false): PageQuery {
  const { marker, endMarker, prefix, endPrefix } = range;
  const q: PageQuery = { reverse, limit };
  if (endMarker && (!endPrefix || compareNames(endMarker, endPrefix) < 0)) q.lt = endMarker;
  else if (endPrefix) q.lt = endPrefix;
  if (markerInclusive && marker !== undefined) q.gte = marker;
  else if (marker && (!prefix || compareNames(marker, prefix) >= 0)) q.gt = marker;
  else if (prefix) q.gte = prefix;
  // Reserved names all sort below U+0001: a lower bound there leaves every one of them out.
  if (range.hideReserved) {
    const lower = q.gt ?? q.gte;
    if (lower === undefined || lower < FIRST_UNRESERVED) {
      delete q.gt;
      q.gte = FIRST_UNRESERVED;
    }
  }
  return q;
}

const FIRST_UNRESERVED = '\u0001';

/**
 * The one range query that answers a listing without delimiter or path (no walk), or undefined when
 * the listing needs the walk.
 */
export function undelimitedPage(options: ListOptions): PageQuery | undefined {
  if (options.delimiter || options.path !== undefined) return undefined;
  return pageQuery(scanRange(options, options.prefix), options.reverse ?? false, options.limit);
}

export async function listEntries<T extends { name: string }>(
  options: ListOptions,
  fetchPage: (query: PageQuery) => Promise<T[]>,
): Promise<Listed<T>[]> {
  const { limit, reverse = false } = options;
  const single = undelimitedPage(options);
  if (single) return limit > 0 ? fetchPage(single) : [];
  // From here on there is a delimiter ('/' for a path listing) and a prefix ('' when none was given).
  const path = options.path;
  const delimiter = path !== undefined ? '/' : options.delimiter ?? '/';
  const prefix = path !== undefined ? (path ? path.replace(/\/+$/, '') + '/' : '') : options.prefix ?? '';
  const range = scanRange(options, prefix);
  const pathPrefix = path !== undefined ? prefix : undefined;
  const originalMarker = range.marker;
  const results: Listed<T>[] = [];
  let forceGte = false;

  // With a delimiter, a pseudo-directory's names are skipped within the page already read (a row
  // costs far less than a query), and only when a page ends inside one does the next query seek past
  // it. Pages start small and double while they end outside a pseudo-directory: asking for every
  // remaining row each time would read O(limit) rows per subdir (20k objects in 200 dirs took 25 s).
  let pageSize = FIRST_DELIMITED_PAGE;
  while (results.length < limit) {
    const remaining = limit - results.length;
    const q = pageQuery(range, reverse, Math.min(remaining, pageSize), forceGte);
    forceGte = false;

    const rows = await fetchPage(q);
    if (rows.length === 0) break;

    /** While set, rows inside this pseudo-directory (already listed) are passed over. */
    let inside: string | undefined;
    let seek = false;
    for (const row of rows) {
      const name = row.name;
      if (inside !== undefined && name.startsWith(inside)) continue;
      inside = undefined;
      if (reverse) range.endMarker = name;
      else range.marker = name;
      if (results.length >= limit) return results;
      const end = name.indexOf(delimiter, prefix.length);
      if (pathPrefix !== undefined) {
        if (name === pathPrefix) continue;
        if (end >= 0 && name.length > end + delimiter.length) {
          // Swift's path listing seeks past a deeper directory (and, quirk kept, past the one name
          // equal to where that seek lands): always by a new query.
          skipPast(name.slice(0, end), false);
          seek = true;
          break;
        }
      } else if (end >= 0) {
        const dirName = name.slice(0, end + delimiter.length);
        if (dirName !== originalMarker) results.push({ subdir: dirName });
        inside = dirName;
        continue;
      }
      results.push(row);
    }
    if (!seek && rows.length < q.limit) break;
    if (inside !== undefined) {
      skipPast(inside.slice(0, inside.length - delimiter.length), true);
      seek = true;
    }
    pageSize = seek ? FIRST_DELIMITED_PAGE : pageSize * 2;
  }
  return results;

  /** Moves the scan past every name that starts with `head + delimiter`. */
  function skipPast(head: string, inclusive: boolean): void {
    if (reverse) {
      range.endMarker = head + delimiter;
    } else {
      range.marker = head + delimiter.slice(0, -1) + successor(delimiter.slice(-1));
      forceGte = inclusive;
    }
  }
}
