/**
 * Form POST (Swift's formpost middleware): a browser uploads files straight into a container with
 * an HTML form signed by one of the Temp-URL keys, without a token.
 *
 * A `multipart/form-data` POST to `/v1/<account>/<container>[/<prefix>]` carries the fields
 * `redirect`, `max_file_size`, `max_file_count`, `expires` and `signature` (an HMAC of
 * `<path>\n<redirect>\n<max_file_size>\n<max_file_count>\n<expires>`, as a temporary URL's, in hex or
 * `<digest>:<base64>`), optionally `x_delete_at`, `x_delete_after`, `content-type` and
 * `content-encoding`, then file fields. Each file becomes a PUT of `<path>[/]<filename>`, streamed
 * from the form as it arrives, refused past `max_file_size` (nothing is stored then). Fields after
 * the files do not count, as in Swift: the form is never held in memory.
 *
 * The answer is the last PUT's status as text, or with `redirect` a 303 to
 * `<redirect>?status=<code>&message=<why>`. Bad forms are 400s and bad signatures or expired forms
 * 401s, worded as Swift words them.
 *
 * Authorisation: a valid signature is the credential (tokens are ignored); each PUT runs granted the
 * form's container only (`grantScope`), whichever key signed it.
 */
import { createHmac } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import type { RequestContext } from '../../http/context.js';
import { responseOf, type Handler, type Middleware } from '../../http/pipeline.js';
import type { SwiftResponse } from '../../http/response.js';
import { statusReason } from '../../http/status.js';
import type { MetadataStore } from '../../storage/contracts.js';
import { parseTarget, withContainerCors } from '../../controllers/router.js';
import { memoContainer, prefetchPathOnce } from '../../storage/request-memo.js';
import { pyQuote } from '../../swift/quote.js';
import { discard, encodePath } from '../dlo/segments.js';
import { ALLOWED_DIGESTS, DEPRECATED_DIGESTS, parseSignature, pythonInt, sameSignature } from '../tempurl/signature.js';
import { tempUrlKeys, type SignedKey } from '../tempurl/tempurl.js';
import { multipartParts, MultipartInvalid, MultipartMalformed, parseHeaderParams } from './multipart.js';

export const FORMPOST_INFO = { allowed_digests: [...ALLOWED_DIGESTS], deprecated_digests: [...DEPRECATED_DIGESTS] };

/** Longest field value kept (Swift's MAX_VALUE_LENGTH); the rest of a longer one is dropped. */
const MAX_VALUE_LENGTH = 4096;

/** A form Swift would answer with 400 `FormPost: <message>`. */
class FormInvalid extends Error {}
/** A form Swift would answer with 401 `FormPost: <Message In Title Case>`. */
class FormUnauthorized extends Error {}

/** Python's int() of a form field, or a 400 saying `error`. */
function pyInt(value: string, error: string): number {
  const n = pythonInt(value);
  if (n === undefined) throw new FormInvalid(error);
  return n;
}

/** Python's str.title(), for the messages Swift title-cases. */
function title(text: string): string {
  return text.toLowerCase().replace(/(^|[^a-z])([a-z])/g, (_m, before: string, c: string) => before + c.toUpperCase());
}

function textAnswer(status: number, body: string): SwiftResponse {
  return { status, headers: { 'content-type': 'text/plain' }, body };
}

/** `below` is the pipeline under authentication: each file's PUT enters it as a sub-request. */
export function formPost(meta: MetadataStore, below: () => Handler): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST') return next(ctx);
    const { type, params } = parseHeaderParams(ctx.headers['content-type'] ?? '');
    const boundary = params['boundary'];
    if (type !== 'multipart/form-data' || !boundary) return next(ctx);
    // The container the form writes into: `/v1/<account>/<container>[/<prefix>]` (or `/v1.0/…`:
    // Swift's formpost takes any valid API version, and the form is signed over the path as posted).
    const parsed = parseTarget(ctx.path);
    const target = parsed?.container !== undefined ? { account: parsed.account, container: parsed.container } : undefined;
    try {
      const res = await translate(ctx, meta, below(), boundary, target);
      // A form posted by a script of another site: the container's CORS settings say what it may read.
      const origin = ctx.headers['origin'];
      if (!origin || !target) return res;
      return withContainerCors(res, origin, (await memoContainer(ctx, meta, target.account, target.container))?.metadata);
    } catch (err) {
      if (err instanceof MultipartInvalid) return textAnswer(400, 'FormPost: invalid starting boundary');
      if (err instanceof FormInvalid || err instanceof MultipartMalformed) return textAnswer(400, `FormPost: ${err.message}`);
      if (err instanceof FormUnauthorized) {
        return { status: 401, headers: { 'content-type': 'text/html; charset=UTF-8' }, body: `FormPost: ${title(err.message)}` };
      }
      throw err;
    }
  };
}

interface FormTarget { account: string; container: string }

