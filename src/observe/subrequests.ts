/**
 * Sub-request lines: a middleware that calls back into the pipeline (SLO and DLO segment reads, a
 * copy's source read, bulk deletes and archive files, versioning's archive writes, symlink targets,
 * static web pages, form uploads) is handed its handler through `tagged(source, …)`, which marks
 * each sub-request with Swift's `swift.source` for that middleware and logs a line for it with the
 * client request's transaction id.
 *
 * A sub-request's line is written when its answer is ready (status and headers), before its body is
 * read by the middleware: its byte counts are the lengths announced (Content-Length), not counted
 * bytes; the client request's own line counts what really went out. With the access log off the
 * handler is handed over untouched.
 */
import type { Handler } from '../http/pipeline.js';
import { isSwiftError } from '../http/errors.js';
import type { SwiftResponse } from '../http/response.js';
import type { AccessLog } from './access-log.js';

/** Swift's `swift.source` values for the middlewares Swiftlet has. */
export const SOURCES = {
  slo: 'SLO', dlo: 'DLO', copy: 'SSC', bulkDelete: 'BD', extractArchive: 'EA', objectVersioning: 'OV', versionedWrites: 'VW',
  symlink: 'SYM', staticWeb: 'SW', formPost: 'FP',
} as const;

export type Tagger = (source: string, handler: () => Handler) => () => Handler;

function announcedLength(r: SwiftResponse): number {
  const declared = r.headers['content-length'];
  if (declared !== undefined) return Number(declared) || 0;
  if (typeof r.body === 'string') return Buffer.byteLength(r.body);
  if (r.body instanceof Buffer) return r.body.length;
  return 0;
}

export function subrequestTagger(log: AccessLog | undefined): Tagger {
  if (!log) return (_source, handler) => handler;
  return (source, handler) => {
    let wrapped: Handler | undefined;
    // The handler is looked up at the first sub-request: the pipeline is built after the middlewares.
    return () => wrapped ??= logged(log, source, handler());
  };
}

function logged(log: AccessLog, source: string, handler: Handler): Handler {
  return async (ctx) => {
    const startMs = Date.now();
    const started = performance.now();
    const protocol = ctx.log?.protocol ?? 'HTTP/1.1';
    const sub = { ...ctx, log: { protocol, source } };
    let status = 500;
    let bytesOut = 0;
    try {
      const r = await handler(sub);
      status = r.status;
      bytesOut = sub.method === 'HEAD' ? 0 : announcedLength(r);
      return r;
    } catch (err) {
      if (isSwiftError(err)) status = err.status;
      throw err;
    } finally {
      log.subrequest({
        ctx: sub, rawQuery: sub.query.toString(), protocol, status, bytesIn: Number(sub.headers['content-length'] ?? 0) || 0,
        bytesOut, startMs, durationMs: performance.now() - started,
      });
    }
  };
}
