import type { RequestContext } from './context.js';
import { isSwiftError } from './errors.js';
import { errorResponse, type SwiftResponse } from './response.js';

export type Handler = (ctx: RequestContext) => Promise<SwiftResponse>;
export type Middleware = (ctx: RequestContext, next: Handler) => Promise<SwiftResponse>;

/**
 * Runs middlewares in order around a final handler. Each `next` may be called once: a second call is
 * a bug in that middleware and fails loudly rather than running the rest of the chain twice.
 */
export function compose(middlewares: readonly Middleware[], final: Handler): Handler {
  return (ctx) => {
    const dispatch = (i: number): Handler => {
      let called = false;
      return (c) => {
        if (called) return Promise.reject(new Error(`next() called twice by middleware #${i - 1}`));
        called = true;
        const mw = middlewares[i];
        return mw ? mw(c, dispatch(i + 1)) : final(c);
      };
    };
    return dispatch(0)(ctx);
  };
}

/** Runs a handler for a sub-request and answers a SwiftError with its response, so callers can inspect the status. */
export async function responseOf(handler: Handler, ctx: RequestContext): Promise<SwiftResponse> {
  try {
    return await handler(ctx);
  } catch (err) {
    if (!isSwiftError(err)) throw err;
    return errorResponse(err);
  }
}
