import type { Middleware } from '../../http/pipeline.js';

/** `GET /healthcheck` → 200 `OK`, before authentication, as Swift's healthcheck middleware. */
export const healthcheck: Middleware = async (ctx, next) => {
  if (ctx.path !== '/healthcheck') return next(ctx);
  return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'OK' };
};
