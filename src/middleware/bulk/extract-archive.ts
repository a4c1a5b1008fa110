/**
 * Bulk upload, Swift's `PUT …?extract-archive=tar|tar.gz|tar.bz2`: every regular file in the
 * archive becomes an object, streamed from the archive into its own PUT sub-request (nothing is held
 * in memory but the entry being copied). The path in the URL is the base: on an account the first
 * component of each file's path is its container (created when missing), on a container or a
 * pseudo-folder the file's path goes below it. Files at the account's top level are skipped, as in
 * Swift. The answer is a 200 whose body is the report (Number Files Created, Response Status, Errors),
 * in the format the Accept header picks, with whitespace sent while the work goes on.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import unbzip2 from 'unbzip2-stream';
import type { Target } from '../../controllers/services.js';
import type { RequestContext } from '../../http/context.js';
import type { Handler } from '../../http/pipeline.js';
import { defaultErrorBody } from '../../http/status.js';
import { discard, subrequest } from '../dlo/segments.js';
import { pyQuote } from '../../swift/quote.js';
import {
  BulkError, Heartbeat, MAX_PATH_LENGTH, requireBodyLength, responseBody, statusLine, type ResultDict,
} from './bulk.js';

export const MAX_CONTAINERS_PER_EXTRACTION = 10000;
export const MAX_FAILED_EXTRACTIONS = 1000;
export const BULK_UPLOAD_INFO = {
  max_containers_per_extraction: MAX_CONTAINERS_PER_EXTRACTION, max_failed_extractions: MAX_FAILED_EXTRACTIONS,
};

export type ArchiveType = 'tar' | 'tar.gz' | 'tar.bz2';

/** Operator limits on what one archive may expand into (`[swift]` max_files_per_archive, max_archive_expanded_bytes). */
export interface ArchiveLimits {
  max_files_per_archive: number;
  max_archive_expanded_bytes: number;
}

/** The archive type a query value names (Swift strips dots and ignores case), or undefined. */
export function archiveType(value: string): ArchiveType | undefined {
  const t = value.toLowerCase().replace(/^\.+|\.+$/g, '');
  return t === 'tar' || t === 'tar.gz' || t === 'tar.bz2' ? t : undefined;
}

function decompressed(body: Readable, type: ArchiveType): Readable {
  if (type === 'tar.gz') return body.pipe(createGunzip());
  if (type === 'tar.bz2') return body.pipe(unbzip2());
  return body;
}

/** What Python says of a damaged archive, as Swift reports it ("not a gzip file", "invalid header"). */
function pythonWording(type: ArchiveType | 'tar-header', message: string): string {
  if (type === 'tar.gz' && /incorrect header check/.test(message)) return 'not a gzip file';
  if (type === 'tar.bz2') return 'invalid compressed data';
  if (type === 'tar-header' && /invalid tar header/i.test(message)) return 'invalid header';
  if (/unexpected end/i.test(message)) return 'unexpected end of data';
  return message;
}

/** pax records that carry a Content-Type or user metadata (GNU tar and bsdtar write xattrs so). */
function paxHeaders(pax: Record<string, string> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(pax ?? {})) {
    const m = /^(?:SCHILY|LIBARCHIVE)\.xattr\.user\.(.*)$/.exec(key);
    if (!m?.[1]) continue;
    if (m[1] === 'mime_type') out['content-type'] = value;
    else if (m[1].startsWith('meta.') && m[1].length > 5) out[`x-object-meta-${m[1].slice(5).toLowerCase()}`] = value;
  }
  return out;
}

/** The caller's headers a created object inherits: expiry and user metadata. */
function inheritedHeaders(ctx: RequestContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.headers)) {
    if (k === 'x-delete-at' || k === 'x-delete-after' || (k.startsWith('x-object-meta-') && k.length > 14)) out[k] = v;
  }
  return out;
}

const quoted = (path: string) => pyQuote(path.slice(0, MAX_PATH_LENGTH));

/**
 * Swift's handle_extract_iter as a stream: yields whitespace while working, then the report. Never
 * throws: failures are in the body. `target` is the request's path (undefined when it names no
 * account: a 404 in the report).
 */
