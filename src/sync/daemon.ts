/**
 * The container sync daemon (Swift's swift-container-sync), run once per store (the jobs' lease in
 * a cluster): each pass goes over the containers that have `X-Container-Sync-To` and
 * `X-Container-Sync-Key`, and pushes to the remote container what changed since the container's
 * sync point, in the order it changed:
 * - a live object: HEAD on the remote first (as Swift does), and a PUT of its bytes, metadata,
 *   content type and timestamp unless the remote copy is as new already;
 * - a deleted object: a DELETE with the deletion's timestamp (404 and 409 count as done).
 * The point moves past each change pushed and is kept by the store, so a restart resumes where the
 * last pass stopped. A push the remote refuses keeps the point before it (the next pass retries it)
 * while later changes still go out; a remote that does not answer ends the container's pass.
 * A container seen for the first time (or whose X-Container-Sync-To changed) first has all its
 * objects pushed, as Swift starts a new target from the beginning; changes made meanwhile are in the
 * log after the horizon taken before that full pass, so none is missed.
 */
import type { ContainerSyncConfig } from '../config/schema.js';
import { allowedSyncHosts, resolveSyncTo } from '../middleware/container-sync/sync-to.js';
import { SyncRealms } from '../middleware/container-sync/realms.js';
import { parseSwiftTimestamp } from '../middleware/container-sync/container-sync.js';
import type { BlobStore, ContainerInfo, MetadataStore, ObjectChange, ObjectRecord } from '../storage/contracts.js';
import { formatTimestamp } from '../swift/timestamp.js';
import { symlinkClientHeaders } from '../middleware/symlink/symlink.js';
import { SYSMETA_VERSIONS_SYMLINK } from '../middleware/object-versioning/object-versioning.js';
import { remoteRequest, type RemoteContainer } from './remote.js';

/** Changes read from the log at a time (the point is saved after each batch). */
const BATCH = 500;

export interface SyncStats {
  puts: number;
  deletes: number;
  /** Objects the remote already had as new (HEAD), or changes superseded by later ones. */
  skips: number;
  failures: number;
}

/** `failed`: the remote answered with a refusal; `unreachable`: no answer at all. */
type Outcome = 'put' | 'deleted' | 'skipped' | 'failed' | 'unreachable';

export class ContainerSyncDaemon {
  private running: Promise<SyncStats> | undefined;
  private readonly realms: SyncRealms;
  private readonly hosts: string[];

  constructor(
    private readonly meta: MetadataStore,
    private readonly blobs: BlobStore,
    private readonly config: ContainerSyncConfig,
    private readonly log: (line: string) => void = (line) => console.log(line),
  ) {
    this.realms = new SyncRealms(config.realms);
    this.hosts = allowedSyncHosts(config);
  }

