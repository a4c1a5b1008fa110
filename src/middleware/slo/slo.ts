/**
 * Static Large Objects, as Swift 2.30's slo middleware:
 *  - `PUT ?multipart-manifest=put` with a JSON list of segments (`path` with optional `etag`,
 *    `size_bytes`, `range`; or inline base64 `data`) validates the list, HEADs every segment through
 *    a sub-request authorised again for the caller (docs/auth-rules.md D10), and stores the manifest in Swift's
 *    stored format with sysmeta (SLO ETag and size), `X-Static-Large-Object: True`, the total size as
 *    a `swift_bytes` content-type parameter and the listing ETag override (`<md5>; slo_etag=<etag>`);
 *  - GET streams the segments one after another (ranges, nested manifests), HEAD gives the totals,
 *    conditionals apply to the SLO ETag; `?multipart-manifest=get` returns the stored manifest
 *    (`&format=raw`: in the put format);
 *  - `DELETE ?multipart-manifest=delete` deletes the segments (nested manifests too) and the manifest.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { RequestContext } from '../../http/context.js';
import { SwiftError } from '../../http/errors.js';
import type { Handler, Middleware } from '../../http/pipeline.js';
import type { HeaderMap, SwiftResponse } from '../../http/response.js';
import { defaultErrorBody } from '../../http/status.js';
import { parseTarget } from '../../controllers/router.js';
import { guessContentType } from '../../swift/content-type.js';
import { OVERRIDE_ETAG } from '../../swift/listing-format.js';
import { pyJson } from '../../swift/pyjson.js';
import { rangesFor, type ByteRange } from '../../swift/ranges.js';
import { pyQuote } from '../../swift/quote.js';
import { parseHttpDate } from '../../swift/timestamp.js';
import {
  BulkError, bestMatch, deleteReport, reportResponse, responseBody, statusLine, type DeleteItem,
} from '../bulk/bulk.js';
import { conditionalResponse } from '../dlo/dlo.js';
import {
  cleanContentType, discard, headerValue, normalizeEtag, readBody, SegmentedBody, SegmentError, subrequest,
  TRUE_VALUES, type Piece,
} from '../dlo/segments.js';

export const MAX_MANIFEST_SEGMENTS = 1000;
export const MAX_MANIFEST_SIZE = 8 * 1024 * 1024;
const YIELD_FREQUENCY = 10;
const MAX_RECURSION_DEPTH = 10;
/** Swift 2.30 publishes min_segment_size 1 ("used to be configurable; report it as 1"). */
export const SLO_INFO = {
  max_manifest_segments: MAX_MANIFEST_SEGMENTS,
  max_manifest_size: MAX_MANIFEST_SIZE,
  yield_frequency: YIELD_FREQUENCY,
  min_segment_size: 1,
  allow_async_delete: false,
};

export const SYSMETA_ETAG = 'x-object-sysmeta-slo-etag';
export const SYSMETA_SIZE = 'x-object-sysmeta-slo-size';
/** Internal marker: a sub-request that wants the manifest object exactly as stored. */
const RAW = 'x-backend-slo-raw-manifest';

/** A segment as stored in a manifest (Swift's stored format). */
interface StoredSegment {
  name?: string;
  bytes?: number | string;
  hash?: string;
  content_type?: string;
  last_modified?: string;
  range?: string;
  sub_slo?: boolean;
  data?: string;
}

/** A segment as the client put it, after parse_and_validate_input. */
interface InputSegment {
  path?: string;
  etag?: string | null;
  size_bytes?: number | null;
  range?: string;
  data?: string;
}

function isSlo(headers: HeaderMap): boolean {
  return TRUE_VALUES.test(headerValue(headers, 'x-static-large-object') ?? '');
}

