import type { Readable } from 'node:stream';
import { defaultErrorBody } from './status.js';
import type { SwiftError } from './errors.js';

/** Header names are stored lower-case; values are strings (repeatable headers as arrays). */
export type HeaderMap = Record<string, string | string[]>;

/** What a handler returns: written to the socket once, at the edge. */
export interface SwiftResponse {
  status: number;
  headers: HeaderMap;
  /** A body to send; a Readable is piped with backpressure. HEAD never sends it. */
  body?: string | Buffer | Readable;
  /**
   * A refusal whose client may still be sending its body: the rest is read and dropped (for a
   * while) before the answer goes out, as for a 507 (see server.ts), so a client that sends its
   * whole body before reading gets the answer rather than a reset.
   */
  drainBody?: boolean;
}

export function respond(status: number, headers: HeaderMap = {}, body?: string | Buffer | Readable): SwiftResponse {
  return { status, headers, body };
}

export function errorResponse(err: SwiftError): SwiftResponse {
  const body = err.body ?? defaultErrorBody(err.status);
  return {
    status: err.status,
    headers: { 'content-type': err.contentType, ...lowerKeys(err.headers) },
    body,
  };
}

export function lowerKeys(h: Record<string, string>): HeaderMap {
  const out: HeaderMap = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}
