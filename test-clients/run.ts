/** Runs a real client program and collects what it printed, with the client's own env vars removed. */
import { spawn } from 'node:child_process';

export interface Run { code: number | null; stdout: string; stderr: string }

/** The environment without variables whose names match `drop` (ST_ and OS_ ones for swift, RCLONE_ ones for rclone). */
export function envWithout(drop: RegExp): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !drop.test(k)) env[k] = v;
  return env;
}

export function runCommand(command: string, args: string[], options: { cwd: string; env: Record<string, string> }): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}
