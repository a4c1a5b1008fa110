/**
 * Prometheus metrics (npm prom-client). The request figures are counted at the HTTP edge from the
 * same facts as the access log; storage and identity code reports through meters.ts, whose
 * functions do nothing until `startRequestMetrics` ran (metrics off costs one check).
 *
 * Per request the cost is a map lookup for the label set's children (cached: prom-client hashes a
 * label object on each `inc` otherwise) and a few additions.
 *
 * Names (all `swiftlet_`-prefixed but prom-client's process and Node.js defaults):
 *   swiftlet_requests_total{method,resource,status}          client requests answered
 *   swiftlet_request_duration_seconds{method,resource}        histogram, arrival to last byte
 *   swiftlet_received_bytes_total{method,resource}            request body bytes
 *   swiftlet_sent_bytes_total{method,resource}                response body bytes
 *   swiftlet_commit_batch_size                                 histogram, metadata writes per group commit
 *   swiftlet_wal_flush_seconds                                 histogram, commit to durable (fdatasync of the WAL)
 *   swiftlet_token_cache_total{result="hit"|"miss"}           opened-token / Keystone validation cache
 *   swiftlet_keystone_request_seconds, swiftlet_keystone_errors_total   external Keystone
 *   swiftlet_pg_statement_seconds{database,shard}             histogram, cluster backend: each PostgreSQL statement
 *   swiftlet_pg_commit_seconds{database,shard}                histogram, cluster backend: COMMIT of explicit transactions
 *   swiftlet_pg_transactions_total{database,shard,result}     cluster backend: explicit transactions committed / rolled back
 *   swiftlet_pg_retries_total{database,shard}                 cluster backend: re-runs after deadlocks / serialization failures
 *   swiftlet_stored_*, swiftlet_expirer_backlog_objects, swiftlet_janitor_* (store-metrics.ts)
 */
import { collectDefaultMetrics, Counter, Histogram, Registry, type Counter as CounterType } from 'prom-client';
import type { FinishedRequest, RequestObserver } from './finished-request.js';
import { setMeters, type RequestMeters } from './meters.js';

const METHODS = new Set(['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'COPY', 'OPTIONS']);

/** What a request addressed, for the `resource` label. */
export function resourceOf(path: string): string {
  if (path.startsWith('/v1/')) {
    // /v1/<account>[/<container>[/<object>]]: the object name may hold slashes.
    const rest = path.slice(4);
    const first = rest.indexOf('/');
    if (first === -1) return rest === '' ? 'other' : 'account';
    const second = rest.indexOf('/', first + 1);
    if (second === -1) return first === rest.length - 1 ? 'account' : 'container';
    return second === rest.length - 1 ? 'container' : 'object';
  }
  if (path.startsWith('/v3') || path.startsWith('/auth/') || path.startsWith('/v2.0')) return 'identity';
  if (path === '/info') return 'info';
  return 'other';
}



/** Registers the request, storage and identity meters and the process defaults on `registry`; returns the edge's observer. */
export function startRequestMetrics(registry: Registry): RequestObserver {
  collectDefaultMetrics({ register: registry });
  const tokenCache = new Counter({ name: 'swiftlet_token_cache_total', help: 'Token checks answered from the per-process cache (hit) or not (miss)', labelNames: ['result'], registers: [registry] });
  const meters: RequestMeters = {
    tokenHits: tokenCache.labels('hit'),
    tokenMisses: tokenCache.labels('miss'),
    requests: new Counter({ name: 'swiftlet_requests_total', help: 'Client requests answered, by method, resource and status', labelNames: ['method', 'resource', 'status'], registers: [registry] }),
    duration: new Histogram({
      name: 'swiftlet_request_duration_seconds', help: 'Client request time, arrival to the last body byte sent', labelNames: ['method', 'resource'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [registry],
    }),
    received: new Counter({ name: 'swiftlet_received_bytes_total', help: 'Request body bytes received', labelNames: ['method', 'resource'], registers: [registry] }),
    sent: new Counter({ name: 'swiftlet_sent_bytes_total', help: 'Response body bytes sent', labelNames: ['method', 'resource'], registers: [registry] }),
    commitBatch: new Histogram({ name: 'swiftlet_commit_batch_size', help: 'Metadata writes committed together by one group commit', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256], registers: [registry] }),
    walFlush: new Histogram({
      name: 'swiftlet_wal_flush_seconds', help: 'Group commit to durable: waiting for the WAL flush (fdatasync)',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1], registers: [registry],
    }),
    keystoneSeconds: new Histogram({ name: 'swiftlet_keystone_request_seconds', help: 'Requests to the external Keystone', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] }),
    keystoneErrors: new Counter({ name: 'swiftlet_keystone_errors_total', help: 'Requests to the external Keystone that failed (unreachable, timeout)', registers: [registry] }),
    // The cluster backend's analogue of the two commit figures above (none are recorded on the embedded backend).
    pgStatement: new Histogram({
      name: 'swiftlet_pg_statement_seconds', help: 'PostgreSQL statements (cluster backend): send to last row received, by database and shard',
      labelNames: ['database', 'shard'], buckets: [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5], registers: [registry],
    }),
    pgCommit: new Histogram({
      name: 'swiftlet_pg_commit_seconds', help: 'COMMIT of explicit PostgreSQL transactions (cluster backend): the server\'s WAL flush and the round trip',
      labelNames: ['database', 'shard'], buckets: [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1], registers: [registry],
    }),
    pgTransactions: new Counter({
      name: 'swiftlet_pg_transactions_total', help: 'Explicit PostgreSQL transactions (cluster backend) committed or rolled back; one-statement writes are counted by swiftlet_pg_statement_seconds_count',
      labelNames: ['database', 'shard', 'result'], registers: [registry],
    }),
    pgRetries: new Counter({
      name: 'swiftlet_pg_retries_total', help: 'PostgreSQL statements or transactions run again after a deadlock or serialization failure', labelNames: ['database', 'shard'], registers: [registry],
    }),
  };
  setMeters(meters);
  return requestCounter(meters);
}

/** Children per label set, found by one string key instead of prom-client's per-call label hashing. */
function requestCounter(m: RequestMeters): RequestObserver {
  const byStatus = new Map<string, CounterType.Internal>();
  const byKind = new Map<string, { duration: ReturnType<RequestMeters['duration']['labels']>; received: CounterType.Internal; sent: CounterType.Internal }>();
  return (done: FinishedRequest) => {
    const method = METHODS.has(done.ctx.method) ? done.ctx.method : 'OTHER';
    const resource = resourceOf(done.ctx.path);
    const kindKey = `${method} ${resource}`;
    let kind = byKind.get(kindKey);
    if (!kind) {
      kind = { duration: m.duration.labels(method, resource), received: m.received.labels(method, resource), sent: m.sent.labels(method, resource) };
      byKind.set(kindKey, kind);
    }
    const statusKey = `${kindKey} ${done.status}`;
    let counter = byStatus.get(statusKey);
    if (!counter) {
      counter = m.requests.labels(method, resource, String(done.status));
      byStatus.set(statusKey, counter);
    }
    counter.inc();
    kind.duration.observe(done.durationMs / 1000);
    if (done.bytesIn > 0) kind.received.inc(done.bytesIn);
    if (done.bytesOut > 0) kind.sent.inc(done.bytesOut);
  };
}