/** Strict base64 (Swift's strict_b64decode): only the alphabet and trailing padding, correctly padded. */
function strictB64(value: unknown): Buffer | undefined {
  if (typeof value !== 'string') return undefined;
  if (!/^[A-Za-z0-9+/]*$/.test(value.replace(/^=+|=+$/g, ''))) return undefined;
  const stripped = value.replace(/=+$/, '');
  if (stripped.length % 4 === 1) return undefined;
  const padded = stripped + '='.repeat((4 - (stripped.length % 4)) % 4);
  if (value.length < padded.length) return undefined; // insufficient padding
  return Buffer.from(padded, 'base64');
}

/** A `range` entry as swob's Range parses `bytes=<spec>`: undefined when invalid, else the number of specs. */
function parseSegmentRange(spec: string): { count: number } | undefined {
  const parts = spec.replace(/ /g, '').split(',');
  for (const p of parts) {
    const m = /^(\d*)-(\d*)$/.exec(p);
    if (!m || (m[1] === '' && m[2] === '')) return undefined;
    if (m[1] !== '' && m[2] !== '' && Number(m[2]) < Number(m[1])) return undefined;
  }
  return { count: parts.length };
}

/** swob's ranges_for_length for one spec: [start, end) or undefined when unsatisfiable. */
function rangeForLength(spec: string, length: number): ByteRange | undefined {
  const ranges = rangesFor(`bytes=${spec}`, length);
  return ranges?.[0];
}

const SLO_KEYS: Record<string, string[]> = { data: [], path: ['range', 'etag', 'size_bytes'] };

