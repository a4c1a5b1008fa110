/**
 * Gauges read from the metadata store when Prometheus scrapes: what is stored, per account prefix
 * (`AUTH_`, `SERVICE_`) and storage policy, and the expirer's backlog. One grouped query over the
 * containers' counters (no walk over objects), run by one process: with several workers the primary
 * serves them, so they are not multiplied by the number of workers.
 */
import { Gauge, type Registry } from 'prom-client';
import type { MetadataStore, UsageTotal } from '../storage/contracts.js';
import type { StoragePolicies } from '../storage/policies.js';

/** The expirer backlog is counted up to this many (a scrape must stay cheap however far behind it is). */
const BACKLOG_CAP = 100_000;

export function registerStoreMetrics(registry: Registry, meta: MetadataStore, policies: StoragePolicies): void {
  const usage = meta.usageTotals?.bind(meta);
  if (usage) {
    const labelNames = ['prefix', 'policy'] as const;
    // One query fills the three gauges: prom-client starts every metric's collect in the same turn
    // (Promise.all), so the collects of one scrape share the reading in flight; the next scrape reads anew.
    let reading: Promise<UsageTotal[]> | undefined;
    const read = (): Promise<UsageTotal[]> => {
      reading ??= usage().finally(() => { reading = undefined; });
      return reading;
    };
    const gauge = (name: string, help: string, pick: (r: UsageTotal) => number) => {
      const g: Gauge<'prefix' | 'policy'> = new Gauge({
        name, help, labelNames, registers: [registry],
        async collect() {
          const rows = await read();
          g.reset();
          for (const r of rows) {
            g.set({ prefix: r.prefix === '' ? '(none)' : r.prefix, policy: policies.byIndex(r.policyIndex)?.name ?? String(r.policyIndex) }, pick(r));
          }
        },
      });
    };
    gauge('swiftlet_stored_containers', 'Containers, by account prefix and storage policy', (r) => r.containers);
    gauge('swiftlet_stored_objects', 'Objects, by account prefix and storage policy', (r) => r.objects);
    gauge('swiftlet_stored_bytes', 'Bytes of objects, by account prefix and storage policy', (r) => r.bytes);
  }
  const backlog = meta.expiredBacklog?.bind(meta);
  if (backlog) {
    const expired = new Gauge({
      name: 'swiftlet_expirer_backlog_objects', help: `Objects past their X-Delete-At not yet removed by the expirer (counted up to ${BACKLOG_CAP})`, registers: [registry],
      async collect() {
        expired.set(await backlog(Date.now() / 1000, BACKLOG_CAP));
      },
    });
  }
}
