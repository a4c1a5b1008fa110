/**
 * The meters storage and identity code report to (group commits, WAL flushes, token caches,
 * Keystone). Without prom-client in the import: the code reporting here loads in every process
 * (CLI, image service) and pays nothing but one check while metrics are off.
 */
import type { Counter, Histogram } from 'prom-client';

export interface RequestMeters {
  requests: Counter<'method' | 'resource' | 'status'>;
  duration: Histogram<'method' | 'resource'>;
  received: Counter<'method' | 'resource'>;
  sent: Counter<'method' | 'resource'>;
  commitBatch: Histogram;
  walFlush: Histogram;
  tokenHits: Counter.Internal;
  tokenMisses: Counter.Internal;
  keystoneSeconds: Histogram;
  keystoneErrors: Counter;
}

let active: RequestMeters | undefined;

/** Called once by metrics.ts when `[metrics] listen` is set. */
export function setMeters(meters: RequestMeters): void {
  active = meters;
}

/** One group commit: how many writes it carried. */
export function countCommitBatch(size: number): void {
  active?.commitBatch.observe(size);
}

/** Whether the meters are on (callers skip timing work when not). */
export function metricsOn(): boolean {
  return active !== undefined;
}

export function observeWalFlush(seconds: number): void {
  active?.walFlush.observe(seconds);
}

export function countTokenCache(hit: boolean): void {
  if (active) (hit ? active.tokenHits : active.tokenMisses).inc();
}

export function observeKeystone(seconds: number, failed: boolean): void {
  if (!active) return;
  active.keystoneSeconds.observe(seconds);
  if (failed) active.keystoneErrors.inc();
}
