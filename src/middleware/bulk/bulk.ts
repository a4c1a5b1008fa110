/**
 * Bulk delete (here) and bulk upload (extract-archive.ts), as Swift's bulk middleware. Bulk delete:
 * `POST|DELETE ?bulk-delete` with a body of newline-separated, URL-encoded `/container/object` (or
 * `/container`) names deletes objects first, then containers, each through a sub-request authorised
 * again for the caller (docs/auth-rules.md D10). The answer is 200 with a
 * body reporting what happened (text, JSON or XML by Accept); whitespace is sent while it works so
 * that clients do not time out. The same delete loop serves SLO's `?multipart-manifest=delete`.
 */
import { Readable } from 'node:stream';
import type { RequestContext } from '../../http/context.js';
import type { Handler, Middleware } from '../../http/pipeline.js';
import type { SwiftResponse } from '../../http/response.js';
import { defaultErrorBody, statusReason } from '../../http/status.js';
import { parseTarget } from '../../controllers/router.js';
import { pyJson } from '../../swift/pyjson.js';
import { pyQuote } from '../../swift/quote.js';
import { discard, readBody, subrequest } from '../dlo/segments.js';
import { archiveType, extractReport, type ArchiveLimits } from './extract-archive.js';

export const MAX_DELETES_PER_REQUEST = 10000;
export const MAX_FAILED_DELETES = 1000;
export const YIELD_FREQUENCY_SECONDS = 10;
export const BULK_DELETE_INFO = { max_deletes_per_request: MAX_DELETES_PER_REQUEST, max_failed_deletes: MAX_FAILED_DELETES };

/** Longest name a delete line may hold, and longest path an upload report quotes back (Swift: max
 * object name + max container name + 2). */
export const MAX_PATH_LENGTH = 1024 + 256 + 2;

export const ACCEPTABLE_FORMATS = ['text/plain', 'application/json', 'application/xml', 'text/xml'];

/** `"404 Not Found"`, as swob's Response.status. */
export function statusLine(status: number): string {
  return `${status} ${statusReason(status)}`;
}

/**
 * swob's Accept.best_match: no header → the first offer; media ranges by descending q (ties in
 * header order), the first offer each matches; undefined when nothing is acceptable or the header
 * does not parse.
 */
export function bestMatch(accept: string | undefined, offers: readonly string[] = ACCEPTABLE_FORMATS): string | undefined {
  if (accept === undefined) return offers[0];
  const ranges: { type: string; q: number; order: number }[] = [];
  for (const [order, part] of accept.split(',').entries()) {
    const [rawType = '', ...params] = part.split(';');
    const type = rawType.trim().toLowerCase();
    if (!type) continue;
    if (!/^[^/\s]+\/[^/\s]+$/.test(type)) return undefined;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=').map((x) => x.trim());
      if (k === 'q') {
        q = Number(v);
        if (!Number.isFinite(q)) return undefined;
      }
    }
    ranges.push({ type, q, order });
  }
  ranges.sort((a, b) => b.q - a.q || a.order - b.order);
  for (const r of ranges) {
    if (r.q <= 0) continue;
    const [major, minor] = r.type.split('/');
    for (const offer of offers) {
      const [om, on] = offer.split('/');
      if ((major === '*' || major === om) && (minor === '*' || minor === on)) return offer;
    }
  }
  return undefined;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export type ResultDict = Record<string, string | number>;

/** Swift's bulk get_response_body: the report in the negotiated format. */
export function responseBody(format: string | undefined, data: ResultDict, errors: [string, string][], rootTag: string): string {
  if (format === 'application/json') return pyJson({ ...data, Errors: errors });
  if (format?.endsWith('/xml')) {
    let out = `<${rootTag}>\n`;
    for (const key of Object.keys(data).sort()) {
      const tag = key.replace(/ /g, '_').toLowerCase();
      out += `<${tag}>${xmlEscape(String(data[key]))}</${tag}>\n`;
    }
    out += '<errors>\n';
    for (const [name, status] of errors) out += `<object><name>${xmlEscape(name)}</name><status>${xmlEscape(status)}</status></object>\n`;
    return `${out}</errors>\n</${rootTag}>\n`;
  }
  let out = '';
  for (const key of Object.keys(data).sort()) out += `${key}: ${String(data[key])}\n`;
  out += 'Errors:\n';
  for (const [name, status] of errors) out += `${name}, ${status}\n`;
  return out;
}

