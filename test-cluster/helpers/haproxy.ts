/** Debian's haproxy as the cluster's front door in tests: round robin over nodes, health-checked, stopped by PID. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/server.js';

export interface FrontDoor {
  url: string;
  stop(): Promise<void>;
}

export async function startHaproxy(nodePorts: number[]): Promise<FrontDoor> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-haproxy-'));
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, `global
    maxconn 4096
defaults
    # tcp: clients get each node's HTTP answers exactly (http mode refuses or rewrites some edge
    # requests Swift clients send: invalid UTF-8 paths, hop-by-hop headers, odd transfer codings).
    mode tcp
    option redispatch
    retries 2
    timeout connect 2s
    timeout client 5m
    timeout server 5m
frontend swiftlet
    bind 127.0.0.1:${port}
    default_backend nodes
backend nodes
    balance roundrobin
    option httpchk GET /healthcheck
${nodePorts.map((p, i) => `    server node${i} 127.0.0.1:${p} check inter 500ms fall 2 rise 2`).join('\n')}
`);
  // -db: in the foreground, so the PID is haproxy's own.
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error('haproxy exited');
    try {
      if ((await fetch(`${url}/healthcheck`)).status === 200) break;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
