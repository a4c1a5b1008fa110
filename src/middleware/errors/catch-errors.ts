/** The one place where thrown errors become responses: coded errors as their table entry, anything else 500. */
import { isSwiftError, SwiftError } from '../../http/errors.js';
import type { Middleware } from '../../http/pipeline.js';
import { errorResponse } from '../../http/response.js';
import { BackendUnavailableError } from '../../storage/backend-unavailable.js';
import { isDiskFull } from '../../storage/insufficient-storage.js';

export const catchErrors: Middleware = async (ctx, next) => {
  try {
    return await next(ctx);
  } catch (err) {
    if (isSwiftError(err)) return errorResponse(err);
    if (err instanceof BackendUnavailableError) {
      console.error(`${ctx.transId} ${ctx.method} ${ctx.rawPath}: 503, ${err.message}`);
      return errorResponse(new SwiftError('BackendUnavailable', { backend: err.backend }));
    }
    // The reserve reached, or the disk itself full (ENOSPC, SQLITE_FULL): the client's request was fine.
    if (isDiskFull(err)) {
      console.error(`${ctx.transId} ${ctx.method} ${ctx.rawPath}: 507, ${err instanceof Error ? err.message : String(err)}`);
      return errorResponse(new SwiftError('InsufficientStorage'));
    }
    console.error(`${ctx.transId} ${ctx.method} ${ctx.rawPath}: internal error`, err);
    return errorResponse(new SwiftError('Internal'));
  }
};

/** Paths that are not valid UTF-8 (or hold NUL) are refused before anything looks at them. */
export const validatePath: Middleware = async (ctx, next) => {
  if (ctx.path.includes('\u0000')) throw new SwiftError('InvalidUtf8');
  return next(ctx);
};
