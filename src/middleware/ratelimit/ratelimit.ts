/**
 * Rate limiting, as Swift's ratelimit middleware (off until configured, `[ratelimit]`):
 * - `account_ratelimit`: container PUT and DELETE per account, requests per second;
 * - `container_ratelimit_<size>`: object PUT, POST, DELETE and COPY per container, by the container's
 *   object count (see limits.ts);
 * - `container_listing_ratelimit_<size>`: container GETs (listings), the same way;
 * - an account's `X-Account-Sysmeta-Global-Write-Ratelimit` (set by an operator's internal client):
 *   a number limits all its writes together, `WHITELIST` exempts it, `BLACKLIST` answers 497.
 * A request over a limit waits for its turn; one that would wait `max_sleep_time_seconds` or more is
 * answered `498 Rate Limited` ("Slow down") at once. Off by default: on when a limit is configured,
 * or with `enabled = true` (for the per-account sysmeta alone). It runs before authentication, as in Swift's
 * pipeline, and once per client request (sub-requests are not limited again).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { MetadataStore } from '../../storage/contracts.js';
import type { Middleware } from '../../http/pipeline.js';
import type { SwiftResponse } from '../../http/response.js';
import type { RateLimitConfig } from '../../config/schema.js';
import { parseTarget } from '../../controllers/router.js';
import { memoAccount, memoContainer } from '../../storage/request-memo.js';
import type { RateClock } from './counters.js';
import { rateForSize, sizeRates, type SizeRates } from './limits.js';

const WRITES = new Set(['PUT', 'DELETE', 'POST', 'COPY']);
const GLOBAL_WRITE = 'x-account-sysmeta-global-write-ratelimit';
const BLACKLIST_PAUSE_MS = 1000;

/** Whether any limit is configured: with none, the middleware is left out of the pipeline. */
export function rateLimitEnabled(c: RateLimitConfig): boolean {
  return c.account_ratelimit > 0 || Object.keys(c.container_ratelimits).length > 0 ||
    Object.keys(c.container_listing_ratelimits).length > 0 || c.enabled;
}

/** `/info`'s `ratelimit` entry, as Swift registers it. */
export function rateLimitInfo(c: RateLimitConfig): Record<string, unknown> {
  return {
    account_ratelimit: c.account_ratelimit,
    max_sleep_time_seconds: c.max_sleep_time_seconds,
    container_ratelimits: sizeRates(c.container_ratelimits, ''),
    container_listing_ratelimits: sizeRates(c.container_listing_ratelimits, ''),
  };
}

function answer(status: 497 | 498, body: string): SwiftResponse {
  return { status, headers: { 'content-type': 'text/html; charset=UTF-8' }, body };
}

export function rateLimit(config: RateLimitConfig, meta: MetadataStore, clock: RateClock): Middleware {
  const containerLimits: SizeRates = sizeRates(config.container_ratelimits, '');
  const listingLimits: SizeRates = sizeRates(config.container_listing_ratelimits, '');
  const ticks = config.clock_accuracy;
  const maxWait = config.max_sleep_time_seconds * ticks - ticks * 0.01;
  return async (ctx, next) => {
    const target = parseTarget(ctx.path);
    if (!target || ctx.internal) return next(ctx);
    const { account, container, object } = target;
    const write = WRITES.has(ctx.method);
    // Every request's account, as Swift's handle_ratelimit reads it (the request memo hands the same
    // record to authorisation afterwards, so this costs no extra read).
    const global = (await memoAccount(ctx, meta, account))?.metadata[GLOBAL_WRITE];
    if (global === 'WHITELIST') return next(ctx);
    if (global === 'BLACKLIST') {
      await sleep(BLACKLIST_PAUSE_MS);
      return answer(497, 'Your account has been blacklisted');
    }

    const keys: [string, number][] = [];
    if (config.account_ratelimit > 0 && container !== undefined && object === undefined && (ctx.method === 'PUT' || ctx.method === 'DELETE')) {
      keys.push([`ratelimit/${account}`, config.account_ratelimit]);
    }
    if (container !== undefined && (object !== undefined ? write && containerLimits.length > 0 : ctx.method === 'GET' && listingLimits.length > 0)) {
      const size = (await memoContainer(ctx, meta, account, container))?.objectCount ?? 0;
      const rate = rateForSize(object !== undefined ? containerLimits : listingLimits, size);
      if (rate) keys.push([`${object !== undefined ? 'ratelimit' : 'ratelimit_listing'}/${account}/${container}`, rate]);
    }
    if (write && global !== undefined) {
      const rate = Number(global);
      if (Number.isFinite(rate) && rate > 0) keys.push([`ratelimit/global-write/${account}`, rate]);
    }

    for (const [key, rate] of keys) {
      const step = Math.round(ticks / rate);
      const wait = await clock.book(key, Math.round(Date.now() * ticks / 1000), step, config.rate_buffer_seconds * ticks, maxWait);
      if (wait === undefined) return answer(498, 'Slow down');
      if (wait > 0) await sleep(wait * 1000 / ticks);
    }
    return next(ctx);
  };
}
