/**
 * Raw HTTP/1.1 over a socket, for what fetch cannot send or hide: bytes outside ASCII in the request
 * line or headers, bodies without Content-Length, and the exact header list of a response.
 */
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