/** An HTTP error raised inside a bulk operation: reported in the body, not as the response status. */
export class BulkError extends Error {
  constructor(readonly status: number, readonly body: string) { super(body); }
}

/**
 * What a streamed report sends while it works: nothing more often than every
 * YIELD_FREQUENCY_SECONDS, first the XML declaration (XML) or a space, then spaces; once anything
 * was sent, the report that ends the body goes after a blank line (`separator`).
 */
export class Heartbeat {
  private lastYield = Date.now();
  private toYield: string;
  separator = '';

  constructor(format: string | undefined) {
    this.toYield = format?.endsWith('/xml') ? '<?xml version="1.0" encoding="UTF-8"?>\n' : ' ';
  }

  /** What to send now to keep the client waiting, or undefined when it is not time yet. */
  beat(): string | undefined {
    if (this.lastYield + YIELD_FREQUENCY_SECONDS * 1000 >= Date.now()) return undefined;
    this.lastYield = Date.now();
    const out = this.toYield;
    this.toYield = ' ';
    this.separator = '\r\n\r\n';
    return out;
  }
}

/** Swift's bulk requests need a body of known length or a chunked one: 411 otherwise. */
export function requireBodyLength(ctx: RequestContext): void {
  const te = ctx.headers['transfer-encoding'];
  if (ctx.headers['content-length'] === undefined && te?.toLowerCase() !== 'chunked') throw new BulkError(411, defaultErrorBody(411));
}

/** One name to delete; `error` when looking it up already failed (SLO sub-manifests). */
export interface DeleteItem {
  name: string;
  error?: { code: number; message: string };
  /** One version of the object (object versioning's `?version-id`), as SLO deletes a manifest version. */
  versionId?: string;
}

/**
 * Swift's handle_delete_iter as a stream: deletes `items` (objects, then containers when `items` is a
 * list) and yields whitespace while working, then the report. Never throws: failures are in the body.
 */
export async function* deleteReport(
  ctx: RequestContext, below: Handler, version: string, account: string,
  items: () => AsyncIterable<DeleteItem> | Promise<DeleteItem[]>, format: string | undefined,
): AsyncGenerator<string> {
  const heartbeat = new Heartbeat(format);
  const failed: [string, string][] = [];
  const result: ResultDict = { 'Response Status': statusLine(200), 'Response Body': '', 'Number Deleted': 0, 'Number Not Found': 0 };
  let failedStatus = 400;
  try {
    if (!format) throw new BulkError(406, defaultErrorBody(406));
    const incoming = ctx.headers['content-type'];
    if (incoming && !incoming.startsWith('text/plain')) throw new BulkError(406, defaultErrorBody(406));
    const source = await items();
    const passes: ((name: string) => boolean)[] = [(n) => trimSlashes(n).includes('/')];
    // A list can be walked twice: containers go after the objects in them.
    if (Array.isArray(source)) passes.push((n) => !trimSlashes(n).includes('/'));
    for (const predicate of passes) {
      for await (const item of source) {
        if (!item.name || !predicate(item.name)) continue;
        if (item.error) {
          if (item.error.code === 404) result['Number Not Found'] = Number(result['Number Not Found']) + 1;
          else failed.push([pyQuote(item.name), item.error.message]);
        } else {
          const path = `/${version}/${account}/${item.name.replace(/^\/+/, '')}`;
          const res = await below(subrequest(ctx, 'DELETE', path, item.versionId !== undefined ? { 'version-id': item.versionId } : {}));
          discard(res);
          if (res.status >= 200 && res.status <= 299) result['Number Deleted'] = Number(result['Number Deleted']) + 1;
          else if (res.status === 404) result['Number Not Found'] = Number(result['Number Not Found']) + 1;
          else {
            if (res.status >= 500) failedStatus = 502;
            failed.push([pyQuote(item.name), statusLine(res.status)]);
          }
        }
        const beat = heartbeat.beat();
        if (beat !== undefined) yield beat;
        if (failed.length >= MAX_FAILED_DELETES) throw new BulkError(400, 'Max delete failures exceeded');
      }
    }
    if (failed.length > 0) result['Response Status'] = statusLine(failedStatus);
    else if (!result['Number Deleted'] && !result['Number Not Found']) {
      result['Response Status'] = statusLine(400);
      result['Response Body'] = 'Invalid bulk delete.';
    }
  } catch (err) {
    if (err instanceof BulkError) {
      result['Response Status'] = statusLine(err.status);
      result['Response Body'] = err.body;
    } else {
      console.error(`${ctx.transId}: error in bulk delete`, err);
      result['Response Status'] = statusLine(500);
    }
  }
  yield heartbeat.separator + responseBody(format, result, failed, 'delete');
}

