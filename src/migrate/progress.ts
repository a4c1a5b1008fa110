/**
 * Migration progress: a bar redrawn in place on a terminal (objects, bytes, rate), plain lines every
 * few seconds otherwise (logs, CI), so a long copy shows it is alive either way.
 */
export interface ProgressCounts {
  objects: number;
  bytes: number;
  copied: number;
  skipped: number;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

export class Progress {
  readonly done: ProgressCounts = { objects: 0, bytes: 0, copied: 0, skipped: 0 };
  private readonly started = Date.now();
  private lastDraw = 0;
  private drawnObjects = -1;

  constructor(
    private readonly total: { objects: number; bytes: number },
    private readonly write: (text: string) => void,
    private readonly tty: boolean,
    private readonly lineEveryMs = 5000,
  ) {}

  /** Bytes of an object still being copied (so that a large object moves the bar as it streams). */
  streamed(bytes: number): void {
    this.done.bytes += bytes;
    const now = Date.now();
    if (now - this.lastDraw >= (this.tty ? 200 : this.lineEveryMs)) this.draw(now);
  }

  /** One object handled: copied (its bytes moved) or skipped (already there); `streamedAlready` of its bytes were reported by `streamed`. */
  object(bytes: number, copied: boolean, streamedAlready = 0): void {
    this.done.objects++;
    this.done.bytes += bytes - streamedAlready;
    if (copied) this.done.copied++; else this.done.skipped++;
    const now = Date.now();
    if (now - this.lastDraw >= (this.tty ? 200 : this.lineEveryMs)) this.draw(now);
  }

  finish(): void {
    if (this.drawnObjects !== this.done.objects) this.draw(Date.now());
    if (this.tty) this.write('\n');
  }

  private draw(now: number): void {
    this.lastDraw = now;
    this.drawnObjects = this.done.objects;
    const d = this.done;
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const rate = `${formatBytes(d.bytes / seconds)}/s`;
    const text = `${d.objects}/${this.total.objects} objects, ${formatBytes(d.bytes)}/${formatBytes(this.total.bytes)}, ${rate} (${d.copied} copied, ${d.skipped} already there)`;
    if (!this.tty) {
      this.write(`migrate: ${text}\n`);
      return;
    }
    const share = this.total.bytes > 0 ? d.bytes / this.total.bytes : (this.total.objects > 0 ? d.objects / this.total.objects : 1);
    const width = 30;
    const filled = Math.min(width, Math.round(share * width));
    this.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${text}\x1b[K`);
  }
}
