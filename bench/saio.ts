/**
 * OpenStack Swift as a one-node cluster (a "Swift all in one", SAIO), for the comparison benchmarks.
 * The SAIO scripts are not part of this repository (see README, "Comparing with OpenStack Swift"); any
 * directory with these three scripts will do:
 *   setup.sh   installs Debian's swift packages and writes the configuration under $SAIO_DIR, including
 *              $SAIO_DIR/etc/saio.env with PROXY_PORT=…, on the ports given in the environment below;
 *   start.sh   starts the processes and records each as `<pid>\n<command-line marker>` in $SAIO_DIR/run/*.pid;
 *   stop.sh    stops exactly those processes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `--start-swift DIR`: OpenStack Swift as a one-node cluster from the SAIO scripts in DIR: set up once
 * under SAIO_DIR (default /srv/saio) on ports that stay clear of Swiftlet's, then (re)started. Returns
 * its v1.0 auth URL.
 */
export function startSwift(scripts: string): { authUrl: string; pids: () => number[]; stop(): void } {
  const env = {
    ...process.env, SAIO_DIR: process.env['SAIO_DIR'] ?? '/srv/saio', PROXY_PORT: '28080', OBJ_PORT: '26210',
    CONT_PORT: '26211', ACCT_PORT: '26212', MEMCACHE_PORT: '21211',
  };
  const saioEnv = join(env.SAIO_DIR, 'etc', 'saio.env');
  if (!existsSync(saioEnv)) execFileSync(join(scripts, 'setup.sh'), { env, stdio: 'inherit' });
  execFileSync(join(scripts, 'start.sh'), { env, stdio: 'inherit' });
  const port = /PROXY_PORT=(\d+)/.exec(readFileSync(saioEnv, 'utf8'))?.[1] ?? '28080';
  return {
    authUrl: `http://127.0.0.1:${port}/auth/v1.0`,
    pids: () => saioPids(join(env.SAIO_DIR, 'run')),
    stop: () => { execFileSync(join(scripts, 'stop.sh'), { env, stdio: 'inherit' }); },
  };
}

/** The SAIO's processes, from the pid files start.sh writes (PID, then a string its command line must contain). */
function saioPids(runDir: string): number[] {
  const pids: number[] = [];
  for (const file of readdirSync(runDir).filter((f) => f.endsWith('.pid'))) {
    const [pid, marker] = readFileSync(join(runDir, file), 'utf8').split('\n');
    try {
      if (marker && readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(marker)) pids.push(Number(pid));
    } catch { /* not running */ }
  }
  return pids;
}
