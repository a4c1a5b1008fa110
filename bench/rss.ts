/** Peak resident memory of a server process and its children (worker processes), from /proc. */
import { readFileSync } from 'node:fs';
import { children, processTree } from './process-tree.js';

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

/**
 * CPU time (user + system, ms) a server process tree has used so far, from /proc: CPU per request
 * measured this way barely moves when other processes share the cores, unlike a rate.
 */
export function serverCpuMs(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    } catch { /* exited meanwhile */ }
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}
