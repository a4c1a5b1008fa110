/**
 * Progress of long work started from the command line (`swiftlet audit`, `swiftlet images audit`,
 * `swiftlet migrate`, `npm run bench`), shared so that they all look and behave alike.
 *
 * On a terminal: one bar redrawn in place (carriage return, at most every 200 ms) with the share
 * done, the caller's counts, the rate and the time left. Anywhere else (a log file, CI, a pipe): a
 * plain line every few seconds (5 by default), because carriage returns and escape codes make a log
 * unreadable and a line per item would flood it. Either way a final line when the work ends.
 *
 * Rate and time left come from the average since the start: the work these commands do (a
 * throttled audit, a copy, a fixed-length benchmark) runs at a steady pace, and an average does not
 * jump about the way a short window does.
 */

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Math.abs(n);
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${n < 0 ? '-' : ''}${u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

/** `7s`, `4m05s`, `2h03m`: short enough for a bar, exact enough for an estimate. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export interface ProgressOptions {
  /** Names the work on plain lines (`audit`, `migrate`, `bench put-small`). */
  label: string;
  /** Where the text goes (stderr, so that a command's report on stdout stays clean). */
  write: (text: string) => void;
  /** Draw a bar in place (a terminal) or print plain lines (anything else). */
  tty: boolean;
  /** How much work there is, in `unit`; 0 or absent: no share, no bar fill, no time left. */
  total?: number;
  /** `bytes` (shown as KiB, MiB…) or the noun of what is counted (`objects`, `images`, `s`). */
  unit: string;
  /** The rate's unit when it is not `unit` (a benchmark's bar fills with seconds, its rate is in ops). */
  rateUnit?: string;
  /** Milliseconds since some fixed moment; injected by tests. */
  now?: () => number;
  /** Plain lines at most this often (ms). */
  lineEveryMs?: number;
  /** Bar redraws at most this often (ms). */
  redrawEveryMs?: number;
}

/** What the caller reports: how far it is, its own counts to show, and (with `rateUnit`) what the rate counts. */
export interface ProgressState {
  done: number;
  /** The amount of work, when it became known only once the work had started (overrides the option). */
  total?: number;
  text?: string;
  rateCount?: number;
}

const BAR_WIDTH = 30;

export class ProgressBar {
  private readonly now: () => number;
  private readonly started: number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private barShown = false;

  constructor(private readonly o: ProgressOptions) {
    this.now = o.now ?? Date.now;
    this.started = this.now();
  }

  /** Reports progress; draws when a redraw (terminal) or a line (elsewhere) is due. */
  update(state: ProgressState): void {
    const now = this.now();
    const every = this.o.tty ? (this.o.redrawEveryMs ?? 200) : (this.o.lineEveryMs ?? 5000);
    if (now - this.lastDraw < every) return;
    this.lastDraw = now;
    this.draw(state, now, false);
  }

  /** A message on a line of its own; on a terminal the bar is cleared first and comes back with the next update. */
  log(line: string): void {
    this.o.write(`${this.o.tty && this.barShown ? '\r\x1b[K' : ''}${line}\n`);
    this.barShown = false;
    if (this.o.tty) this.lastDraw = Number.NEGATIVE_INFINITY;
  }

  /** The last state, always drawn, with the time taken instead of the time left; a terminal's bar is ended with a newline. */
  finish(state: ProgressState): void {
    this.draw(state, this.now(), true);
    if (this.o.tty) this.o.write('\n');
    this.barShown = false;
  }

  /** The text of one report at `now` (no carriage return, no newline): what `update` and `finish` draw. */
  render(state: ProgressState, now: number, finished = false): string {
    const elapsed = Math.max((now - this.started) / 1000, 0.001);
    const total = state.total ?? this.o.total ?? 0;
    const share = total > 0 ? Math.min(Math.max(state.done / total, 0), 1) : undefined;
    const parts: string[] = [];
    if (state.text) parts.push(state.text);
    // Within the first second a rate is mostly noise (one object read in 2 ms is not 500 objects/s),
    // and so is a time left computed from it; the final line always has the true average.
    const measured = finished || elapsed >= 1;
    parts.push(measured ? this.rate((this.o.rateUnit !== undefined ? state.rateCount ?? 0 : state.done) / elapsed) : 'rate ?');
    if (finished) parts.push(`took ${formatDuration(elapsed)}`);
    else if (total > 0 && state.done > 0 && measured) parts.push(`ETA ${formatDuration(Math.max(total - state.done, 0) / (state.done / elapsed))}`);
    else if (total > 0) parts.push('ETA ?');
    const percent = share !== undefined ? `${(share * 100).toFixed(0).padStart(3)}%` : '';
    if (!this.o.tty) return `${this.o.label}: ${percent ? `${percent.trim()} ` : ''}${parts.join(', ')}`;
    const filled = Math.round((share ?? (finished ? 1 : 0)) * BAR_WIDTH);
    return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]${percent ? ` ${percent}` : ''} ${this.o.label}: ${parts.join(', ')}`;
  }

  private rate(perSecond: number): string {
    const unit = this.o.rateUnit ?? this.o.unit;
    if (unit === 'bytes') return `${formatBytes(perSecond)}/s`;
    return `${perSecond < 10 ? perSecond.toFixed(1) : Math.round(perSecond)} ${unit}/s`;
  }

  private draw(state: ProgressState, now: number, finished: boolean): void {
    const text = this.render(state, now, finished);
    if (this.o.tty) {
      this.o.write(`\r${text}\x1b[K`);
      this.barShown = true;
    } else {
      this.o.write(`${text}\n`);
    }
  }
}

/** The bar for stderr: drawn when stderr is a terminal, plain lines otherwise. */
export function stderrProgress(options: Omit<ProgressOptions, 'write' | 'tty'>): ProgressBar {
  return new ProgressBar({ ...options, write: (text) => { process.stderr.write(text); }, tty: process.stderr.isTTY === true });
}