/** Swift's parse_and_validate_input. */
function parseManifest(body: Buffer, account: string, selfPath: string): InputSegment[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new SwiftError('SloBadManifest', { message: 'Manifest must be valid JSON.\n' });
  }
  if (!Array.isArray(parsed)) throw new SwiftError('SloBadManifest', { message: 'Manifest must be a list.\n' });
  const errors: string[] = [];
  const segments: InputSegment[] = [];
  for (const [i, raw] of parsed.entries()) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      errors.push(`Index ${i}: not a JSON object`);
      continue;
    }
    const seg = raw as Record<string, unknown>;
    const type = Object.keys(SLO_KEYS).find((k) => k in seg);
    if (type === undefined) {
      errors.push(`Index ${i}: expected keys to include one of 'data' or 'path'`);
      continue;
    }
    const allowed = new Set([type, ...(SLO_KEYS[type] ?? [])]);
    const extra = Object.keys(seg).filter((k) => !allowed.has(k)).sort();
    if (extra.length > 0) {
      errors.push(`Index ${i}: extraneous keys ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
      continue;
    }
    if (type === 'path') {
      const path = seg['path'];
      if (typeof path !== 'string') {
        errors.push(`Index ${i}: "path" must be a string`);
        continue;
      }
      const etag = seg['etag'];
      if (!(etag === undefined || etag === null || typeof etag === 'string')) {
        errors.push(`Index ${i}: "etag" must be a string or null (if provided)`);
        continue;
      }
      if (!path.replace(/^\/+|\/+$/g, '').includes('/')) {
        errors.push(`Index ${i}: path does not refer to an object. Path must be of the form /container/object.`);
        continue;
      }
      const out: InputSegment = { path };
      if (etag !== undefined) out.etag = etag;
      let size: number | undefined;
      const rawSize = seg['size_bytes'];
      if (rawSize !== undefined && rawSize !== null) {
        const n = typeof rawSize === 'number' ? rawSize : typeof rawSize === 'string' && /^\s*[+-]?\d+\s*$/.test(rawSize) ? Number(rawSize) : NaN;
        if (!Number.isFinite(n)) {
          errors.push(`Index ${i}: invalid size_bytes`);
          continue;
        }
        size = Math.trunc(n);
        if (size < 1 && i !== parsed.length - 1) {
          errors.push(`Index ${i}: too small; each segment must be at least 1 byte.`);
          continue;
        }
        out.size_bytes = size;
      } else if (rawSize === null) {
        out.size_bytes = null;
      }
      if (`/${account}/${path.replace(/^\/+/, '')}` === selfPath) {
        errors.push(`Index ${i}: manifest must not include itself as a segment`);
        continue;
      }
      const range = seg['range'];
      if (range) {
        const spec = typeof range === 'string' ? parseSegmentRange(range) : undefined;
        if (!spec) {
          errors.push(`Index ${i}: invalid range`);
          continue;
        }
        if (spec.count > 1) {
          errors.push(`Index ${i}: multiple ranges (only one allowed)`);
          continue;
        }
        if (size !== undefined && rangeForLength(range as string, size) === undefined) {
          errors.push(`Index ${i}: unsatisfiable range`);
          continue;
        }
        out.range = range as string;
      }
      segments.push(out);
    } else {
      const data = strictB64(seg['data']);
      if (!data) {
        errors.push(`Index ${i}: data must be valid base64`);
        continue;
      }
      if (data.length < 1) {
        errors.push(`Index ${i}: too small; each segment must be at least 1 byte.`);
        continue;
      }
      segments.push({ data: data.toString('base64') });
    }
  }
  if (parsed.length > 0 && segments.length === parsed.length && segments.every((s) => s.data !== undefined)) {
    errors.push('Inline data segments require at least one object-backed segment.');
  }
  if (errors.length > 0) throw new SwiftError('SloBadSegments', { message: errors.map((e) => `${e}\n`).join('') });
  return segments;
}

/** `Sat, 28 Nov 2026 02:43:12 GMT` → `2026-11-28T02:43:12.000000`. */
function isoFromHttpDate(value: string | undefined): string {
  const seconds = value !== undefined ? parseHttpDate(value) : undefined;
  const d = new Date((seconds ?? Date.now() / 1000) * 1000);
  return `${d.toISOString().slice(0, 19)}.000000`;
}

async function readManifestBody(ctx: RequestContext): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  const body = ctx.body();
  // Stop at the limit without destroying the request (the answer still goes out on its socket).
  for await (const chunk of body.iterator({ destroyOnReturn: false })) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    const room = MAX_MANIFEST_SIZE - n;
    chunks.push(room < b.length ? b.subarray(0, room) : b);
    n += Math.min(room, b.length);
    if (n >= MAX_MANIFEST_SIZE) break;
  }
  return Buffer.concat(chunks);
}

function segmentEtagPart(seg: StoredSegment): string {
  if (seg.data !== undefined) return createHash('md5').update(Buffer.from(seg.data, 'base64')).digest('hex');
  if (seg.range) return `${seg.hash ?? ''}:${seg.range};`;
  return seg.hash ?? '';
}

async function handlePut(ctx: RequestContext, next: Handler, below: Handler, version: string, account: string, path: string): Promise<SwiftResponse> {
  if (ctx.headers['x-copy-from']) throw new SwiftError('SloPutCopy');
  const length = ctx.headers['content-length'];
  if (length === undefined) {
    if ((ctx.headers['transfer-encoding'] ?? '').toLowerCase() !== 'chunked') throw new SwiftError('LengthRequired');
  } else if (/^\d+$/.test(length.trim()) && Number(length) > MAX_MANIFEST_SIZE) {
    throw new SwiftError('SloManifestTooLarge', { max: MAX_MANIFEST_SIZE });
  }
  const objectPath = path.slice(`/${version}`.length); // /<account>/<container>/<object>
  const segments = parseManifest(await readManifestBody(ctx), account, objectPath);
  const objectSegments = segments.filter((s) => s.path !== undefined).length;
  if (objectSegments > MAX_MANIFEST_SEGMENTS) throw new SwiftError('SloTooManySegments', { max: MAX_MANIFEST_SEGMENTS });
  const format = bestMatch(ctx.headers['accept']) ?? 'text/plain';

  type Outcome = { kind: 'problems'; problems: [string, string][] } | { kind: 'etag' } | { kind: 'stored'; res: SwiftResponse; etag: string };
  const validateAndStore = async (): Promise<Outcome> => {
    const problems: [string, string][] = [];
    const stored: StoredSegment[] = [];
    let total = 0;
    const heads = new Map<string, SwiftResponse>();
    for (const [i, seg] of segments.entries()) {
      if (seg.data !== undefined) {
        stored.push({ data: seg.data });
        total += Buffer.from(seg.data, 'base64').length;
        continue;
      }
      const name = seg.path ?? '';
      let head = heads.get(name);
      if (!head) {
        head = await below(subrequest(ctx, 'HEAD', `/${version}/${account}/${name.replace(/^\/+/, '')}`));
        discard(head);
        heads.set(name, head);
      }
      const quoted = pyQuote(name);
      if (head.status < 200 || head.status > 299) {
        problems.push([quoted, statusLine(head.status)]);
        continue;
      }
      const contentLength = Number(headerValue(head.headers, 'content-length') ?? '0');
      let segmentLength = contentLength;
      let range = seg.range;
      if (range) {
        const r = rangeForLength(range, contentLength);
        if (!r) problems.push([quoted, 'Unsatisfiable Range']);
        else if (r[0] === 0 && r[1] === contentLength) {
          range = undefined;
        } else {
          range = `${r[0]}-${r[1] - 1}`;
          segmentLength = r[1] - r[0];
        }
      }
      if (segmentLength < 1 && i !== segments.length - 1) problems.push([quoted, 'Too small; each segment must be at least 1 byte.']);
      if (seg.size_bytes !== undefined && seg.size_bytes !== null && seg.size_bytes !== contentLength) problems.push([quoted, 'Size Mismatch']);
      const etag = normalizeEtag(headerValue(head.headers, 'etag'));
      if (seg.etag !== undefined && seg.etag !== null && seg.etag !== etag) problems.push([quoted, 'Etag Mismatch']);
      const data: StoredSegment = {
        name: `/${name.replace(/^\/+/, '')}`,
        bytes: contentLength,
        hash: etag ?? '',
        content_type: (headerValue(head.headers, 'content-type') ?? '').split(';')[0]?.trim() ?? '',
        last_modified: isoFromHttpDate(headerValue(head.headers, 'last-modified')),
      };
      if (range) data.range = range;
      if (isSlo(head.headers)) data.sub_slo = true;
      stored.push(data);
      total += segmentLength;
    }
    if (problems.length > 0) return { kind: 'problems', problems };
    const sloEtagHash = createHash('md5');
    for (const seg of stored) sloEtagHash.update(segmentEtagPart(seg));
    const sloEtag = sloEtagHash.digest('hex');
    const clientEtag = normalizeEtag(ctx.headers['etag']);
    if (clientEtag && clientEtag !== sloEtag) return { kind: 'etag' };

    const json = Buffer.from(pyJson(stored), 'utf8');
    const manifestEtag = createHash('md5').update(json).digest('hex');
    const headers: Record<string, string> = { ...ctx.headers };
    delete headers['transfer-encoding'];
    // Parameters a feature put in the listing override (s3api's `s3_etag`) stay; SLO fills in the value.
    const kept = (headers[OVERRIDE_ETAG] ?? '').split(';').slice(1).map((p) => p.trim()).filter((p) => p !== '' && !p.startsWith('slo_etag='));
    const objectName = parseTarget(path)?.object ?? '';
    const contentType = headers['content-type'] || guessContentType(objectName);
    Object.assign(headers, {
      'content-length': String(json.length),
      'content-type': `${contentType};swift_bytes=${total}`,
      etag: manifestEtag,
      'x-static-large-object': 'True',
      [SYSMETA_ETAG]: sloEtag,
      [SYSMETA_SIZE]: String(total),
      [OVERRIDE_ETAG]: [manifestEtag, ...kept, `slo_etag=${sloEtag}`].join('; '),
    });
    const res = await next({ ...ctx, headers, body: () => Readable.from([json]), bodyTaken: () => true });
    return { kind: 'stored', res, etag: sloEtag };
  };

  if (!TRUE_VALUES.test(ctx.query.get('heartbeat') ?? '')) {
    const outcome = await validateAndStore();
    if (outcome.kind === 'problems') {
      return { status: 400, headers: { 'content-type': format }, body: Readable.from([responseBody(format, {}, outcome.problems, 'upload')]) };
    }
    if (outcome.kind === 'etag') throw new SwiftError('ChecksumMismatch');
    if (outcome.res.status >= 200 && outcome.res.status <= 299) outcome.res.headers['etag'] = `"${outcome.etag}"`;
    return outcome.res;
  }
  // heartbeat=on: 202 at once, whitespace every yield_frequency seconds, then the outcome as a report.
  async function* report(): AsyncGenerator<string> {
    yield ' ';
    const work = validateAndStore();
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<'tick'>((r) => { timer = setTimeout(() => r('tick'), YIELD_FREQUENCY * 1000); });
      const done = await Promise.race([work.then(() => 'done' as const, () => 'done' as const), tick]);
      clearTimeout(timer);
      if (done === 'done') break;
      yield ' ';
    }
    let outcome: Outcome;
    try {
      outcome = await work;
    } catch {
      yield `\r\n\r\n${responseBody(format, { 'Response Status': statusLine(500), 'Response Body': '' }, [], 'upload')}`;
      return;
    }
    const explained = (status: number) => {
      const m = /<h1>(.*)<\/h1><p>(.*)<\/p>/.exec(defaultErrorBody(status));
      return m ? `${m[1] ?? ''}\n${m[2] ?? ''}` : '';
    };
    let result: Record<string, string> = {};
    let problems: [string, string][] = [];
    if (outcome.kind === 'problems') {
      result = { 'Response Status': statusLine(400), 'Response Body': explained(400) };
      problems = outcome.problems;
    } else if (outcome.kind === 'etag') {
      result = { 'Response Status': statusLine(422), 'Response Body': explained(422) };
    } else {
      const { res } = outcome;
      result = { 'Response Status': statusLine(res.status) };
      if (res.status >= 200 && res.status <= 299) {
        result['Etag'] = `"${outcome.etag}"`;
        result['Last Modified'] = String(headerValue(res.headers, 'last-modified') ?? '');
      }
      result['Response Body'] = res.body === undefined ? '' : (await readBody(res)).toString('utf8');
    }
    yield `\r\n\r\n${responseBody(format, result, problems, 'upload')}`;
  }
  return { status: 202, headers: { 'content-type': format }, body: Readable.from(report()) };
}

/** Swift's convert_segment_listing: the stored manifest in the format it was put in. */
function rawManifest(stored: StoredSegment[]): Buffer {
  const out = stored.map((seg) => {
    if (seg.data !== undefined) return { data: seg.data };
    const item: Record<string, unknown> = { etag: seg.hash ?? null, path: seg.name ?? null };
    if (seg.range !== undefined) item['range'] = seg.range;
    item['size_bytes'] = seg.bytes ?? null;
    return item;
  });
  return Buffer.from(pyJson(out), 'utf8');
}

function parseStored(body: Buffer): StoredSegment[] {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    return Array.isArray(parsed) ? (parsed as StoredSegment[]) : [];
  } catch {
    return [];
  }
}

function segmentLength(seg: StoredSegment): number {
  if (seg.data !== undefined) return Buffer.from(seg.data, 'base64').length;
  if (seg.range) {
    const [a = '0', b = '0'] = seg.range.split('-');
    return Number(b) - Number(a) + 1;
  }
  return Number(seg.bytes ?? 0);
}

/** Reads sub-manifests (nested SLOs), remembering the last few. */
class SubManifests {
  private readonly cache = new Map<string, StoredSegment[]>();
  constructor(private readonly ctx: RequestContext, private readonly below: Handler, private readonly version: string, private readonly account: string) {}
  async get(name: string): Promise<StoredSegment[]> {
    const hit = this.cache.get(name);
    if (hit) return hit;
    const path = `/${this.version}/${this.account}/${name.replace(/^\/+/, '')}`;
    const res = await this.below(subrequest(this.ctx, 'GET', path, { 'multipart-manifest': 'get' }, { [RAW]: '1' }));
    if (res.status < 200 || res.status > 299) {
      discard(res);
      throw new SegmentError(`GET of submanifest ${path} failed with status ${res.status}`);
    }
    let segments: StoredSegment[];
    try {
      segments = JSON.parse((await readBody(res, MAX_MANIFEST_SIZE * 2)).toString('utf8')) as StoredSegment[];
    } catch {
      throw new SegmentError(`JSON-decoding of submanifest ${path} failed`);
    }
    if (this.cache.size >= 20) this.cache.delete(this.cache.keys().next().value ?? '');
    this.cache.set(name, segments);
    return segments;
  }
}

/** Swift's _byterange_listing_iterator: the pieces of bytes [first, last] of a manifest, descending into sub-manifests. */
async function* byterangePieces(
  subs: SubManifests, version: string, account: string, segments: StoredSegment[], first: number, last: number, depth: number,
): AsyncGenerator<Piece> {
  for (const seg of segments) {
    const length = segmentLength(seg);
    if (first >= length) {
      first -= length;
      last -= length;
      continue;
    }
    if (last < 0) return;
    if (seg.data !== undefined) {
      const raw = Buffer.from(seg.data, 'base64');
      yield { data: raw.subarray(Math.max(0, first), Math.min(length - 1, last) + 1) };
      first -= length;
      last -= length;
      continue;
    }
    let rangeStart = 0;
    let rangeEnd = length - 1;
    if (seg.range) {
      const [a = '0', b = '0'] = seg.range.split('-');
      rangeStart = Number(a);
      rangeEnd = Number(b);
    }
    if (seg.sub_slo === true || TRUE_VALUES.test(String(seg.sub_slo ?? ''))) {
      if (depth >= MAX_RECURSION_DEPTH) throw new SegmentError('max recursion depth was exceeded');
      const sub = await subs.get(seg.name ?? '');
      yield* byterangePieces(subs, version, account, sub, rangeStart + Math.max(0, first), Math.min(rangeEnd, rangeStart + last), depth + 1);
    } else {
      const piece: Piece = {
        path: `/${version}/${account}/${(seg.name ?? '').replace(/^\/+/, '')}`,
        first: Math.max(0, first) + rangeStart,
        last: Math.min(rangeEnd, rangeStart + last),
      };
      if (seg.hash) piece.etag = seg.hash;
      if (seg.bytes !== undefined) piece.size = Number(seg.bytes);
      yield piece;
    }
    first -= length;
    last -= length;
  }
}

function multipartHead(boundary: string, contentType: string, [a, b]: ByteRange, total: number, first: boolean): string {
  return `${first ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: bytes ${a}-${b - 1}/${total}\r\n\r\n`;
}

async function handleGetOrHead(ctx: RequestContext, next: Handler, below: Handler, version: string, account: string): Promise<SwiftResponse> {
  const manifestGet = ctx.query.get('multipart-manifest') === 'get';
  const first = await next(ctx);
  if (!isSlo(first.headers)) return first;
  if (manifestGet) {
    if (ctx.internal && ctx.headers[RAW]) return first;
    const ct = headerValue(first.headers, 'content-type');
    if (ct !== undefined) first.headers['content-type'] = cleanContentType(ct);
    if (ctx.query.get('format') !== 'raw') {
      first.headers['content-type'] = 'application/json; charset=utf-8';
      return first;
    }
    if (first.status !== 200) return first;
    const raw = rawManifest(parseStored(await readBody(first, MAX_MANIFEST_SIZE * 2)));
    return {
      status: 200,
      headers: { ...first.headers, 'content-length': String(raw.length), etag: createHash('md5').update(raw).digest('hex') },
      body: ctx.method === 'HEAD' ? undefined : raw,
    };
  }

  // The manifest's own answer used the manifest's ETag and any Range: read it again plainly when needed.
  let manifest = first;
  const plain = first.status === 200 && ctx.headers['range'] === undefined && ctx.method === 'GET';
  if (!plain) {
    discard(first);
    const hasTotals = headerValue(first.headers, SYSMETA_ETAG) !== undefined && headerValue(first.headers, SYSMETA_SIZE) !== undefined;
    const method = ctx.method === 'HEAD' && hasTotals ? 'HEAD' : 'GET';
    manifest = await below(subrequest(ctx, method, ctx.path, { 'multipart-manifest': 'get' }, { [RAW]: '1' }));
    if (!isSlo(manifest.headers)) return manifest;
  }
  const mh = manifest.headers;
  let sloEtag = headerValue(mh, SYSMETA_ETAG);
  const sizeHeader = headerValue(mh, SYSMETA_SIZE);
  let total = sizeHeader !== undefined ? Number(sizeHeader) : undefined;
  let segments: StoredSegment[] | undefined;
  if (ctx.method === 'GET' || sloEtag === undefined || total === undefined) {
    segments = parseStored(await readBody(manifest, MAX_MANIFEST_SIZE * 2));
    if (sloEtag === undefined) {
      const h = createHash('md5');
      for (const seg of segments) h.update(segmentEtagPart(seg));
      sloEtag = h.digest('hex');
    }
    if (total === undefined) total = segments.reduce((n, seg) => n + segmentLength(seg), 0);
  } else {
    discard(manifest);
  }

  const headers: HeaderMap = {};
  for (const [k, v] of Object.entries(mh)) {
    if (k === 'etag') headers['x-manifest-etag'] = v;
    else if (k !== 'content-length' && k !== 'content-range') headers[k] = v;
  }
  const ct = headerValue(headers, 'content-type');
  if (ct !== undefined) headers['content-type'] = cleanContentType(ct);
  headers['content-length'] = String(total);
  headers['etag'] = `"${sloEtag}"`;
  const conditional = conditionalResponse(ctx, headers, sloEtag);
  if (conditional) return conditional;
  if (ctx.method === 'HEAD') return { status: 200, headers };

  const ranges = rangesFor(ctx.headers['range'], total);
  if (ranges && ranges.length === 0) {
    return { status: 416, headers: { ...headers, 'content-range': `bytes */${total}`, 'content-length': String(defaultErrorBody(416).length) }, body: defaultErrorBody(416) };
  }
  const subs = new SubManifests(ctx, below, version, account);
  const all = segments ?? [];
  const bodyFor = ([a, b]: ByteRange) => new SegmentedBody(ctx, below, byterangePieces(subs, version, account, all, a, b - 1, 1), b - a);
  if (!ranges) {
    const body = bodyFor([0, total]);
    const failed = await body.validateFirstSegment();
    if (failed) return failed;
    return { status: 200, headers, body: body.stream() };
  }
  if (ranges.length === 1) {
    const r = ranges[0] as ByteRange;
    const body = bodyFor(r);
    const failed = await body.validateFirstSegment();
    if (failed) return failed;
    return {
      status: 206,
      headers: { ...headers, 'content-length': String(r[1] - r[0]), 'content-range': `bytes ${r[0]}-${r[1] - 1}/${total}` },
      body: body.stream(),
    };
  }
  const boundary = createHash('md5').update(`${Date.now()}${Math.random()}`).digest('hex');
  const partType = String(headers['content-type'] ?? '');
  const tail = `\r\n--${boundary}--`;
  const length = ranges.reduce((n, r, i) => n + Buffer.byteLength(multipartHead(boundary, partType, r, total ?? 0, i === 0)) + r[1] - r[0], 0) + tail.length;
  const firstBody = bodyFor(ranges[0] as ByteRange);
  const failed = await firstBody.validateFirstSegment();
  if (failed) return failed;
  const totalLength = total;
  async function* parts(): AsyncGenerator<Buffer | string> {
    for (const [i, r] of ranges!.entries()) {
      yield multipartHead(boundary, partType, r, totalLength, i === 0);
      yield* (i === 0 ? firstBody : bodyFor(r)).bytes();
    }
    yield tail;
  }
  return {
    status: 206,
    headers: { ...headers, 'content-type': `multipart/byteranges;boundary=${boundary}`, 'content-length': String(length) },
    body: Readable.from(parts()),
  };
}

/** Swift's get_slo_segments: a manifest's segments, or the BulkError the delete report shows. */
async function sloSegments(ctx: RequestContext, below: Handler, version: string, account: string, name: string, versionId?: string): Promise<StoredSegment[]> {
  const path = `/${version}/${account}/${name.replace(/^\/+/, '')}`;
  const query: Record<string, string> = { 'multipart-manifest': 'get' };
  if (versionId !== undefined) query['version-id'] = versionId;
  const res = await below(subrequest(ctx, 'GET', path, query, { [RAW]: '1' }));
  if (res.status >= 200 && res.status <= 299) {
    if (isSlo(res.headers)) {
      try {
        return JSON.parse((await readBody(res, MAX_MANIFEST_SIZE * 2)).toString('utf8')) as StoredSegment[];
      } catch {
        throw new BulkError(500, 'Unable to load SLO manifest');
      }
    }
    discard(res);
    throw new BulkError(400, 'Not an SLO manifest');
  }
  discard(res);
  if (res.status === 404) throw new BulkError(404, 'SLO manifest not found');
  if (res.status === 401) throw new BulkError(401, '401 Unauthorized');
  throw new BulkError(500, 'Unable to load SLO manifest or segment.');
}

/** Swift's get_segments_to_delete_iter: segments depth-first, each manifest after its segments. */
async function* segmentsToDelete(ctx: RequestContext, below: Handler, version: string, account: string, container: string, object: string): AsyncGenerator<DeleteItem> {
  // `?version-id` names a version of the manifest itself (object versioning), not of its segments.
  const top: StoredSegment & { error?: { code: number; message: string }; versionId?: string } = { sub_slo: true, name: `/${container}/${object}` };
  const versionId = ctx.query.get('version-id');
  if (versionId !== null) top.versionId = versionId;
  const queue: (StoredSegment & { error?: { code: number; message: string }; versionId?: string })[] = [top];
  while (queue.length > 0) {
    if (queue.length > MAX_MANIFEST_SEGMENTS * 10) throw new BulkError(400, 'Too many buffered slo segments to delete.');
    const seg = queue.shift();
    if (!seg || seg.data !== undefined) continue;
    if (seg.sub_slo) {
      try {
        queue.push(...(await sloSegments(ctx, below, version, account, seg.name ?? '', seg.versionId)));
      } catch (err) {
        if (!(err instanceof BulkError)) throw err;
        seg.error = { code: err.status, message: err.body };
      }
      queue.push({ ...seg, sub_slo: false });
    } else {
      const item: DeleteItem = { name: seg.name ?? '' };
      if (seg.error) item.error = seg.error;
      if (seg.versionId !== undefined) item.versionId = seg.versionId;
      yield item;
    }
  }
}

export function sloMiddleware(below: () => Handler): Middleware {
  return async (ctx, next) => {
    const target = parseTarget(ctx.path);
    if (!target || target.container === undefined || target.object === undefined) return next(ctx);
    const manifestParam = ctx.query.get('multipart-manifest');
    if (ctx.method === 'PUT' && manifestParam === 'put') return handlePut(ctx, next, below(), target.version, target.account, ctx.path);
    if (ctx.method === 'DELETE' && manifestParam === 'delete') {
      const format = bestMatch(ctx.headers['accept']);
      const { container, object } = target;
      // The client's Content-Type does not apply to the deletes (Swift ignores it).
      const dctx = { ...ctx, headers: { ...ctx.headers } };
      delete dctx.headers['content-type'];
      return reportResponse(format, deleteReport(dctx, below(), target.version, target.account,
        () => segmentsToDelete(dctx, below(), target.version, target.account, container, object), format));
    }
    if (ctx.method === 'GET' || ctx.method === 'HEAD') return handleGetOrHead(ctx, next, below(), target.version, target.account);
    // A container-sync push of a manifest (its signature checked, container-sync.ts) stores it as it
    // comes, as Swift's swift.slo_override lets it: its segments may not have arrived yet.
    if (ctx.headers['x-static-large-object'] !== undefined && ctx.syncTimestamp === undefined) throw new SwiftError('SloReservedHeader');
    return next(ctx);
  };
}
