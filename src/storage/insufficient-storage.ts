/**
 * Running out of disk. A write that would eat into the space kept in reserve, or that the disk
 * refused outright (ENOSPC, EDQUOT, SQLite's SQLITE_FULL), is a client-visible 507 Insufficient
 * Storage, as Swift's object server answers, never a 500: the request was fine, the store is full.
 * Reads and deletes are not refused for it; deletes are how space comes back.
 */
export class InsufficientStorageError extends Error {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`insufficient storage: ${detail}`, options);
    this.name = 'InsufficientStorageError';
  }
}

/** Admission of new bytes against the free space the store must keep (the embedded store's `[storage] reserved_bytes`). */
export interface SpaceGuard {
  /**
   * Throws InsufficientStorageError when writing `bytes` more would leave less free space than the
   * reserve. Returns nothing (no promise) when its recent view of the disk answers at once.
   */
  admit(bytes: number): void | Promise<void>;
}

const DISK_FULL_ERRNOS = new Set(['ENOSPC', 'EDQUOT']);

/** Whether an error says the disk (or the quota) is full: errno ENOSPC/EDQUOT or SQLite's SQLITE_FULL. */
export function isDiskFull(err: unknown): boolean {
  if (err instanceof InsufficientStorageError) return true;
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  return DISK_FULL_ERRNOS.has(code) || code === 'SQLITE_FULL' || code.startsWith('SQLITE_FULL_');
}
