/**
 * Gauges read from the stores, by the one process that serves the metrics (with several workers the
 * primary), so they are never multiplied by the number of workers:
 *
 *   swiftlet_stored_{containers,objects,bytes}{prefix,policy}   per account prefix (`AUTH_`, `SERVICE_`) and policy
 *   swiftlet_expirer_backlog_objects                            past their X-Delete-At, not yet removed
 *   swiftlet_store_figures_timestamp_seconds                    when the two above were read
 *   swiftlet_janitor_backlog_blobs{policy}                      blobs no record points at (the orphan sweeper's work)
 *   swiftlet_janitor_census_timestamp_seconds                   when that was counted
 *
 * The store figures are one grouped query over the containers' counters (no walk over objects). The
 * embedded store answers it from its own SQLite file at each scrape; the cluster's scans every
 * container's stats rows on every shard, which one node should not do per scrape per Prometheus, so
 * it is read every `[metrics] store_interval` seconds and a scrape gets the latest reading (its
 * time in swiftlet_store_figures_timestamp_seconds; a failed reading keeps the previous one).
 *
 * The janitor census lists every blob and asks which are referenced: it runs every `[metrics]
 * orphan_census_interval` seconds and only on the node holding the jobs' lease (the one that
 * sweeps); the other nodes report no backlog (and a census time of 0).
 */
import { Gauge, type Registry } from 'prom-client';
import type { BlobStore, MetadataStore, UsageTotal } from '../storage/contracts.js';
import type { StoragePolicies } from '../storage/policies.js';
import { countOrphans } from '../storage/janitor.js';

/** The expirer backlog is counted up to this many (a reading must stay cheap however far behind it is). */
const BACKLOG_CAP = 100_000;

interface StoreFigures {
  usage: UsageTotal[] | undefined;
  expired: number | undefined;
  at: number;
}

export interface StoreMetricsOptions {
  /** Seconds between readings of the store figures; 0: read at each scrape. */
  refreshSeconds: number;
  /** Seconds between janitor censuses; 0: none. */
  censusSeconds: number;
  /** Whether this process holds the jobs' lease now (the census runs only there). */
  leads: () => Promise<boolean>;
}

/** Registers the gauges; returns what stops their timers. */
export function registerStoreMetrics(
  registry: Registry, meta: MetadataStore, blobs: BlobStore, policies: StoragePolicies, options: StoreMetricsOptions,
): () => void {
  const usage = meta.usageTotals?.bind(meta);
  const backlog = meta.expiredBacklog?.bind(meta);
  const readFigures = async (): Promise<StoreFigures> => {
    const now = Date.now() / 1000;
    const [u, e] = await Promise.all([usage?.(), backlog?.(now, BACKLOG_CAP)]);
    return { usage: u, expired: e, at: now };
  };
  const stops: (() => void)[] = [];
  let figures: () => Promise<StoreFigures | undefined>;
  if (options.refreshSeconds > 0) {
    const p = periodic(readFigures, options.refreshSeconds, 'store figures');
    figures = p.latest;
    stops.push(p.stop);
  } else {
    // prom-client starts every metric's collect in the same turn (Promise.all), so the collects of
    // one scrape share the reading in flight; the next scrape reads anew.
    let reading: Promise<StoreFigures> | undefined;
    figures = () => {
      reading ??= readFigures().finally(() => { reading = undefined; });
      return reading;
    };
  }
  const policyName = (index: number) => policies.byIndex(index)?.name ?? String(index);
  if (usage) {
    const labelNames = ['prefix', 'policy'] as const;
    const gauge = (name: string, help: string, pick: (r: UsageTotal) => number) => {
      const g: Gauge<'prefix' | 'policy'> = new Gauge({
        name, help, labelNames, registers: [registry],
        async collect() {
          const rows = (await figures())?.usage ?? [];
          g.reset();
          for (const r of rows) g.set({ prefix: r.prefix === '' ? '(none)' : r.prefix, policy: policyName(r.policyIndex) }, pick(r));
        },
      });
    };
    gauge('swiftlet_stored_containers', 'Containers, by account prefix and storage policy', (r) => r.containers);
    gauge('swiftlet_stored_objects', 'Objects, by account prefix and storage policy', (r) => r.objects);
    gauge('swiftlet_stored_bytes', 'Bytes of objects, by account prefix and storage policy', (r) => r.bytes);
  }
  if (backlog) {
    const expired = new Gauge({
      name: 'swiftlet_expirer_backlog_objects', help: `Objects past their X-Delete-At not yet removed by the expirer (counted up to ${BACKLOG_CAP})`, registers: [registry],
      async collect() {
        expired.set((await figures())?.expired ?? 0);
      },
    });
  }
  if (usage || backlog) {
    const at = new Gauge({
      name: 'swiftlet_store_figures_timestamp_seconds', help: 'When the stored_* and expirer backlog figures were read (Unix time; 0: not yet)', registers: [registry],
      async collect() {
        at.set((await figures())?.at ?? 0);
      },
    });
  }
  if (options.censusSeconds > 0) stops.push(registerJanitorMetrics(registry, meta, blobs, policies, options));
  return () => { for (const stop of stops) stop(); };
}

