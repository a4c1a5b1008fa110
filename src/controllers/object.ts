/** `/v1/<account>/<container>/<object>`: PUT, GET, HEAD, POST, DELETE. (COPY lives in middleware/copy.) */
import { createHash, randomBytes } from 'node:crypto';
import { finished, Readable } from 'node:stream';
import { SwiftError } from '../http/errors.js';
import { checkContainerQuota } from '../middleware/quotas/container-quotas.js';
import { checkAccountQuota } from '../middleware/quotas/account-quotas.js';
import { defaultErrorBody } from '../http/status.js';
import type { HeaderMap, SwiftResponse } from '../http/response.js';
import type { RequestContext } from '../http/context.js';
import {
  BlobIncompleteError, BlobTooLargeError, blobOf, type BlobReader, type ObjectRecord, type PutObjectOutcome, type StoredBlob,
} from '../storage/contracts.js';
import { inlineReader } from '../storage/inline-reader.js';
import { integrityCounters } from '../storage/integrity/counters.js';
import { DamagedObjectError, inlineIntact, md5Etag } from '../storage/integrity/md5-check.js';
import { quarantineObject, type Damage } from '../storage/integrity/quarantine.js';
import { verifiedBody } from '../storage/integrity/verified-read.js';
import { evaluateConditions } from '../swift/conditional.js';
import { guessContentType } from '../swift/content-type.js';
import { checkRequestMetadata, headerToText, metadataKeptOnPost, objectMetadata, textToHeader } from '../swift/headers.js';
import { rangesFor, type ByteRange } from '../swift/ranges.js';
import { formatTimestamp, httpDate, newTimestamp } from '../swift/timestamp.js';
import type { Access, Services, Target } from './services.js';
import { memoAccount, memoContainer, memoObject } from '../storage/request-memo.js';

const HTML = 'text/html; charset=UTF-8';

const MAX_DELETE_AT = 9_999_999_999;

/** Python's int() of a header: optional sign, digits, surrounding blanks; undefined otherwise. */
function pyInt(value: string): bigint | undefined {
  const m = /^\s*([+-]?)(\d+)\s*$/.exec(value);
  if (!m) return undefined;
  const n = BigInt(m[2] ?? '0');
  return m[1] === '-' ? -n : n;
}

/** Swift's normalize_delete_at_timestamp: clamped to [0, 9999999999] whole seconds. */
function clampDeleteAt(n: bigint): number {
  if (n < 0n) return 0;
  if (n > BigInt(MAX_DELETE_AT)) return MAX_DELETE_AT;
  return Number(n);
}

/**
 * X-Delete-At / X-Delete-After → absolute delete time, validated as Swift's check_delete_headers:
 * integers only, clamped to 9999999999, and not in the past.
 */
function deleteAtFrom(headers: Record<string, string>, now: number): number | undefined {
  const after = headers['x-delete-after'];
  if (after !== undefined) {
    const n = pyInt(after);
    if (n === undefined) throw new SwiftError('DeleteAfterInvalid');
    const at = clampDeleteAt(BigInt(Math.floor(now)) + n);
    if (at <= now) throw new SwiftError('DeleteAfterNegative');
    return at;
  }
  const at = headers['x-delete-at'];
  if (at !== undefined) {
    const n = pyInt(at);
    if (n === undefined) throw new SwiftError('DeleteAtInvalid');
    const clamped = clampDeleteAt(n);
    if (clamped <= now) throw new SwiftError('DeleteAtInPast');
    return clamped;
  }
  return undefined;
}

/** Swift's X-Delete-At header value: ten digits. */
function formatDeleteAt(at: number): string {
  return String(at).padStart(10, '0');
}

function isLive(rec: ObjectRecord | undefined, now: number): rec is ObjectRecord {
  return rec !== undefined && (rec.deleteAt === undefined || rec.deleteAt > now);
}

export function objectHeaders(rec: ObjectRecord): Record<string, string> {
  const h: Record<string, string> = {
    'content-type': textToHeader(rec.contentType),
    ...rec.metadata,
    etag: rec.etag,
    'last-modified': httpDate(rec.timestamp),
    'x-timestamp': formatTimestamp(rec.timestamp),
    'accept-ranges': 'bytes',
  };
  if (rec.deleteAt !== undefined) h['x-delete-at'] = formatDeleteAt(rec.deleteAt);
  return h;
}

