/**
 * The embedded store's free-space reserve (`[storage] reserved_bytes`, Swift's `fallocate_reserve`):
 * a write is refused when the free space left after it would be at or below the reserve, given in
 * bytes ("1073741824") or as a share of the filesystem ("1%"), with Swift's comparison
 * (`free - size <= reserve` refuses). The reserve is what lets a full store go on working: SQLite
 * still has room for the WAL frames of DELETEs and POSTs, which are never refused for space, and a
 * DELETE is how space comes back.
 *
 * Cheap on the hot path: statfs runs at most once per `freshMs` while the disk is far from the
 * reserve; in between, the bytes admitted since the last statfs are subtracted from what it saw, so
 * concurrent uploads cannot all claim the same free space. A refusal is only ever decided on a fresh
 * statfs, so writes are admitted again as soon as space comes back (a delete, a removed file).
 */
import { statfs } from 'node:fs/promises';
import { InsufficientStorageError, type SpaceGuard } from '../insufficient-storage.js';

export type Reserve = { bytes: number } | { percent: number };

/** Parses Swift's fallocate_reserve syntax: an integer byte count, or a number followed by "%". */
export function parseReserve(value: string): Reserve | undefined {
  const text = value.trim();
  if (text.endsWith('%')) {
    const body = text.slice(0, -1).trim();
    if (!/^\d+(\.\d+)?$/.test(body)) return undefined;
    const percent = Number(body);
    return percent <= 100 ? { percent } : undefined;
  }
  return /^\d+$/.test(text) ? { bytes: Number(text) } : undefined;
}

/** Whether a reserve keeps any space at all (0 and "0%" turn the check off, as in Swift). */
export function reserveEnabled(reserve: Reserve): boolean {
  return 'bytes' in reserve ? reserve.bytes > 0 : reserve.percent > 0;
}

interface DiskView {
  /** When statfs answered (ms, monotonic). */
  at: number;
  /** Bytes an unprivileged writer may still use, and the filesystem's size. */
  available: number;
  total: number;
}

export class FreeSpaceGuard implements SpaceGuard {
  private view?: DiskView;
  /** Bytes admitted since `view` was taken. */
  private admitted = 0;
  private refreshing?: Promise<DiskView>;

  constructor(private readonly dir: string, private readonly reserve: Reserve, private readonly freshMs = 1000) {}

  admit(bytes: number): void | Promise<void> {
    const view = this.view;
    if (view && performance.now() - view.at < this.freshMs && this.leavesReserve(view, bytes)) {
      this.admitted += bytes;
      return;
    }
    return this.admitFresh(bytes);
  }

  /** The reserve in bytes on this filesystem (for messages). */
  reserveBytes(total: number): number {
    return 'bytes' in this.reserve ? this.reserve.bytes : Math.ceil((total * this.reserve.percent) / 100);
  }

  private async admitFresh(bytes: number): Promise<void> {
    const view = await this.refresh();
    if (!this.leavesReserve(view, bytes)) {
      const left = view.available - this.admitted - bytes;
      throw new InsufficientStorageError(
        `writing ${bytes} bytes would leave ${Math.max(0, left)} bytes free on ${this.dir}, ` +
        `at or below the reserve of ${this.reserveBytes(view.total)} bytes ([storage] reserved_bytes)`);
    }
    this.admitted += bytes;
  }

  /** Swift's test: refused when the free space after the write is at or below the reserve. */
  private leavesReserve(view: DiskView, bytes: number): boolean {
    const freeAfter = view.available - this.admitted - bytes;
    if ('bytes' in this.reserve) return freeAfter > this.reserve.bytes;
    // A filesystem that reports no size cannot be judged in shares of it: nothing is refused then.
    return view.total === 0 || (freeAfter / view.total) * 100 > this.reserve.percent;
  }

  /** One statfs at a time; every caller waiting meanwhile shares its answer. */
  private refresh(): Promise<DiskView> {
    this.refreshing ??= statfs(this.dir).then((s) => {
      const view = { at: performance.now(), available: s.bavail * s.bsize, total: s.blocks * s.bsize };
      this.view = view;
      this.admitted = 0;
      return view;
    }).finally(() => { this.refreshing = undefined; });
    return this.refreshing;
  }
}
