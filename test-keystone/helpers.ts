/**
 * Helpers for the Keystone interop tier: the credentials written by scripts/keystone/start.sh,
 * tokens issued by that Keystone, a Swiftlet started in identity mode `keystone`, and a TCP
 * forwarder between Swiftlet and Keystone that can count Keystone calls and play "Keystone down".
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, freePort } from '../test/helpers/server.js';

export interface KeystoneUser {
  user_id: string;
  password: string;
  project: string;
  project_id: string;
  domain: string;
  roles: string[];
}

export interface KeystoneCredentials {
  auth_url: string;
  token_expiration: number;
  users: Record<string, KeystoneUser>;
}

export function credentialsFile(): string {
  return process.env.SWIFTLET_KEYSTONE_CREDENTIALS
    ?? `/tmp/swiftlet-keystone-${process.env.KEYSTONE_PORT ?? '35357'}/credentials.json`;
}

export function loadCredentials(): KeystoneCredentials {
  const file = credentialsFile();
  if (!existsSync(file)) throw new Error(`${file} is missing: run scripts/keystone/start.sh first`);
  return JSON.parse(readFileSync(file, 'utf8')) as KeystoneCredentials;
}

export interface IssuedToken {
  token: string;
  expiresAt: number;
  projectId: string;
  roles: string[];
}

/** `POST /v3/auth/tokens` (password, project-scoped) directly at Keystone, as a client would. */
export async function issueToken(authUrl: string, user: string, password: string, project: string): Promise<IssuedToken> {
  const res = await fetch(`${authUrl}/auth/tokens?nocatalog`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
        scope: { project: { name: project, domain: { name: 'Default' } } },
      },
    }),
  });
  const body = await res.json() as { token: { expires_at: string; project: { id: string }; roles: { name: string }[] } };
  const token = res.headers.get('x-subject-token');
  if (res.status !== 201 || !token) throw new Error(`Keystone login of ${user} failed: ${res.status}`);
  return {
    token,
    expiresAt: Date.parse(body.token.expires_at.replace(/\.\d+Z$/, 'Z')) / 1000,
    projectId: body.token.project.id,
    roles: body.token.roles.map((r) => r.name),
  };
}

/** Revokes a token at Keystone (`DELETE /v3/auth/tokens`, the token revoking itself). */
export async function revokeToken(authUrl: string, token: string): Promise<number> {
  const res = await fetch(`${authUrl}/auth/tokens`, { method: 'DELETE', headers: { 'x-auth-token': token, 'x-subject-token': token } });
  await res.arrayBuffer();
  return res.status;
}

/**
 * A TCP forwarder in front of Keystone. `calls` counts HTTP requests by their request line
 * (`POST /v3/auth/tokens`, `GET /v3/auth/tokens`); `down()` stops listening (connection refused),
 * `hang()` accepts connections and never answers, `up()` forwards again on the same port.
 */
export class KeystoneForwarder {
  /** login: POST /v3/auth/tokens; validate: GET; confirm: HEAD (Swiftlet checking its own token); s3tokens: POST /v3/s3tokens. */
  calls = { login: 0, validate: 0, confirm: 0, s3tokens: 0 };
  /** Keystone answers 401 (e.g. to an expired service token); Keystone closes every connection after one answer. */
  unauthorized = 0;
  private server: Server | undefined;
  private mode: 'forward' | 'hang' = 'forward';
  private readonly sockets = new Set<Socket>();

  private constructor(readonly port: number, private readonly target: URL) {}

  static async start(authUrl: string): Promise<KeystoneForwarder> {
    const f = new KeystoneForwarder(await freePort(), new URL(authUrl));
    await f.up();
    return f;
  }

  get authUrl(): string {
    return `http://127.0.0.1:${this.port}${this.target.pathname}`;
  }

  async up(): Promise<void> {
    this.mode = 'forward';
    if (this.server) return;
    const server = createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => client.destroy());
      if (this.mode === 'hang') return;
      const upstream = createConnection({ host: this.target.hostname, port: Number(this.target.port) });
      this.sockets.add(upstream);
      upstream.on('close', () => { this.sockets.delete(upstream); client.destroy(); });
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      client.on('data', (chunk: Buffer) => {
        for (const m of chunk.toString('latin1').matchAll(/(?:^|\r\n\r\n)(GET|POST|HEAD) \/v3\/(auth\/tokens|s3tokens)/g)) {
          if (m[2] === 's3tokens') this.calls.s3tokens++;
          else if (m[1] === 'POST') this.calls.login++;
          else if (m[1] === 'HEAD') this.calls.confirm++;
          else this.calls.validate++;
        }
      });
      let firstAnswer = true;
      upstream.on('data', (chunk: Buffer) => {
        if (firstAnswer && /^HTTP\/1\.[01] 401 /.test(chunk.toString('latin1', 0, 16))) this.unauthorized++;
        firstAnswer = false;
      });
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  /** Keystone gone: nothing listens on the port any more, open connections are cut. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Keystone hanging: connections are accepted and never answered. */
  async hang(): Promise<void> {
    await this.up();
    this.mode = 'hang';
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    await this.down();
  }
}

export interface KeystoneSwiftlet {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `swiftlet serve` (one worker) in identity mode `keystone` with the given `[keystone]` and extra TOML. */
export async function startKeystoneSwiftlet(keystoneToml: string, extraToml = ''): Promise<KeystoneSwiftlet> {
  const dataDir = mkdtempSync(join(tmpdir(), 'swiftlet-ks-'));
  const configFile = `${dataDir}.toml`;
  writeFileSync(configFile, `[identity]\nmode = "keystone"\n\n[keystone]\n${keystoneToml}\n\n${extraToml}\n`);
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--data', dataDir, '--workers', '1', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${out}`)), 60_000);
    child.stdout?.on('data', () => { if (out.includes('Swiftlet listening')) { clearTimeout(timer); resolve(); } });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${out}`)); });
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(configFile, { force: true });
    },
  };
}