function registerJanitorMetrics(
  registry: Registry, meta: MetadataStore, blobs: BlobStore, policies: StoragePolicies, options: StoreMetricsOptions,
): () => void {
  interface Census { orphans: Map<number, number>; at: number }
  // undefined: this process does not hold the lease (another node counts), or has not counted yet.
  const census = async (): Promise<Census | undefined> => {
    if (!(await options.leads())) return undefined;
    const at = Date.now() / 1000;
    const orphans = await countOrphans(meta, blobs);
    // Every configured policy shows, with 0 when it has no orphan.
    for (const p of policies.all) if (!orphans.has(p.index)) orphans.set(p.index, 0);
    return { orphans, at };
  };
  const p = periodic(census, options.censusSeconds, 'janitor census', true);
  const orphans: Gauge<'policy'> = new Gauge({
    name: 'swiftlet_janitor_backlog_blobs',
    help: 'Blobs no object record points at, by storage policy: what the orphan sweeper will delete once past its grace (counted on the node holding the jobs\' lease)',
    labelNames: ['policy'], registers: [registry],
    async collect() {
      const c = await p.latest();
      orphans.reset();
      for (const [index, n] of c?.orphans ?? []) orphans.set({ policy: policies.byIndex(index)?.name ?? String(index) }, n);
    },
  });
  const at = new Gauge({
    name: 'swiftlet_janitor_census_timestamp_seconds', help: 'When swiftlet_janitor_backlog_blobs was counted (Unix time); 0 on a node that does not count',
    registers: [registry],
    async collect() {
      at.set((await p.latest())?.at ?? 0);
    },
  });
  return p.stop;
}

/**
 * `read` run now and every `seconds` in the background (never two at once); `latest` is the last
 * reading that succeeded, after waiting for the first attempt. With `replace`, a reading of
 * undefined replaces the last one (the census when the lease moved away); otherwise failures keep it.
 */
function periodic<T>(read: () => Promise<T | undefined>, seconds: number, what: string, replace = false): { latest: () => Promise<T | undefined>; stop: () => void } {
  let last: T | undefined;
  let running: Promise<void> | undefined;
  let reported = false;
  const take = () => {
    running ??= read().then(
      (v) => {
        if (v !== undefined || replace) last = v;
        reported = false;
      },
      (err: unknown) => {
        // Once per run of failures: a store that is down would otherwise fill the log every interval.
        if (!reported) console.error(`metrics: reading the ${what} failed (the previous reading is kept):`, err instanceof Error ? err.message : err);
        reported = true;
      },
    ).finally(() => { running = undefined; });
    return running;
  };
  const first = take();
  const timer = setInterval(() => { void take(); }, seconds * 1000);
  timer.unref();
  return {
    latest: async () => { await first; return last; },
    stop: () => clearInterval(timer),
  };
}