function trimSlashes(name: string): string {
  return name.replace(/^\/+|\/+$/g, '');
}

/** Swift's get_objs_to_delete: newline-separated, URL-encoded names from the request body. */
async function namesFromBody(ctx: RequestContext): Promise<DeleteItem[]> {
  requireBodyLength(ctx);
  const body = await readBody({ status: 200, headers: {}, body: ctx.body() }, (MAX_DELETES_PER_REQUEST + 1) * (MAX_PATH_LENGTH + 2));
  const items: DeleteItem[] = [];
  for (const line of body.toString('latin1').split('\n')) {
    if (line.length > MAX_PATH_LENGTH * 2) throw new BulkError(400, 'Invalid File Name');
    const raw = line.trim();
    if (!raw) continue;
    let name: string;
    try {
      name = Buffer.from(unescape(raw), 'latin1').toString('utf8');
    } catch {
      name = raw;
    }
    items.push({ name });
    if (items.length > MAX_DELETES_PER_REQUEST) throw new BulkError(413, `Maximum Bulk Deletes: ${MAX_DELETES_PER_REQUEST} per request`);
  }
  return items;
}

/**
 * A streamed report: 200 with the negotiated Content-Type (none when nothing is acceptable).
 *
 * The headers wait for the report's first chunk (a heartbeat, or the whole report when it is quick),
 * as in Swift, whose answer is a generator that sends the headers with its first chunk. By then the
 * report has started reading the request body if it is going to, so the connection is kept open;
 * a report that refuses without reading the body (406, 411, 404) still closes it.
 */
export async function reportResponse(format: string | undefined, chunks: AsyncGenerator<string>): Promise<SwiftResponse> {
  const first = await chunks.next();
  async function* whole(): AsyncGenerator<string> {
    if (!first.done) yield first.value;
    yield* chunks;
  }
  return {
    status: 200,
    headers: { 'content-type': format ?? 'text/html; charset=UTF-8' },
    body: Readable.from(whole()),
  };
}

/** `extractBelow`: the handler for an archive's files, when it differs (the access log marks them apart from bulk deletes, as Swift). */
export function bulkMiddleware(below: () => Handler, limits: () => ArchiveLimits, extractBelow: () => Handler = below): Middleware {
  return async (ctx, next) => {
    const extract = ctx.query.get('extract-archive');
    if (extract !== null && ctx.method === 'PUT') {
      const type = archiveType(extract);
      if (!type) return { status: 400, headers: { 'content-type': 'text/html; charset=UTF-8' }, body: 'Unsupported archive format' };
      const format = bestMatch(ctx.headers['accept']);
      return reportResponse(format, extractReport(ctx, extractBelow(), parseTarget(ctx.path), type, format, limits()));
    }
    if (!ctx.query.has('bulk-delete') || (ctx.method !== 'POST' && ctx.method !== 'DELETE')) return next(ctx);
    const format = bestMatch(ctx.headers['accept']);
    const target = parseTarget(ctx.path);
    if (!target) {
      return reportResponse(format, deleteReport(ctx, below(), '', '', () => { throw new BulkError(404, defaultErrorBody(404)); }, format));
    }
    return reportResponse(format, deleteReport(ctx, below(), target.version, target.account, () => namesFromBody(ctx), format));
  };
}
