/**
 * The Ceph cluster of scripts/ceph/start.sh as the cluster tier sees it: S3 endpoint and keys from
 * the environment (S3_ENDPOINT, S3_REGION, S3_ACCESS_KEY, S3_SECRET_KEY), else from the env file the
 * script writes ($CEPH_DIR/env, default /tmp/swiftlet-ceph/env); and its failure switches
 * (scripts/ceph/osd.sh, scripts/ceph/rgw.sh: daemons stopped and started by PID).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPTS = resolve(import.meta.dirname, '../../../scripts/ceph');

export interface S3Endpoint {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** What scripts/ceph/start.sh wrote to $CEPH_DIR/env (empty when there is no such file). */
export function cephEnv(): Record<string, string> {
  const file = `${process.env.CEPH_DIR ?? '/tmp/swiftlet-ceph'}/env`;
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) out[m[1]] = m[2];
  }
  return out;
}

export function s3Endpoint(): S3Endpoint {
  const file = cephEnv();
  const pick = (name: string, fallback?: string): string => {
    const v = process.env[name] ?? file[name] ?? fallback;
    if (v === undefined) throw new Error(`${name} is not set and no Ceph env file was found: run scripts/ceph/start.sh`);
    return v;
  };
  return {
    endpoint: pick('S3_ENDPOINT'),
    region: pick('S3_REGION', 'us-east-1'),
    accessKeyId: pick('S3_ACCESS_KEY'),
    secretAccessKey: pick('S3_SECRET_KEY'),
  };
}

/** Whether the failure switches can work: our scripts' cluster, on this machine. */
export function cephScriptsAvailable(): boolean {
  return existsSync(`${process.env.CEPH_DIR ?? '/tmp/swiftlet-ceph'}/ceph.conf`);
}

async function script(name: string, ...args: string[]): Promise<void> {
  await run(resolve(SCRIPTS, name), args, { timeout: 360_000 });
}

/** Stops one OSD; resolves once every PG is active again on the two others. */
export const stopOsd = (id: number): Promise<void> => script('osd.sh', 'stop', String(id));
/** Starts one OSD; resolves once it is up and every PG is active+clean (recovered). */
export const startOsd = (id: number): Promise<void> => script('osd.sh', 'start', String(id));
export const stopRgw = (): Promise<void> => script('rgw.sh', 'stop');
export const startRgw = (): Promise<void> => script('rgw.sh', 'start');
