/**
 * WAL upkeep that keeps the WAL's restarts off the event loop's critical path.
 *
 * SQLite starts the WAL over from its first frame only when a write begins while every frame is
 * already in the database. Under a steady stream of writes that never happens by itself: the
 * background checkpoint (checkpointer.ts) copies the frames written before it started, and the
 * writes committed while it ran are still in the WAL when the next write begins. The WAL then grew
 * until `wal_autocheckpoint` fired inside a commit, on the event loop: a copy of everything the
 * background checkpoint had not reached yet, an fsync of the WAL, one of the database and one more
 * of the WAL, 50-90 ms during which no request at all was served (strace on the reference VM: every
 * ~4 000 small PUTs, so more than once a second at put-small rates).
 *
 * Here, once a background checkpoint has copied everything it could and the WAL holds at least
 * RESTART_AFTER_FRAMES frames, object writes are held back (they queue; reads go on) while a second
 * background checkpoint copies the few frames committed during the first. The first write after
 * that finds the WAL fully copied and restarts it: the event loop pays one fsync of the WAL header
 * instead. No fsync is skipped: both checkpoints sync the WAL before and the database after copying,
 * as before. The hold lasts at most HOLD_LIMIT_MS: a checkpoint slower than that (a stalled disk)
 * goes on in the background while writes resume, and the WAL restarts at a later round.
 * `wal_autocheckpoint` stays as the bound for when restarts cannot happen (a reader holding an old
 * snapshot, or writes from worker processes, which this process cannot hold back).
 */
import type { CheckpointResult } from './checkpointer.js';

/** Below this the WAL is small enough (16 MiB of 4 KiB pages) to leave until the next round. */
export const RESTART_AFTER_FRAMES = 4096;
export const HOLD_LIMIT_MS = 200;

export interface WalRestartDeps {
  checkpoint(): Promise<CheckpointResult>;
  /** Holds object writes back until the returned function is called. */
  holdWrites(): () => void;
}

/** One round of upkeep: a checkpoint, and when the WAL is long and fully copied, a held catch-up so it restarts. */
export async function checkpointAndRestart(deps: WalRestartDeps): Promise<CheckpointResult> {
  const first = await deps.checkpoint();
  // A reader still on an old snapshot kept frames from being copied: the WAL cannot restart now anyway.
  if (first.walFrames < RESTART_AFTER_FRAMES || first.checkpointedFrames < first.walFrames) return first;
  const release = deps.holdWrites();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const catchUp = deps.checkpoint();
    const limit = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), HOLD_LIMIT_MS); });
    const second = await Promise.race([catchUp, limit]);
    // Writes resume either way. A catch-up still running finishes on its own; the next round shares
    // it (the checkpointer runs one at a time), so a failure surfaces there.
    if (second === undefined) catchUp.catch(() => undefined);
    return second ?? first;
  } finally {
    clearTimeout(timer);
    release();
  }
}
