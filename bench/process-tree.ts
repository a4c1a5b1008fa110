/** Processes of a server: a PID and its descendants (worker processes, forked helpers), from /proc. */
import { readFileSync, readdirSync } from 'node:fs';

export function children(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const list = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (list) out.push(...list.split(/\s+/).map(Number));
    }
  } catch { /* gone */ }
  return out;
}

/** `pid` first, then every descendant, parents before their children. */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...children(out[i] ?? 0));
  return out;
}

/**
 * Stops (SIGSTOP) and continues (SIGCONT) the process trees of servers this harness started, so
 * that a server's background work (Swift's updaters, say) runs in its own measurements and not in
 * another server's. Parents are stopped before their children, so none forks a new one meanwhile.
 */
export class Pauser {
  private stopped: number[] = [];
  constructor(private readonly roots: () => number[]) {}

  pause(): void {
    for (const root of this.roots()) {
      for (const pid of processTree(root)) {
        try { process.kill(pid, 'SIGSTOP'); this.stopped.push(pid); } catch { /* already gone */ }
      }
    }
  }

  resume(): void {
    for (const pid of this.stopped) {
      try { process.kill(pid, 'SIGCONT'); } catch { /* already gone */ }
    }
    this.stopped = [];
  }
}
