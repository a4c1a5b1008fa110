/**
 * S3 operations act through the Swift API below authentication, as Swift's s3api does: each step is
 * a Swift sub-request on the caller's own account, carrying the S3 request's one identity, and is
 * authorised again by the same policy as any Swift request. Only headers an operation builds are
 * passed on, never the client's own (no token, no manifest or sysmeta header gets through).
 */
import { Readable } from 'node:stream';
import type { RequestContext } from '../http/context.js';
import { responseOf, type Handler } from '../http/pipeline.js';
import type { SwiftResponse } from '../http/response.js';
import { encodePath } from '../middleware/dlo/segments.js';

export interface SwiftCall {
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** The body to send (a PUT's bytes); none: an empty body. */
  body?: Readable;
}

export class SwiftApi {
  constructor(private readonly ctx: RequestContext, private readonly below: Handler, readonly account: string) {}

  path(container?: string, object?: string): string {
    let p = `/v1/${this.account}`;
    if (container !== undefined) p += `/${container}`;
    if (object !== undefined) p += `/${object}`;
    return p;
  }

  async call(method: string, container: string | undefined, object: string | undefined, opts: SwiftCall = {}): Promise<SwiftResponse> {
    const path = this.path(container, object);
    const headers: Record<string, string> = { ...opts.headers };
    const host = this.ctx.headers['host'];
    if (host !== undefined) headers['host'] = host;
    const body = opts.body ?? Readable.from([]);
    let taken = false;
    const { grantScope: _ignored, rawHeaders: _client, ...base } = this.ctx;
    const sub: RequestContext = {
      ...base,
      method, path, rawPath: encodePath(path), query: new URLSearchParams(opts.query ?? {}), rawQuery: '', headers, internal: true,
      memo: new Map(),
      body: () => { taken = true; return body; },
      bodyTaken: () => taken,
    };
    return responseOf(this.below, sub);
  }
}

/** Reads a (small) sub-request answer body whole: listings and manifests. */
export async function bodyBytes(res: SwiftResponse): Promise<Buffer> {
  const b = res.body;
  if (b === undefined) return Buffer.alloc(0);
  if (typeof b === 'string') return Buffer.from(b, 'utf8');
  if (Buffer.isBuffer(b)) return b;
  const chunks: Buffer[] = [];
  for await (const c of b) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

/** Drops an answer's body stream that will not be read. */
export function dropBody(res: SwiftResponse): void {
  if (res.body instanceof Readable) res.body.destroy();
}

export function header(res: SwiftResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
