/** Reading access log lines back in tests: Swift's 21 space-separated fields, by name. */
import { existsSync, readFileSync } from 'node:fs';

export const SWIFT_FIELDS = [
  'client_ip', 'remote_addr', 'datetime', 'method', 'path', 'protocol', 'status_int', 'referer', 'user_agent', 'auth_token',
  'bytes_recvd', 'bytes_sent', 'client_etag', 'transaction_id', 'headers', 'request_time', 'source', 'log_info',
  'start_time', 'end_time', 'policy_index',
] as const;

export type SwiftLine = Record<(typeof SWIFT_FIELDS)[number], string>;

export function parseSwiftLine(line: string): SwiftLine {
  const parts = line.split(' ');
  if (parts.length !== SWIFT_FIELDS.length) throw new Error(`expected ${SWIFT_FIELDS.length} fields, got ${parts.length}: ${line}`);
  return Object.fromEntries(SWIFT_FIELDS.map((name, i) => [name, parts[i] ?? ''])) as SwiftLine;
}

export function readLines(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
}

/** Waits until `read()` holds lines matching `pick` (the log is written in batches, off the request's path). */
export async function waitForLines(read: () => string[], pick: (line: string) => boolean, count = 1, timeoutMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = read().filter(pick);
    if (found.length >= count) return found;
    if (Date.now() > deadline) throw new Error(`expected ${count} matching log lines, found ${found.length}:\n${read().join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
