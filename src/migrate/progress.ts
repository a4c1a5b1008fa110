/**
 * Migration progress: the counts of a copy (objects, bytes, copied or already there), drawn by the
 * shared progress bar (src/cli/progress.ts): a bar on a terminal, plain lines every few seconds
 * otherwise, so a long copy shows it is alive either way.
 */
import { formatBytes, ProgressBar } from '../cli/progress.js';

export { formatBytes };

export interface ProgressCounts {
  objects: number;
  bytes: number;
  copied: number;
  skipped: number;
}

export class Progress {
  readonly done: ProgressCounts = { objects: 0, bytes: 0, copied: 0, skipped: 0 };
  private readonly bar: ProgressBar;
  /** The bar fills with bytes; a store of empty objects only fills it with objects. */
  private readonly byBytes: boolean;

  constructor(
    private readonly total: { objects: number; bytes: number },
    write: (text: string) => void,
    tty: boolean,
    lineEveryMs = 5000,
  ) {
    this.byBytes = total.bytes > 0;
    this.bar = new ProgressBar({
      label: 'migrate', write, tty, lineEveryMs,
      unit: this.byBytes ? 'bytes' : 'objects', total: this.byBytes ? total.bytes : total.objects,
    });
  }

  /** Bytes of an object still being copied (so that a large object moves the bar as it streams). */
  streamed(bytes: number): void {
    this.done.bytes += bytes;
    this.bar.update(this.state());
  }

  /** One object handled: copied (its bytes moved) or skipped (already there); `streamedAlready` of its bytes were reported by `streamed`. */
  object(bytes: number, copied: boolean, streamedAlready = 0): void {
    this.done.objects++;
    this.done.bytes += bytes - streamedAlready;
    if (copied) this.done.copied++; else this.done.skipped++;
    this.bar.update(this.state());
  }

  finish(): void {
    this.bar.finish(this.state());
  }

  private state(): { done: number; text: string } {
    const d = this.done;
    return {
      done: this.byBytes ? d.bytes : d.objects,
      text: `${d.objects}/${this.total.objects} objects, ${formatBytes(d.bytes)}/${formatBytes(this.total.bytes)} ` +
        `(${d.copied} copied, ${d.skipped} already there)`,
    };
  }
}