function parseContentLength(headers: Record<string, string>): number | undefined {
  const raw = headers['content-length'];
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim())) throw new SwiftError('BadContentLength');
  return Number(raw);
}

/** A received object body: in a blob (blobId), or inline bytes to commit with the record (blobId ''). */
type ReceivedBody = StoredBlob & { inline?: Buffer };

/**
 * Reads a small body whose length was announced into memory, for the metadata store to keep inline;
 * fails as a blob write does when the body ends early.
 */
async function receiveInline(body: Readable, length: number): Promise<ReceivedBody> {
  const md5 = createHash('md5');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > length) throw new BlobIncompleteError(size, length);
    md5.update(buf);
    chunks.push(buf);
  }
  if (size !== length) throw new BlobIncompleteError(size, length);
  return { blobId: '', size, md5: md5.digest('hex'), inline: Buffer.concat(chunks, size) };
}

/** Forgets a received body that will not be committed. */
async function discard(s: Services, received: ReceivedBody): Promise<void> {
  if (received.inline === undefined) await s.blobs.delete(received.blobId);
}

async function putObject(ctx: RequestContext, target: Target, s: Services): Promise<SwiftResponse> {
  const cfg = s.config.swift;
  const { account } = target;
  const container = target.container ?? '';
  const name = target.object ?? '';
  const length = parseContentLength(ctx.headers);
  const te = ctx.headers['transfer-encoding'];
  if (te !== undefined && te.split(',').length > 1) throw new SwiftError('UnsupportedTransferCoding');
  const chunked = te !== undefined && te.trim().toLowerCase() === 'chunked';
  if (length !== undefined && length > cfg.max_file_size) throw new SwiftError('ObjectTooLarge');
  if (length === undefined && !chunked) throw new SwiftError('LengthRequired');
  const nameLength = Buffer.byteLength(name, 'utf8');
  if (nameLength > cfg.max_object_name_length) {
    throw new SwiftError('ObjectNameTooLong', { length: nameLength, max: cfg.max_object_name_length });
  }
  checkRequestMetadata(ctx.headers, 'object', cfg);
  const now = Date.now() / 1000;
  const deleteAt = deleteAtFrom(ctx.headers, now);
  const ifNoneMatch = ctx.headers['if-none-match'];
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') {
    throw new SwiftError('BadRequestMessage', { message: 'If-None-Match only supports *' });
  }
  const containerInfo = await memoContainer(ctx, s.meta, account, container);
  if (!containerInfo) throw new SwiftError('NotFound');
  if (ctx.syncTimestamp !== undefined) {
    // A synced write older than a deletion the container remembers: refused as Swift's tombstone
    // refuses it (202, as a write that lost to a newer one), so it cannot bring the object back.
    const deleted = await s.meta.lastDeletion(account, container, name);
    if (deleted !== undefined && deleted >= ctx.syncTimestamp) return { status: 202, headers: { 'content-type': HTML }, body: defaultErrorBody(202) };
  }
  checkContainerQuota(containerInfo, length ?? 0);
  checkAccountQuota(await memoAccount(ctx, s.meta, account), length ?? 0);
  if (ifNoneMatch !== undefined && isLive(await s.meta.getObject(account, container, name), now)) {
    throw new SwiftError('PreconditionFailed');
  }
  const detect = /^(true|1|yes|on|t|y)$/i.test(ctx.headers['x-detect-content-type'] ?? '');
  checkContentTypeUtf8(ctx.headers);
  const contentType = !ctx.headers['content-type'] || detect ? guessContentType(name) : headerToText(ctx.headers['content-type']);

  // Before the body is read: inline bytes are admitted against the database's disk here; a blob's,
  // against its policy's disk by the blob store (whole when announced, else as they arrive).
  const inline = length !== undefined && length <= s.config.server.inline_object_max_bytes;
  if (inline) {
    const admitting = s.space?.admit(length);
    if (admitting) await admitting;
  }

  let stored: ReceivedBody;
  try {
    stored = inline
      ? await receiveInline(ctx.body(), length)
      : await s.blobs.write(ctx.body(), length !== undefined
        ? { expectedSize: length, maxSize: cfg.max_file_size, policy: containerInfo.policyIndex }
        : { maxSize: cfg.max_file_size, policy: containerInfo.policyIndex });
  } catch (err) {
    if (err instanceof BlobTooLargeError) throw new SwiftError('ObjectTooLarge');
    if (err instanceof BlobIncompleteError) throw new SwiftError('BodyTooShort');
    if ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || (err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') {
      throw new SwiftError('BodyTooShort');
    }
    throw err;
  }
  const expectedEtag = ctx.headers['etag']?.trim().replace(/^"(.*)"$/, '$1').toLowerCase();
  if (expectedEtag && expectedEtag !== stored.md5) {
    await discard(s, stored);
    throw new SwiftError('ChecksumMismatch');
  }
  const record: ObjectRecord = {
    account, container, name, blobId: stored.blobId, etag: stored.md5, size: stored.size, contentType,
    // A container-sync push keeps the source's timestamp (container-sync.ts checked its signature).
    timestamp: ctx.syncTimestamp ?? newTimestamp(), metadata: objectMetadata(ctx.headers),
  };
  if (stored.inline !== undefined) record.inline = stored.inline;
  if (deleteAt !== undefined) record.deleteAt = deleteAt;
  let outcome: PutObjectOutcome;
  try {
    outcome = await s.meta.putObject(record);
  } catch (err) {
    // Not committed (a full disk, a failed flush): the bytes would wait an hour for the orphan sweeper.
    await discard(s, stored).catch(() => undefined);
    throw err;
  }
  if (outcome.result !== 'stored') {
    await discard(s, stored);
    if (outcome.result === 'no_container') throw new SwiftError('NotFound');
    return { status: 202, headers: { 'content-type': HTML }, body: defaultErrorBody(202) };
  }
  if (outcome.replacedBlobId !== undefined) await s.blobs.delete(outcome.replacedBlobId);
  return {
    status: 201,
    headers: { 'content-type': HTML, etag: stored.md5, 'last-modified': httpDate(record.timestamp) },
    body: '',
  };
}

