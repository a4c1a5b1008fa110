/**
 * Raw HTTP/1.1 over a socket, for what fetch cannot send or hide: bytes outside ASCII in the request
 * line or headers, bodies without Content-Length, and the exact header list of a response.
 */
import { get } from 'node:http';
import { connect } from 'node:net';

export interface RawReply {
  status: number;
  /** Header lines as sent, in order (names as sent). */
  headerList: [string, string][];
  /** Lower-cased name → value (last one wins). */
  headers: Record<string, string>;
  body: Buffer;
}

/** Sends `request` bytes on a fresh connection and reads the first response (Content-Length framed). */
export function rawRequest(port: number, request: Buffer): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no complete response: ${data.toString('latin1')}`)); }, 10_000);
    const tryParse = (final: boolean) => {
      const end = data.indexOf('\r\n\r\n');
      if (end === -1) return false;
      const lines = data.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number((lines[0] ?? '').split(' ')[1]);
      const headerList: [string, string][] = lines.slice(1).map((l) => {
        const i = l.indexOf(':');
        return [l.slice(0, i), l.slice(i + 1).trim()];
      });
      const headers: Record<string, string> = {};
      for (const [k, v] of headerList) headers[k.toLowerCase()] = v;
      const length = Number(headers['content-length'] ?? 'NaN');
      const body = data.subarray(end + 4);
      if (!Number.isNaN(length) && body.length < length && !final) return false;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status, headerList, headers, body: Number.isNaN(length) ? body : body.subarray(0, length) });
      return true;
    };
    socket.on('data', (d: Buffer) => { data = Buffer.concat([data, d]); tryParse(false); });
    socket.on('end', () => { if (!tryParse(true)) { clearTimeout(timer); reject(new Error(`connection closed: ${data.toString('latin1')}`)); } });
    socket.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

/** Builds a request: the path and header values are given as bytes (Buffers) or ASCII strings. */
export function buildRequest(method: string, path: string | Buffer, headers: [string, string | Buffer][], body?: Buffer): Buffer {
  const parts: Buffer[] = [Buffer.from(`${method} `), Buffer.isBuffer(path) ? path : Buffer.from(path), Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\n')];
  for (const [k, v] of headers) parts.push(Buffer.from(`${k}: `), Buffer.isBuffer(v) ? v : Buffer.from(v), Buffer.from('\r\n'));
  parts.push(Buffer.from('\r\n'));
  if (body) parts.push(body);
  return Buffer.concat(parts);
}

/** One HTTP/1.1 connection kept open across requests, read reply by reply (Content-Length framed). */
export class RawConnection {
  private data = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private closedFlag = false;
  private readonly socket;

  private constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (d: Buffer) => { this.data = Buffer.concat([this.data, d]); this.waiter?.(); });
    this.socket.on('close', () => { this.closedFlag = true; this.waiter?.(); });
    this.socket.on('error', () => { this.closedFlag = true; this.waiter?.(); });
  }

  static open(port: number): Promise<RawConnection> {
    const c = new RawConnection(port);
    return new Promise((resolve, reject) => {
      c.socket.once('connect', () => resolve(c));
      c.socket.once('error', reject);
    });
  }

  /** Whether the server has closed the connection. */
  get closed(): boolean { return this.closedFlag; }

  write(bytes: Buffer | string): void { this.socket.write(bytes); }

  /** Waits until the server closes the connection (true) or `ms` pass (false). */
  async waitClosed(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.closedFlag && Date.now() < deadline) await this.wait(deadline - Date.now());
    return this.closedFlag;
  }

  /** Reads the next reply; a HEAD reply (no body whatever its Content-Length) needs `head`. */
  async reply(ms = 10_000, head = false): Promise<RawReply> {
    const deadline = Date.now() + ms;
    for (;;) {
      const end = this.data.indexOf('\r\n\r\n');
      if (end !== -1) {
        const lines = this.data.subarray(0, end).toString('latin1').split('\r\n');
        const headerList: [string, string][] = lines.slice(1).map((l) => {
          const i = l.indexOf(':');
          return [l.slice(0, i), l.slice(i + 1).trim()];
        });
        const headers: Record<string, string> = {};
        for (const [k, v] of headerList) headers[k.toLowerCase()] = v;
        const length = head ? 0 : Number(headers['content-length'] ?? '0');
        if (this.data.length >= end + 4 + length) {
          const body = this.data.subarray(end + 4, end + 4 + length);
          this.data = this.data.subarray(end + 4 + length);
          return { status: Number((lines[0] ?? '').split(' ')[1]), headerList, headers, body };
        }
      }
      if (this.closedFlag) throw new Error(`connection closed before a complete reply: ${this.data.toString('latin1')}`);
      if (Date.now() >= deadline) throw new Error(`no complete reply in ${ms} ms: ${this.data.toString('latin1')}`);
      await this.wait(deadline - Date.now());
    }
  }

  close(): void { this.socket.destroy(); }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.waiter = undefined; resolve(); }, Math.max(1, ms));
      this.waiter = () => { clearTimeout(timer); this.waiter = undefined; resolve(); };
    });
  }
}

export interface RawGet { status?: number; bytes: Buffer; complete: boolean }

/** A GET on a fresh connection that tells whether the body arrived complete or was cut. */
export function rawGet(url: string, token: string, headers: Record<string, string> = {}): Promise<RawGet> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let status: number | undefined;
    const done = (complete: boolean) => resolve({ ...(status !== undefined ? { status } : {}), bytes: Buffer.concat(chunks), complete });
    const req = get(url, { headers: { 'X-Auth-Token': token, ...headers }, agent: false }, (res) => {
      status = res.statusCode;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(res.complete));
      res.on('error', () => done(false));
      res.on('aborted', () => done(false));
    });
    req.on('error', () => done(false));
  });
}
