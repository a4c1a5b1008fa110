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

export async function listEntries<T extends { name: string }>(
  options: ListOptions,
  fetchPage: (query: PageQuery) => Promise<T[]>,
): Promise<Listed<T>[]> {
  const { limit, reverse = false } = options;
  let marker = options.marker || undefined;
  let endMarker = options.endMarker || undefined;
  if (reverse) [marker, endMarker] = [endMarker, marker];
  let prefix = options.prefix;
  let delimiter = options.delimiter || undefined;
  const path = options.path;
  if (path !== undefined) {
    prefix = path ? path.replace(/\/+$/, '') + '/' : path;
    delimiter = '/';
  } else if (delimiter && !prefix) {
    prefix = '';
  }
  const endPrefix = prefix ? successor(prefix) : undefined;
  const pathPrefix = path !== undefined ? prefix : undefined;
  const originalMarker = marker;
  const results: Listed<T>[] = [];
  let forceGte = false;

  // With a delimiter, one pseudo-directory can end a page after its first row: asking for every
  // remaining row each time would read O(limit) rows per subdir (20k objects in 200 dirs took 25 s).
  // Pages start small and double while no subdir cuts them short.
  let pageSize = FIRST_DELIMITED_PAGE;
  while (results.length < limit) {
    const remaining = limit - results.length;
    const q: PageQuery = { reverse, limit: delimiter && prefix !== undefined ? Math.min(remaining, pageSize) : remaining };
    if (endMarker && (!endPrefix || compareNames(endMarker, endPrefix) < 0)) q.lt = endMarker;
    else if (endPrefix) q.lt = endPrefix;
    if (forceGte && marker !== undefined) {
      q.gte = marker;
      forceGte = false;
    } else if (marker && (!prefix || compareNames(marker, prefix) >= 0)) q.gt = marker;
    else if (prefix) q.gte = prefix;

    const rows = await fetchPage(q);
    if (prefix === undefined || !delimiter) return rows;
    if (rows.length === 0) break;

    let brokeOut = false;
    for (const row of rows) {
      const name = row.name;
      if (reverse) endMarker = name;
      else marker = name;
      if (results.length >= limit) return results;
      const end = name.indexOf(delimiter, prefix.length);
      if (pathPrefix !== undefined) {
        if (name === pathPrefix) continue;
        if (end >= 0 && name.length > end + delimiter.length) {
          skipPast(name.slice(0, end), false);
          brokeOut = true;
          break;
        }
      } else if (end >= 0) {
        skipPast(name.slice(0, end), true);
        const dirName = name.slice(0, end + delimiter.length);
        if (dirName !== originalMarker) results.push({ subdir: dirName });
        brokeOut = true;
        break;
      }
      results.push(row);
    }
    if (!brokeOut && rows.length < q.limit) break;
    pageSize = brokeOut ? FIRST_DELIMITED_PAGE : pageSize * 2;
  }
  return results;

  /** Moves the scan past every name that starts with `head + delimiter`. */
  function skipPast(head: string, inclusive: boolean): void {
    const delim = delimiter ?? '/';
    if (reverse) {
      endMarker = head + delim;
    } else {
      marker = head + delim.slice(0, -1) + successor(delim.slice(-1));
      forceGte = inclusive;
    }
  }
}
