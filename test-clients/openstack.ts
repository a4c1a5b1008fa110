/** Runs the real `openstack` CLI (Debian's python3-openstackclient) with nothing but the OS_* settings given. */
import { execFile } from 'node:child_process';

export interface OpenstackUser { user: string; password: string; project: string }
export interface OscRun { code: number; stdout: string; stderr: string }

/** Password authentication of a user in the default domain, scoped to a project by name. */
export function passwordAuth(creds: OpenstackUser): Record<string, string> {
  return {
    OS_USERNAME: creds.user, OS_PASSWORD: creds.password, OS_PROJECT_NAME: creds.project,
    OS_USER_DOMAIN_NAME: 'Default', OS_PROJECT_DOMAIN_NAME: 'Default',
  };
}

/** `openstack <args>` against the identity API at `${baseUrl}/v3`, run in `work` (also its HOME). */
export function runOpenstack(baseUrl: string, work: string, settings: Record<string, string>, args: string[]): Promise<OscRun> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, LANG: 'C.UTF-8',
    OS_AUTH_URL: `${baseUrl}/v3`, OS_IDENTITY_API_VERSION: '3', OS_INTERFACE: 'public', ...settings,
  };
  return new Promise((resolve) => {
    execFile('openstack', args, { env, cwd: work, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8') });
    });
  });
}

/** The output of `openstack <args> -f json`, parsed; an error naming the command when it is not JSON. */
export function parseOscJson<T>(args: string[], out: string): T {
  try {
    return JSON.parse(out) as T;
  } catch {
    throw new Error(`openstack ${args.join(' ')}: output is not JSON:\n${out}`);
  }
}
