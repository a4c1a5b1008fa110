/**
 * CPU time of groups of processes, from /proc/<pid>/stat (user + system, every thread of the
 * process): read before and after a workload, the difference divided by the requests served is
 * the CPU cost per request of each part of a deployment.
 */
import { readFileSync } from 'node:fs';
import { processTree } from './process-tree.js';

/** Clock ticks per second of /proc's times (USER_HZ; 100 on Linux for every architecture Node runs on). */
const TICKS_PER_SECOND = 100;

function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime + stime, and cutime + cstime: the children it reaped (PostgreSQL's backends end with
    // their connections). A child that ends between two snapshots is counted live in the first and
    // in its parent's cutime in the second, so the difference stays right.
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
  } catch {
    return 0; // gone
  }
}

export interface ProcessGroup {
  name: string;
  /** The group's root PIDs, read each time (a restarted server has a new one); descendants are included. */
  roots: () => number[];
}

/** CPU seconds per group, summed over each root's process tree. */
export function cpuSnapshot(groups: readonly ProcessGroup[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const g of groups) {
    let total = 0;
    for (const root of g.roots()) for (const pid of processTree(root)) total += cpuSecondsOf(pid);
    out.set(g.name, total);
  }
  return out;
}

export function cpuDelta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, end] of after) out.set(name, end - (before.get(name) ?? 0));
  return out;
}

/** A PID from a pid file (first line), or none when the file is missing or the process is gone. */
export function pidFromFile(file: string): number[] {
  try {
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]?.trim());
    if (!Number.isInteger(pid) || pid <= 0) return [];
    process.kill(pid, 0);
    return [pid];
  } catch {
    return [];
  }
}
