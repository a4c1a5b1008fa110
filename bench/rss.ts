/** Peak resident memory of a server process and its children (worker processes), from /proc. */
import { readFileSync } from 'node:fs';
import { children } from './process-tree.js';

function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Samples every 200 ms; `stop()` returns the peaks in MiB (whole tree, and the largest single process). */
export function watchRss(pid: number): { stop(): { totalMiB: number; maxProcessMiB: number } } {
  let total = 0;
  let single = 0;
  const sample = () => {
    const pids = [pid, ...children(pid)];
    const each = pids.map(rssKiB);
    total = Math.max(total, each.reduce((a, b) => a + b, 0));
    single = Math.max(single, ...each);
  };
  sample();
  const timer = setInterval(sample, 200);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { totalMiB: Math.round(total / 1024), maxProcessMiB: Math.round(single / 1024) };
    },
  };
}
