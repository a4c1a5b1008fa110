/**
 * Swift timestamps: seconds since the epoch with five decimals ("1700000000.12345"), as Swift's
 * `Timestamp.normal`. They order every write (last writer wins), so they must be strictly increasing
 * within a process even when the clock has coarse resolution.
 */
let lastIssued = 0;

/** A new timestamp in units of 10 µs, strictly greater than any issued before by this process. */
export function newTimestamp(): number {
  const now = Math.floor(Date.now() * 100); // 10 µs units
  lastIssued = now > lastIssued ? now : lastIssued + 1;
  return lastIssued / 100_000;
}

/** "1700000000.12345" */
export function formatTimestamp(seconds: number): string {
  return seconds.toFixed(5).padStart(16, '0');
}

/** Formatting a date is costly and answers and listings repeat the same seconds: the last one is kept. */
let lastHttpDate = { second: NaN, text: '' };
let lastIsoSecond = { second: NaN, text: '' };

/** Swift's Last-Modified: the timestamp rounded up to the next whole second, as an HTTP date. */
export function httpDate(seconds: number): string {
  const second = Math.ceil(seconds);
  if (second !== lastHttpDate.second) lastHttpDate = { second, text: new Date(second * 1000).toUTCString() };
  return lastHttpDate.text;
}

/** Listing `last_modified`: ISO 8601 with microseconds and no zone ("2024-05-01T12:00:00.123450"). */
export function isoMicros(seconds: number): string {
  const second = Math.floor(Math.floor(seconds * 1000) / 1000);
  if (second !== lastIsoSecond.second) lastIsoSecond = { second, text: new Date(second * 1000).toISOString().slice(0, 19) };
  const iso = lastIsoSecond.text;
  const micros = Math.round((seconds - Math.floor(seconds)) * 1_000_000) % 1_000_000;
  return `${iso}.${String(micros).padStart(6, '0')}`;
}

/** Parses an HTTP date (RFC 1123 and the forms Date.parse accepts); undefined when not a date. */
export function parseHttpDate(value: string): number | undefined {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}
