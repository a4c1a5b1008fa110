/**
 * Swift's gatekeeper: clients can never send or see internal headers. `X-Backend-*` and every
 * `*-Sysmeta-*` header are stripped both ways, and a client's `X-Timestamp` is ignored (the server's
 * clock orders writes).
 */
import type { Middleware } from '../../http/pipeline.js';

const INTERNAL = /^(x-backend-|x-(account|container|object)-sysmeta-|x-object-transient-sysmeta-)/;

export const gatekeeper: Middleware = async (ctx, next) => {
  if (!ctx.internal) {
    const timestamp = ctx.headers['x-timestamp'];
    if (timestamp !== undefined) ctx.inboundTimestamp = timestamp;
    for (const name of Object.keys(ctx.headers)) {
      if (INTERNAL.test(name) || name === 'x-timestamp') delete ctx.headers[name];
    }
  }
  const res = await next(ctx);
  for (const name of Object.keys(res.headers)) if (INTERNAL.test(name)) delete res.headers[name];
  return res;
};