function multipartBody(ranges: ByteRange[], size: number, contentType: string, open: (r: ByteRange) => Readable, onDone: () => void): { body: Readable; length: number; boundary: string } {
  const boundary = randomBytes(16).toString('hex');
  const heads = ranges.map(([a, b], i) =>
    `${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: bytes ${a}-${b - 1}/${size}\r\n\r\n`);
  const tail = `\r\n--${boundary}--`;
  const length = heads.reduce((n, h, i) => n + Buffer.byteLength(h) + ((ranges[i]?.[1] ?? 0) - (ranges[i]?.[0] ?? 0)), 0) + tail.length;
  async function* parts(): AsyncGenerator<Buffer | string> {
    try {
      for (const [i, r] of ranges.entries()) {
        yield heads[i] ?? '';
        for await (const chunk of open(r)) yield chunk as Buffer;
      }
      yield tail;
    } finally {
      onDone();
    }
  }
  return { body: Readable.from(parts()), length, boundary };
}

async function getObject(ctx: RequestContext, target: Target, s: Services): Promise<SwiftResponse> {
  const rec = await memoObject(ctx, s.meta, target.account, target.container ?? '', target.object ?? '');
  if (!isLive(rec, Date.now() / 1000)) throw new SwiftError('NotFound');
  const headers: HeaderMap = objectHeaders(rec);
  const condition = evaluateConditions(ctx.headers, rec.etag, rec.timestamp, ctx.method);
  // 304, 412 and 416 still describe the object (ETag, Last-Modified, metadata), as Swift's do.
  if (condition === 304) return { status: 304, headers: { ...headers, 'content-length': '0' } };
  if (condition === 412) {
    const { 'accept-ranges': _omitted, ...described } = headers;
    return { status: 412, headers: { ...described, 'content-type': HTML, 'content-length': '0' }, body: '' };
  }
  const ranges = rangesFor(ctx.headers['range'], rec.size);
  if (ranges && ranges.length === 0) {
    return {
      status: 416,
      headers: { ...headers, 'content-range': `bytes */${rec.size}` },
      body: defaultErrorBody(416),
    };
  }
  if (ctx.method === 'HEAD') {
    return { status: 200, headers: { ...headers, 'content-length': String(rec.size) } };
  }
  // The common case of a small object: the bytes came with the record, checked, then sent as they are.
  if (!ranges && rec.inline !== undefined) {
    if (!inlineIntact(rec, rec.inline)) {
      return { status: 200, headers: { ...headers, 'content-length': String(rec.size) }, body: damagedBody(s, rec, 'inline bytes do not match the etag') };
    }
    return { status: 200, headers: { ...headers, 'content-length': String(rec.size) }, body: rec.inline };
  }
  const blobId = blobOf(rec);
  const reader: BlobReader | undefined = blobId === undefined ? inlineReader(rec.inline ?? Buffer.alloc(0)) : await s.blobs.open(blobId);
  if (!reader) {
    if (blobId !== undefined) await quarantineLater(s, rec, 'missing', `blob ${blobId} is gone`);
    throw new SwiftError('NotFound');
  }
  // Closed when the body ends, fails or is cut off: a stream read to its end never emits 'close' here.
  const close = () => { void reader.close(); };
  if (!ranges) {
    if (rec.size === 0) {
      close();
      return { status: 200, headers: { ...headers, 'content-length': '0' }, body: '' };
    }
    // A whole object is verified as it is sent (a range cannot be, as in Swift).
    const md5 = md5Etag(rec);
    const raw = reader.stream(0, rec.size - 1);
    const body = md5 === undefined ? raw : verifiedBody(raw, rec.size, md5, (detail) => quarantineLater(s, rec, 'damaged', detail));
    // On the file stream itself: it settles only once no read of the descriptor is in flight.
    finished(raw, close);
    return { status: 200, headers: { ...headers, 'content-length': String(rec.size) }, body };
  }
  if (ranges.length === 1) {
    const [a, b] = ranges[0] as ByteRange;
    const body = reader.stream(a, b - 1);
    finished(body, close);
    return {
      status: 206,
      headers: { ...headers, 'content-length': String(b - a), 'content-range': `bytes ${a}-${b - 1}/${rec.size}` },
      body,
    };
  }
  const multi = multipartBody(ranges, rec.size, rec.contentType, ([a, b]) => reader.stream(a, b - 1), close);
  return {
    status: 206,
    headers: {
      ...headers, 'content-type': `multipart/byteranges;boundary=${multi.boundary}`, 'content-length': String(multi.length),
    },
    body: multi.body,
  };
}