  /** One pass over every synced container; a pass asked for while one runs joins it (one at a time). */
  pass(): Promise<SyncStats> {
    this.running ??= this.runPass().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async runPass(): Promise<SyncStats> {
    const total: SyncStats = { puts: 0, deletes: 0, skips: 0, failures: 0 };
    for (const container of await this.meta.syncedContainers()) {
      const stats = await this.syncContainer(container);
      if (!stats) continue;
      total.puts += stats.puts; total.deletes += stats.deletes; total.skips += stats.skips; total.failures += stats.failures;
      if (stats.puts + stats.deletes + stats.skips + stats.failures > 0) {
        this.log(`container sync: ${container.account}/${container.name}: ${stats.puts} put, ${stats.deletes} deleted, ` +
          `${stats.skips} skipped, ${stats.failures} failed`);
      }
    }
    return total;
  }

  /** Undefined when the container is not synced (no key, or a target this cluster cannot resolve: Swift skips those too). */
  private async syncContainer(c: ContainerInfo): Promise<SyncStats | undefined> {
    const syncTo = c.metadata['x-container-sync-to'];
    const userKey = c.metadata['x-container-sync-key'];
    if (!syncTo || !userKey) return undefined;
    const resolved = resolveSyncTo(syncTo, this.hosts, this.realms);
    if (!('target' in resolved)) return undefined;
    const remote: RemoteContainer = { target: resolved.target, userKey, timeoutMs: this.config.request_timeout * 1000 };
    const stats: SyncStats = { puts: 0, deletes: 0, skips: 0, failures: 0 };
    const count = (o: Outcome): boolean => {
      if (o === 'put') stats.puts++;
      else if (o === 'deleted') stats.deletes++;
      else if (o === 'skipped') stats.skips++;
      else stats.failures++;
      return o !== 'failed' && o !== 'unreachable';
    };

    let point = await this.meta.getSyncPoint(c.account, c.name);
    if (!point || point.syncTo !== syncTo) {
      const horizon = await this.meta.changeHorizon(c.account, c.name);
      if (!(await this.fullPass(c, remote, count))) return stats;
      point = { syncTo, seq: horizon };
      await this.meta.setSyncPoint(c.account, c.name, point);
    }
    // As Swift's sync_point2: the point stays before the first change that failed (retried next
    // pass), but the changes after it are pushed now, so one object the remote refuses for good
    // does not hold up the rest. An unreachable remote ends the container's pass at once.
    let failedAt: number | undefined;
    let after = point.seq;
    for (;;) {
      const horizon = await this.meta.changeHorizon(c.account, c.name);
      const changes = await this.meta.containerChanges(c.account, c.name, after, horizon, BATCH);
      if (changes.length === 0) return stats;
      let unreachable = false;
      for (const change of changes) {
        const outcome = await this.applyChange(c, remote, change);
        count(outcome);
        if (outcome === 'failed' || outcome === 'unreachable') failedAt ??= change.seq;
        if (outcome === 'unreachable') { unreachable = true; break; }
        after = change.seq;
      }
      const done = failedAt === undefined ? after : failedAt - 1;
      if (done > point.seq) {
        point = { syncTo, seq: done };
        await this.meta.setSyncPoint(c.account, c.name, point);
      }
      if (unreachable || changes.length < BATCH) return stats;
    }
  }

  /** Pushes every object of the container; false when one failed (the next pass starts over, cheaply: HEADs skip what is there). */
  private async fullPass(c: ContainerInfo, remote: RemoteContainer, count: (o: Outcome) => boolean): Promise<boolean> {
    let marker: string | undefined;
    let complete = true;
    for (;;) {
      const page = await this.meta.listObjects(c.account, c.name, { limit: BATCH, ...(marker === undefined ? {} : { marker }) });
      for (const entry of page) {
        if ('subdir' in entry) continue;
        marker = entry.name;
        const rec = await this.meta.getObject(c.account, c.name, entry.name);
        const outcome = rec ? await this.pushObject(remote, rec) : 'skipped';
        if (!count(outcome)) complete = false;
        if (outcome === 'unreachable') return false;
      }
      if (page.length < BATCH) return complete;
    }
  }

  private async applyChange(c: ContainerInfo, remote: RemoteContainer, change: ObjectChange): Promise<Outcome> {
    const rec = await this.meta.getObject(c.account, c.name, change.name);
    if (change.deleted) {
      // Written again since: that write is a later change of the log.
      if (rec) return 'skipped';
      return this.pushDelete(remote, change);
    }
    // Gone since: its deletion is a later change of the log. Written again since: pushed as it is now.
    if (!rec) return 'skipped';
    return this.pushObject(remote, rec);
  }

  private async pushDelete(remote: RemoteContainer, change: ObjectChange): Promise<Outcome> {
    try {
      const res = await remoteRequest(remote, 'DELETE', change.name, { 'x-timestamp': formatTimestamp(change.timestamp) });
      if ((res.status >= 200 && res.status < 300) || res.status === 404 || res.status === 409) return 'deleted';
      this.log(`container sync: DELETE ${remote.target.url}/${change.name}: ${res.status}`);
      return 'failed';
    } catch (err) {
      this.log(`container sync: ${(err as Error).message}`);
      return 'unreachable';
    }
  }

  private async pushObject(remote: RemoteContainer, rec: ObjectRecord): Promise<Outcome> {
    // Expiring: the expirer's delete will be a change of its own; the remote would refuse a past X-Delete-At.
    if (rec.deleteAt !== undefined && rec.deleteAt <= Date.now() / 1000) return 'skipped';
    // Object versioning's link to the current version is that feature's own, as Swift skips it.
    if (rec.metadata[SYSMETA_VERSIONS_SYMLINK] !== undefined) return 'skipped';
    const timestamp = formatTimestamp(rec.timestamp);
    try {
      const head = await remoteRequest(remote, 'HEAD', rec.name, { 'x-timestamp': timestamp });
      if (head.status >= 200 && head.status < 300) {
        const remoteTs = parseSwiftTimestamp(String(head.headers['x-timestamp'] ?? '0')) ?? 0;
        if (remoteTs >= rec.timestamp) return 'skipped';
      } else if (head.status !== 404) {
        this.log(`container sync: HEAD ${remote.target.url}/${rec.name}: ${head.status}`);
        return 'failed';
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(rec.metadata)) {
        // Sysmeta never crosses a proxy (the remote's gatekeeper would drop it).
        if (!name.startsWith('x-object-sysmeta-')) headers[name] = value;
      }
      // A symlink stays a symlink (its target is stored as sysmeta, shown to clients as these).
      Object.assign(headers, symlinkClientHeaders(rec.metadata));
      Object.assign(headers, {
        // As Swift's clean_content_type: a manifest's `;swift_bytes=` is the store's, not the client's.
        'content-type': rec.contentType.replace(/;\s*swift_bytes=\d+\s*$/, ''), etag: rec.etag, 'content-length': String(rec.size), 'x-timestamp': timestamp,
      });
      if (rec.deleteAt !== undefined) headers['x-delete-at'] = String(Math.floor(rec.deleteAt));
      const res = await this.putWithBody(remote, rec, headers);
      if (res === 'gone') return 'skipped';
      if (res >= 200 && res < 300) return 'put';
      this.log(`container sync: PUT ${remote.target.url}/${rec.name}: ${res}`);
      return 'failed';
    } catch (err) {
      this.log(`container sync: ${(err as Error).message}`);
      return 'unreachable';
    }
  }

  private async putWithBody(remote: RemoteContainer, rec: ObjectRecord, headers: Record<string, string>): Promise<number | 'gone'> {
    if (rec.inline !== undefined || rec.blobId === '') {
      return (await remoteRequest(remote, 'PUT', rec.name, headers, { buffer: rec.inline ?? Buffer.alloc(0) })).status;
    }
    const reader = await this.blobs.open(rec.blobId);
    // Replaced or deleted since it was read: a later change of the log pushes what is there now.
    if (!reader) return 'gone';
    try {
      return (await remoteRequest(remote, 'PUT', rec.name, headers, { stream: reader.stream(0, rec.size - 1) })).status;
    } finally {
      await reader.close();
    }
  }
}
