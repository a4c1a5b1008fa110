/**
 * A typed Swift v1 client that can send a service token beside the user token (composite tokens).
 * Used by the tests, the benchmark and the image service. Bodies stream both ways; connections are
 * kept alive.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

export class SwiftClientError extends Error {
  constructor(readonly status: number, readonly method: string, readonly path: string, readonly body: string) {
    super(`${method} ${path} → ${status}${body ? `: ${body.slice(0, 200)}` : ''}`);
  }
}

export interface Credentials {
  storageUrl: string;
  token: string;
}

export interface SwiftResponseData {
  status: number;
  headers: Record<string, string>;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  query?: Record<string, string>;
  body?: Buffer | string | Readable;
  /** Statuses that are not an error for this call (default: any 2xx). */
  accept?: (status: number) => boolean;
}

function encodePath(...segments: string[]): string {
  return segments.map((s) => encodeURIComponent(s).replace(/%2F/g, '/')).join('/');
}

const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 256 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 256 }) };

/**
 * Closes every pooled keep-alive connection; the next requests open new ones. For callers that know
 * the pooled ones may be stale: bench:compare pauses the servers it is not measuring, and a request
 * sent on a connection the server closes at that moment fails ("socket hang up") without an answer.
 * Only between requests: it closes connections in use too.
 */
export function closePooledConnections(): void {
  agents.http.destroy();
  agents.https.destroy();
}

/** Low-level request against a full URL; resolves with the response stream (caller consumes it). */
export function rawRequest(method: string, url: string, headers: Record<string, string>, body?: Buffer | string | Readable): Promise<IncomingMessage> {
  const u = new URL(url);
  const isHttps = u.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (isHttps ? httpsRequest : httpRequest)(u, { method, headers, agent: isHttps ? agents.https : agents.http }, resolve);
    req.on('error', reject);
    if (body instanceof Readable) {
      // A body stream that fails must abort the request, not leave it open half-sent.
      body.once('error', (err) => req.destroy(err));
      body.pipe(req);
    }
    else req.end(body);
  });
}

async function drain(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function flatHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** `GET <authUrl>` with X-Auth-User / X-Auth-Key (v1.0 auth, as tempauth and Swiftlet speak it). */
export async function loginV1(authUrl: string, user: string, key: string): Promise<Credentials> {
  const res = await rawRequest('GET', authUrl, { 'x-auth-user': user, 'x-auth-key': key });
  const body = await drain(res);
  const token = res.headers['x-auth-token'];
  const storageUrl = res.headers['x-storage-url'];
  // Any 2xx: RGW's v1.0 auth answers 204, as python-swiftclient accepts.
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 299 || typeof token !== 'string' || typeof storageUrl !== 'string') {
    throw new SwiftClientError(res.statusCode ?? 0, 'GET', authUrl, body);
  }
  return { storageUrl, token };
}

export class SwiftClient {
  constructor(readonly credentials: Credentials, readonly serviceToken?: string) {}

  /** The same client aimed at another account (e.g. SERVICE_<project> next to AUTH_<project>). */
  forAccount(account: string): SwiftClient {
    const url = this.credentials.storageUrl.replace(/\/[^/]+$/, `/${encodeURIComponent(account)}`);
    return new SwiftClient({ ...this.credentials, storageUrl: url }, this.serviceToken);
  }

  private url(path: string, query?: Record<string, string>): string {
    const qs = query ? `?${new URLSearchParams(query).toString()}` : '';
    return `${this.credentials.storageUrl}${path ? `/${path}` : ''}${qs}`;
  }

  /** Sends a request; non-accepted statuses throw SwiftClientError. The body stream is returned unread. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<SwiftResponseData & { body: IncomingMessage }> {
    const headers: Record<string, string> = { 'x-auth-token': this.credentials.token, ...options.headers };
    if (this.serviceToken) headers['x-service-token'] = this.serviceToken;
    if (options.body === undefined && (method === 'PUT' || method === 'POST')) headers['content-length'] ??= '0';
    if (Buffer.isBuffer(options.body) || typeof options.body === 'string') headers['content-length'] = String(Buffer.byteLength(options.body));
    const res = await rawRequest(method, this.url(path, options.query), headers, options.body);
    const status = res.statusCode ?? 0;
    const ok = options.accept ? options.accept(status) : status >= 200 && status < 300;
    if (!ok) throw new SwiftClientError(status, method, path, await drain(res));
    return { status, headers: flatHeaders(res), body: res };
  }

  /** A request whose body is read and returned as a string. */
  async call(method: string, path: string, options: RequestOptions = {}): Promise<SwiftResponseData & { text: string }> {
    const r = await this.request(method, path, options);
    return { status: r.status, headers: r.headers, text: await drain(r.body) };
  }

  headAccount(): Promise<SwiftResponseData> {
    return this.call('HEAD', '');
  }

  async listContainers(query: Record<string, string> = {}): Promise<{ name: string; count: number; bytes: number }[]> {
    const r = await this.call('GET', '', { query: { format: 'json', ...query } });
    return JSON.parse(r.text || '[]') as { name: string; count: number; bytes: number }[];
  }

  putContainer(container: string, headers: Record<string, string> = {}): Promise<SwiftResponseData> {
    return this.call('PUT', encodePath(container), { headers });
  }

  deleteContainer(container: string): Promise<SwiftResponseData> {
    return this.call('DELETE', encodePath(container));
  }

  async listObjects(container: string, query: Record<string, string> = {}): Promise<({ name: string; bytes: number; hash: string } | { subdir: string })[]> {
    const r = await this.call('GET', encodePath(container), { query: { format: 'json', ...query } });
    return JSON.parse(r.text || '[]') as ({ name: string; bytes: number; hash: string } | { subdir: string })[];
  }

  putObject(container: string, name: string, body: Buffer | string | Readable, headers: Record<string, string> = {}): Promise<SwiftResponseData> {
    return this.call('PUT', encodePath(container, name), { body, headers });
  }

  /** Streams an object; the caller consumes `body`. */
  getObject(container: string, name: string, headers: Record<string, string> = {}): Promise<SwiftResponseData & { body: IncomingMessage }> {
    return this.request('GET', encodePath(container, name), { headers });
  }

  headObject(container: string, name: string): Promise<SwiftResponseData> {
    return this.call('HEAD', encodePath(container, name));
  }

  deleteObject(container: string, name: string): Promise<SwiftResponseData> {
    return this.call('DELETE', encodePath(container, name));
  }
}