/**
 * Takes a damaged object out of service; the GET that found it is cut (or answered 404) only once
 * this settles, so that the client's retry already finds the object gone. Never rejects.
 */
async function quarantineLater(s: Services, rec: ObjectRecord, damage: Damage, detail: string): Promise<void> {
  await quarantineObject(s.meta, s.blobs, rec, damage, detail)
    .catch((err: unknown) => console.error(`quarantine of ${rec.account}/${rec.container}/${rec.name} failed:`, err));
}

/** The body of an object found damaged before a byte was sent: it fails at once, so the connection is cut. */
function damagedBody(s: Services, rec: ObjectRecord, detail: string): Readable {
  integrityCounters.getsDamaged++;
  const quarantined = quarantineLater(s, rec, 'damaged', detail);
  return new Readable({ read() { void quarantined.then(() => this.destroy(new DamagedObjectError(detail))); } });
}

/** A new Content-Type from a POST keeps a large object's `;swift_bytes=N` (its listing size), as Swift does. */
function postContentType(given: string, stored: string): string {
  const m = /;\s*swift_bytes=\d+$/.exec(stored);
  return m && !given.includes('swift_bytes=') ? `${given}${m[0]}` : given;
}

/** A POST replaces user metadata and the allowed headers; sysmeta only ever comes from the stored object. */
function postMetadata(headers: Record<string, string>): Record<string, string> {
  const meta = objectMetadata(headers);
  for (const name of Object.keys(meta)) {
    if (name.startsWith('x-object-sysmeta-') || name === 'x-static-large-object') delete meta[name];
  }
  return meta;
}

