/**
 * What the HTTP edge knows once a request is over: the facts both the access log and the metrics
 * are made of, gathered once per request.
 */
import type { RequestContext } from '../http/context.js';

export interface FinishedRequest {
  /** The request as the edge saw it (method, path, headers, transaction id, source for sub-requests). */
  ctx: RequestContext;
  /** The query string as sent (without `?`), for the logged path. */
  rawQuery: string;
  /** `HTTP/1.1`. */
  protocol: string;
  /** What the client was answered; 499 when it went away in the middle of the answer, 500 when the source failed then. */
  status: number;
  /** Request body bytes received. */
  bytesIn: number;
  /** Response body bytes handed to the connection (the headers not counted, as Swift). */
  bytesOut: number;
  /** When the request arrived, milliseconds since the epoch. */
  startMs: number;
  durationMs: number;
}

export type RequestObserver = (done: FinishedRequest) => void;

/** Observers that are set, as one; undefined when none is (the edge then counts nothing). */
export function observeAll(observers: readonly (RequestObserver | undefined)[]): RequestObserver | undefined {
  const set = observers.filter((o): o is RequestObserver => o !== undefined);
  if (set.length === 0) return undefined;
  if (set.length === 1) return set[0];
  return (done) => { for (const o of set) o(done); };
}
