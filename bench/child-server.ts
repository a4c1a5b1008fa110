/** A server for the benchmarks in a child process of its own: started, ready once it prints a marker, stopped by SIGTERM. */
import { spawn } from 'node:child_process';

export interface ChildServer {
  pid: number;
  /** SIGTERM, then waits for the exit (at once if it already exited). */
  stop(): Promise<void>;
}

/** Runs `node ARGS…`; resolves once its stdout shows `ready`, rejects if it exits before. */
export async function spawnServer(name: string, args: string[], ready: string, env: NodeJS.ProcessEnv = process.env): Promise<ChildServer> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
  await new Promise<void>((ok, fail) => {
    child.stdout?.on('data', (d: Buffer) => { if (d.toString().includes(ready)) ok(); });
    child.once('exit', (code) => fail(new Error(`${name} exited ${code}`)));
  });
  return {
    pid: child.pid ?? 0,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