export async function* extractReport(
  ctx: RequestContext, below: Handler, target: Target | undefined, type: ArchiveType, format: string | undefined, limits: ArchiveLimits,
): AsyncGenerator<string> {
  let files = 0;
  let expandedBytes = 0;
  const heartbeat = new Heartbeat(format);
  const failed: [string, string][] = [];
  const result: ResultDict = { 'Response Status': statusLine(201), 'Response Body': '', 'Number Files Created': 0 };
  let failedStatus = 400;
  const existing = new Set<string>();
  let extract: ReturnType<typeof tar.extract> | undefined;
  try {
    if (!format) throw new BulkError(406, defaultErrorBody(406));
    requireBodyLength(ctx);
    if (!target) throw new BulkError(404, defaultErrorBody(404));
    const { version, account } = target;
    // The base every archive path goes below: the container and pseudo-folder of the URL, if any.
    const base = [target.container, target.object].filter((p) => p !== undefined).join('/').replace(/\/+$/, '');
    extract = tar.extract();
    const source = decompressed(ctx.body(), type);
    source.on('error', (err: unknown) => extract?.destroy(new ArchiveError(pythonWording(type, messageOf(err)))));
    source.pipe(extract);
    const entries = extract[Symbol.asyncIterator]();
    for (;;) {
      let step: Awaited<ReturnType<typeof entries.next>>;
      try {
        step = await entries.next();
      } catch (err) {
        // Whatever fails in reading the archive (damaged tar, gzip or bzip2 data, a body cut short).
        throw err instanceof ArchiveError ? err : new ArchiveError(pythonWording('tar-header', messageOf(err)));
      }
      if (step.done) break;
      const entry = step.value;
      const header = entry.header;
      try {
        if (header.type !== 'file' && header.type !== 'contiguous-file') continue;
        let objPath = header.name;
        if (objPath.startsWith('./')) objPath = objPath.slice(2);
        objPath = objPath.replace(/^\/+/, '');
        if (base) objPath = `${base}/${objPath}`;
        if (!objPath.includes('/')) continue; // a file at the account's top level has no container
        files++;
        expandedBytes += header.size ?? 0;
        if (files > limits.max_files_per_archive) {
          throw new BulkError(400, `More than ${limits.max_files_per_archive} files in the archive.`);
        }
        if (expandedBytes > limits.max_archive_expanded_bytes) {
          throw new BulkError(400, `More than ${limits.max_archive_expanded_bytes} bytes in the files of the archive.`);
        }
        const container = objPath.slice(0, objPath.indexOf('/'));
        let containerFailure: [string, string] | undefined;
        if (!existing.has(container)) {
          const made = await below(subrequest(ctx, 'PUT', `/${version}/${account}/${container}`));
          discard(made);
          if (made.status === 401) throw new BulkError(401, '');
          if (made.status >= 200 && made.status <= 299) existing.add(container);
          // The object PUT may still succeed (a write ACL on an existing container).
          else containerFailure = [quoted(container), statusLine(made.status)];
          if (existing.size > MAX_CONTAINERS_PER_EXTRACTION) {
            throw new BulkError(400, `More than ${MAX_CONTAINERS_PER_EXTRACTION} containers to create from tar.`);
          }
        }
        const headers = { ...inheritedHeaders(ctx), ...paxHeaders(header.pax as Record<string, string> | undefined), 'content-length': String(header.size ?? 0) };
        // tar-stream's entries are streamx streams; the object controller reads a Node one.
        const cut = { happened: false };
        const body = Readable.from(untilCut(entry, cut));
        const put = { ...subrequest(ctx, 'PUT', `/${version}/${account}/${objPath}`, {}, headers), body: () => body, bodyTaken: () => true };
        const res = await below(put);
        discard(res);
        if (cut.happened) {
          // The archive ends inside this file (a truncated tar): the file is the client's error, as
          // in Swift, and nothing after it can be read.
          failed.push([quoted(objPath), statusLine(400)]);
          throw new ArchiveError('unexpected end of data');
        }
        if (res.status >= 200 && res.status <= 299) {
          result['Number Files Created'] = Number(result['Number Files Created']) + 1;
        } else {
          if (containerFailure) failed.push(containerFailure);
          if (res.status === 401) {
            failed.push([quoted(objPath), statusLine(401)]);
            throw new BulkError(401, '');
          }
          if (res.status >= 500) failedStatus = 502;
          failed.push([quoted(objPath), statusLine(res.status)]);
        }
        if (failed.length >= MAX_FAILED_EXTRACTIONS) throw new BulkError(400, `More than ${MAX_FAILED_EXTRACTIONS} failures`);
      } finally {
        entry.resume(); // whatever the PUT left unread, so the archive moves on to the next entry
      }
      const beat = heartbeat.beat();
      if (beat !== undefined) yield beat;
    }
    if (failed.length > 0) result['Response Status'] = statusLine(failedStatus);
    else if (!result['Number Files Created']) throw new BulkError(400, 'Invalid Tar File: No Valid Files');
  } catch (err) {
    if (err instanceof BulkError) {
      result['Response Status'] = statusLine(err.status);
      result['Response Body'] = err.body;
    } else if (err instanceof ArchiveError) {
      result['Response Status'] = statusLine(400);
      result['Response Body'] = `Invalid Tar File: ${err.message}`;
    } else {
      console.error(`${ctx.transId}: error in bulk upload`, err);
      result['Response Status'] = statusLine(500);
    }
  } finally {
    extract?.destroy();
  }
  yield heartbeat.separator + responseBody(format, result, failed, 'extract');
}

/**
 * An entry's bytes, ending early instead of failing when the archive is cut inside it: the PUT then
 * sees a body shorter than its Content-Length (a client error, stored nothing) rather than an
 * unexpected exception (a 500 and a stack trace).
 */
async function* untilCut(entry: AsyncIterable<unknown>, cut: { happened: boolean }): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of entry) yield chunk as Buffer;
  } catch {
    cut.happened = true;
  }
}

/** The archive could not be read: a 400 in the report, as Swift's TarError and zlib.error. */
class ArchiveError extends Error {}

/** unbzip2-stream fails with plain objects that only have a `message`. */
function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}
