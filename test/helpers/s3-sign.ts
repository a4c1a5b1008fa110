/**
 * Hand-made S3 signatures for tests (written from AWS's documentation, apart from the server's code):
 * SigV4 header and presigned, aws-chunked streaming bodies, SigV2 header and presigned. Each request
 * can be tampered with after signing.
 */
import { createHash, createHmac } from 'node:crypto';
import { request } from 'node:http';

export interface Creds { access: string; secret: string }

const sha256 = (d: string | Buffer) => createHash('sha256').update(d).digest('hex');
const hmac = (k: Buffer | string, d: string) => createHmac('sha256', k).update(d).digest();
const enc = (s: string, slash = false) => Array.from(Buffer.from(s, 'utf8'))
  .map((b) => { const c = String.fromCharCode(b); return /[A-Za-z0-9\-._~]/.test(c) || (slash && c === '/') ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`; }).join('');

export function amzDate(t: Date): string {
  return t.toISOString().replace(/[-:]|\.\d{3}/g, '');
}

function key(secret: string, date: string, region = 'us-east-1'): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), 's3'), 'aws4_request');
}

function canonicalQuery(query: Record<string, string>): string {
  return Object.entries(query).map(([k, v]) => [enc(k), enc(v)]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join('&');
}

export interface SignedRequest { method: string; path: string; query: Record<string, string>; headers: Record<string, string>; body?: Buffer }

/** SigV4 in the Authorization header; `payloadHash` defaults to the body's SHA-256. */
export function signV4(c: Creds, host: string, method: string, path: string, opts: { query?: Record<string, string>; headers?: Record<string, string>; body?: Buffer; payloadHash?: string; time?: Date } = {}): SignedRequest & { signature: string; date: string } {
  const time = opts.time ?? new Date();
  const date = amzDate(time);
  const body = opts.body ?? Buffer.alloc(0);
  const headers: Record<string, string> = { host, 'x-amz-date': date, 'x-amz-content-sha256': opts.payloadHash ?? sha256(body), ...opts.headers };
  const names = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
  const canonical = [method, enc(path, true), canonicalQuery(opts.query ?? {}), names.map((n) => `${n}:${lower[n]!.trim()}\n`).join(''), names.join(';'), lower['x-amz-content-sha256']].join('\n');
  const scope = `${date.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const signature = createHmac('sha256', key(c.secret, date.slice(0, 8))).update(`AWS4-HMAC-SHA256\n${date}\n${scope}\n${sha256(canonical)}`).digest('hex');
  headers['authorization'] = `AWS4-HMAC-SHA256 Credential=${c.access}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return { method, path, query: opts.query ?? {}, headers, body, signature, date };
}

/** A presigned SigV4 URL's query. */
export function presignV4(c: Creds, host: string, method: string, path: string, expires: number, time = new Date()): Record<string, string> {
  const date = amzDate(time);
  const scope = `${date.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const query: Record<string, string> = {
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256', 'X-Amz-Credential': `${c.access}/${scope}`, 'X-Amz-Date': date,
    'X-Amz-Expires': String(expires), 'X-Amz-SignedHeaders': 'host',
  };
  const canonical = [method, enc(path, true), canonicalQuery(query), `host:${host}\n`, 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  query['X-Amz-Signature'] = createHmac('sha256', key(c.secret, date.slice(0, 8))).update(`AWS4-HMAC-SHA256\n${date}\n${scope}\n${sha256(canonical)}`).digest('hex');
  return query;
}

/** An aws-chunked body of `data` in chunks of `size`, each signed in a chain from the seed signature. */
export function awsChunked(c: Creds, date: string, seed: string, data: Buffer, size: number): Buffer {
  const k = key(c.secret, date.slice(0, 8));
  const scope = `${date.slice(0, 8)}/us-east-1/s3/aws4_request`;
  let previous = seed;
  const parts: Buffer[] = [];
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size));
  chunks.push(Buffer.alloc(0));
  for (const chunk of chunks) {
    const sig = createHmac('sha256', k).update(['AWS4-HMAC-SHA256-PAYLOAD', date, scope, previous, sha256(''), sha256(chunk)].join('\n')).digest('hex');
    parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${sig}\r\n`), chunk, Buffer.from('\r\n'));
    previous = sig;
  }
  return Buffer.concat(parts);
}

/** SigV2 in the Authorization header. */
export function signV2(c: Creds, method: string, path: string, opts: { headers?: Record<string, string>; date?: Date } = {}): Record<string, string> {
  const headers: Record<string, string> = { date: (opts.date ?? new Date()).toUTCString(), ...opts.headers };
  const amz = Object.keys(headers).filter((h) => h.startsWith('x-amz-')).sort().map((h) => `${h}:${headers[h]}\n`).join('');
  const toSign = `${method}\n${headers['content-md5'] ?? ''}\n${headers['content-type'] ?? ''}\n${headers['date']}\n${amz}${path}`;
  headers['authorization'] = `AWS ${c.access}:${createHmac('sha1', c.secret).update(toSign).digest('base64')}`;
  return headers;
}

export function presignV2(c: Creds, method: string, path: string, expires: number): Record<string, string> {
  const toSign = `${method}\n\n\n${expires}\n${path}`;
  return { AWSAccessKeyId: c.access, Expires: String(expires), Signature: createHmac('sha1', c.secret).update(toSign).digest('base64') };
}

export interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** Sends exactly these headers and body (no client adding its own). */
export function send(port: number, r: { method: string; path: string; query?: Record<string, string>; headers: Record<string, string>; body?: Buffer }): Promise<Answer> {
  const qs = Object.entries(r.query ?? {}).map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: r.method, path: enc(r.path, true) + (qs ? `?${qs}` : ''), headers: { ...r.headers, 'content-length': String(r.body?.length ?? 0) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

export function errorCode(a: Answer): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(a.body)?.[1];
}