/**
 * Swift's check_object_creation refuses a Content-Type that is not UTF-8 (Node hands header bytes
 * over as latin1 chars). POST checks it too, so that it cannot store what PUT refuses.
 */
function checkContentTypeUtf8(headers: Record<string, string>): void {
  const value = headers['content-type'];
  if (value === undefined || !/[\u0080-\u00ff]/.test(value)) return;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'latin1'));
  } catch {
    throw new SwiftError('BadRequestMessage', { message: 'Invalid Content-Type' });
  }
}

async function postObject(ctx: RequestContext, target: Target, s: Services): Promise<SwiftResponse> {
  const cfg = s.config.swift;
  checkRequestMetadata(ctx.headers, 'object', cfg);
  const now = Date.now() / 1000;
  const deleteAt = deleteAtFrom(ctx.headers, now);
  checkContentTypeUtf8(ctx.headers);
  const { account } = target;
  const container = target.container ?? '';
  const name = target.object ?? '';
  const rec = await s.meta.getObject(account, container, name);
  if (!isLive(rec, now)) throw new SwiftError('NotFound');
  const update: { metadata: Record<string, string>; contentType: string; deleteAt?: number; timestamp: number } = {
    metadata: { ...metadataKeptOnPost(rec.metadata), ...postMetadata(ctx.headers) },
    contentType: ctx.headers['content-type'] ? postContentType(headerToText(ctx.headers['content-type']), rec.contentType) : rec.contentType,
    timestamp: newTimestamp(),
  };
  if (deleteAt !== undefined) update.deleteAt = deleteAt;
  else if (ctx.headers['x-remove-delete-at'] === undefined && rec.deleteAt !== undefined && ctx.headers['x-delete-at'] === undefined) {
    // Swift keeps an existing X-Delete-At across a POST that does not mention it.
    update.deleteAt = rec.deleteAt;
  }
  if (!(await s.meta.updateObject(account, container, name, update))) throw new SwiftError('NotFound');
  return { status: 202, headers: { 'content-type': HTML }, body: defaultErrorBody(202) };
}

/** X-If-Delete-At (the expirer's conditional delete): a Swift timestamp, or undefined when absent. */
function ifDeleteAt(headers: Record<string, string>): number | undefined {
  const raw = headers['x-if-delete-at'];
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed) ? Number(trimmed) : NaN;
  if (!Number.isFinite(n) || n < 0 || n >= 10_000_000_000) {
    throw new SwiftError('BadIfDeleteAt');
  }
  return n;
}

async function deleteObject(ctx: RequestContext, target: Target, s: Services): Promise<SwiftResponse> {
  const now = Date.now() / 1000;
  const account = target.account;
  const container = target.container ?? '';
  const name = target.object ?? '';
  const expectedDeleteAt = ifDeleteAt(ctx.headers);
  if (expectedDeleteAt !== undefined) {
    // Only delete the object whose X-Delete-At is the one given (expired or not).
    const current = await s.meta.getObject(account, container, name);
    if (!current) throw new SwiftError('NotFound');
    if (Math.floor((current.deleteAt ?? 0) * 100000) !== Math.floor(expectedDeleteAt * 100000)) {
      throw new SwiftError('DeleteAtMismatch');
    }
  }
  const removed = await s.meta.deleteObject(account, container, name, ctx.syncTimestamp ?? newTimestamp());
  if (!removed) throw new SwiftError('NotFound');
  const removedBlob = blobOf(removed);
  if (removedBlob !== undefined) await s.blobs.delete(removedBlob);
  if (!isLive(removed, now) && expectedDeleteAt === undefined) throw new SwiftError('NotFound');
  return { status: 204, headers: { 'content-type': HTML } };
}

export async function objectController(ctx: RequestContext, target: Target, _access: Access, s: Services): Promise<SwiftResponse> {
  switch (ctx.method) {
    case 'PUT': return putObject(ctx, target, s);
    case 'GET':
    case 'HEAD': return getObject(ctx, target, s);
    case 'POST': return postObject(ctx, target, s);
    case 'DELETE': return deleteObject(ctx, target, s);
    default:
      throw new SwiftError('MethodNotAllowed', {}, { Allow: 'COPY, DELETE, GET, HEAD, OPTIONS, POST, PUT' });
  }
}

