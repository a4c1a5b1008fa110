/**
 * HTTP byte ranges as Swift's swob parses them: a syntactically bad header is ignored (200 with the
 * whole body); ranges that are all unsatisfiable give 416; too many, too overlapping or too
 * disordered range sets are refused as unsatisfiable.
 */
const MAX_RANGES = 50;
const MAX_RANGE_OVERLAPS = 2;
const MAX_NONASCENDING_RANGES = 8;

/** Half-open [start, end) byte ranges. */
export type ByteRange = [number, number];

type Spec = [number | undefined, number | undefined];

function parseSpecs(header: string): Spec[] | undefined {
  const value = header.replace(/ /g, '');
  if (!value.toLowerCase().startsWith('bytes=')) return undefined;
  const specs: Spec[] = [];
  for (const part of value.slice(6).split(',')) {
    const dash = part.indexOf('-');
    if (dash === -1) return undefined;
    const a = part.slice(0, dash);
    const b = part.slice(dash + 1);
    let start: number | undefined;
    if (a) {
      if (!/^\d+$/.test(a)) return undefined;
      start = Number(a);
    }
    let end: number | undefined;
    if (b) {
      if (!/^\d+$/.test(b)) return undefined;
      end = Number(b);
      if (start !== undefined && end < start) return undefined;
    } else if (start === undefined) {
      return undefined;
    }
    specs.push([start, end]);
  }
  return specs;
}

/**
 * undefined: serve the whole object (no or invalid Range); []: 416; otherwise the ranges to send.
 */
export function rangesFor(header: string | undefined, length: number): ByteRange[] | undefined {
  if (header === undefined || header === '') return undefined;
  const specs = parseSpecs(header);
  if (!specs || specs.length === 0) return undefined;
  const ranges: ByteRange[] = [];
  for (const [begin, end] of specs) {
    if (begin === undefined) {
      if (end === 0 || end === undefined) continue;
      ranges.push(end > length ? [0, length] : [length - end, length]);
    } else if (end === undefined) {
      if (begin < length) ranges.push([begin, length]);
    } else if (begin < length) {
      ranges.push([begin, Math.min(end + 1, length)]);
    }
  }
  if (ranges.length > MAX_RANGES) return [];
  let overlaps = 0;
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const [s1, e1] = ranges[i] as ByteRange;
      const [s2, e2] = ranges[j] as ByteRange;
      if ((s1 < s2 && s2 < e1) || (s1 < e2 && e2 < e1) || (s2 < s1 && s1 < e2) || (s2 < e1 && e1 < e2)) {
        if (++overlaps > MAX_RANGE_OVERLAPS) return [];
      }
    }
  }
  const ascending = ranges.every((r, i) => i === 0 || !lessThan(r, ranges[i - 1] as ByteRange));
  if (!ascending && ranges.length >= MAX_NONASCENDING_RANGES) return [];
  return ranges;
}

function lessThan(a: ByteRange, b: ByteRange): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}