async function translate(
  ctx: RequestContext, meta: MetadataStore, below: Handler, boundary: string, target: FormTarget | undefined,
): Promise<SwiftResponse> {
  let keys: SignedKey[] = [];
  if (target) {
    await prefetchPathOnce(ctx, meta, target.account, target.container);
    keys = await tempUrlKeys(ctx, meta, target.account, target.container);
  }
  const attributes: Record<string, string> = {};
  let status = '';
  let message = '';
  let last: SwiftResponse | undefined;
  let fileCount = 0;
  for await (const part of multipartParts(ctx.body(), boundary)) {
    const disposition = parseHeaderParams(part.headers['content-disposition'] ?? '');
    if (disposition.type === 'form-data' && disposition.params['filename']) {
      fileCount += 1;
      if (fileCount > pyInt(attributes['max_file_count'] || '0', 'max_file_count not an integer')) {
        status = '400 Bad Request';
        message = 'max file count exceeded';
        break;
      }
      const fileAttributes: Record<string, string> = { ...attributes, filename: disposition.params['filename'] };
      if (!('content-type' in attributes) && part.headers['content-type'] !== undefined) {
        fileAttributes['content-type'] = part.headers['content-type'] || 'application/octet-stream';
      }
      if (!('content-encoding' in attributes) && part.headers['content-encoding'] !== undefined) {
        fileAttributes['content-encoding'] = part.headers['content-encoding'];
      }
      if (last) discard(last);
      last = await upload(ctx, below, fileAttributes, part.body, keys, target);
      status = `${last.status} ${statusReason(last.status)}`;
      if (last.status < 200 || last.status > 299) break;
    } else {
      const value = await fieldValue(part.body);
      const name = disposition.params['name'];
      if (name !== undefined) attributes[name.toLowerCase()] = value.replace(/[\r\n-]+$/, '');
    }
  }
  if (last) discard(last);
  if (!status) {
    status = '400 Bad Request';
    message = 'no files to process';
  }
  const code = Number(status.split(' ', 1)[0]);
  const redirect = attributes['redirect'];
  if (!redirect) return textAnswer(code, message ? `${status}\r\nFormPost: ${title(message)}` : status);
  const location = `${redirect}${redirect.includes('?') ? '&' : '?'}status=${pyQuote(String(code))}&message=${pyQuote(message)}`;
  return {
    status: 303,
    // No Content-Type, as Swift's 303 has none.
    headers: { location },
    body: `<html><body><p><a href="${location}">Click to continue...</a></p></body></html>`,
  };
}

/** A non-file field: its first MAX_VALUE_LENGTH bytes; the rest is read and dropped. */
async function fieldValue(body: Readable): Promise<string> {
  const kept: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    const b = chunk as Buffer;
    if (length < MAX_VALUE_LENGTH) kept.push(b.subarray(0, MAX_VALUE_LENGTH - length));
    length += b.length;
  }
  return Buffer.concat(kept).toString('utf8');
}

/** Passes a file's bytes on and fails the upload once more than `max` have come. */
class Capped extends Transform {
  exceeded = false;
  private seen = 0;

  constructor(private readonly max: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.max) {
      this.exceeded = true;
      done(new Error('max_file_size exceeded'));
      return;
    }
    done(null, chunk);
  }
}

/** Checks the form as Swift does before each file (order included), then PUTs the file. */
async function upload(
  ctx: RequestContext, below: Handler, attributes: Record<string, string>, file: Readable, keys: SignedKey[],
  target: FormTarget | undefined,
): Promise<SwiftResponse> {
  if (keys.length === 0 || !target) throw new FormUnauthorized('invalid signature');
  const maxFileSize = pyInt(attributes['max_file_size'] || '0', 'max_file_size not an integer');
  const headers: Record<string, string> = { 'transfer-encoding': 'chunked' };
  if ('x_delete_at' in attributes) {
    headers['x-delete-at'] = String(pyInt(attributes['x_delete_at'] ?? '', 'x_delete_at not an integer: Unix timestamp required.'));
  }
  if ('x_delete_after' in attributes) {
    headers['x-delete-after'] = String(pyInt(attributes['x_delete_after'] ?? '', 'x_delete_after not an integer: Number of seconds required.'));
  }
  if ('content-type' in attributes) headers['content-type'] = attributes['content-type'] || 'application/octet-stream';
  if ('content-encoding' in attributes) headers['content-encoding'] = attributes['content-encoding'] ?? '';
  if (pyInt(attributes['expires'] || '0', 'expired not an integer') < Date.now() / 1000) throw new FormUnauthorized('form expired');
  const signed = [ctx.path, attributes['redirect'] || '', attributes['max_file_size'] || '0', attributes['max_file_count'] || '0',
    attributes['expires'] || '0'].join('\n');
  const signature = parseSignature(attributes['signature'] ?? '');
  if (!signature) throw new FormUnauthorized('invalid signature');
  const valid = keys.some(({ key }) =>
    sameSignature(signature.hex, createHmac(signature.digest, Buffer.from(key, 'utf8')).update(Buffer.from(signed, 'utf8')).digest('hex')));
  if (!valid) throw new FormUnauthorized('invalid signature');

  let path = ctx.path;
  if (!path.endsWith('/') && path.split('/').length - 1 < 4) path += '/';
  path += attributes['filename'] || 'filename';
  const capped = new Capped(maxFileSize);
  // The upload reads `capped` and sees its failure; this listener only keeps a failure that comes
  // before the upload starts reading from being an unhandled 'error' that ends the process.
  capped.on('error', () => undefined);
  let broken: MultipartMalformed | undefined;
  file.on('error', (err) => {
    if (err instanceof MultipartMalformed) broken = err;
    capped.destroy(err);
  });
  file.pipe(capped);
  const res = await responseOf(below, {
    ...ctx, method: 'PUT', path, rawPath: encodePath(path), query: new URLSearchParams(), headers, internal: true,
    grantScope: target, memo: new Map(), body: () => capped, bodyTaken: () => true,
  });
  if (capped.exceeded || broken) {
    discard(res);
    // The upload failed on its body, so nothing was stored: the form is what was wrong.
    throw broken ?? new FormInvalid('max_file_size exceeded');
  }
  return res;
}
