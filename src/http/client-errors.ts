/**
 * Requests Node's HTTP parser refuses but Swift (eventlet) serves:
 *
 * - a request line whose path holds raw bytes outside ASCII (UTF-8 names sent unquoted, or bytes
 *   that are not UTF-8 at all): the bytes are percent-encoded and the connection is handed back to
 *   the server, so the request is answered like its quoted form (201, or 412 for bad UTF-8);
 * - an unknown method (`LICK`): 405 with the Allow list of the path's level, then close;
 * - garbage after a request that is still being answered (a body sent without Content-Length):
 *   the pending response goes out first, then the connection closes.
 *
 * A client that closes its side in the middle of a request body (gone mid-upload) has its connection
 * closed at once, so that the handler reading the body sees the read fail.
 */
import type { Server, ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';
import { newTransId } from './context.js';
import { answerAndClose } from './edge-answers.js';
import { defaultErrorBody } from './status.js';

type ParseError = NodeJS.ErrnoException & { rawPacket?: Buffer; bytesParsed?: number };

/** An answer written straight to the socket: the status line's rest (`405 Method Not Allowed`), headers, body. */
export interface RawAnswer { status: string; headers: Record<string, string>; body: string }

/**
 * Asked about a request with a method Node's parser refuses: an answer of its own (S3's XML 405 for
 * an S3 request), or undefined for Swift's. Gets the request target, the headers the edge could
 * read from the packet (names lower-cased) and the transaction id the answer will carry.
 */
export type UnknownMethodAnswer = (method: string, target: string, headers: Record<string, string>, transId: string) => RawAnswer | undefined;
type ServerSocket = Duplex & { _httpMessage?: ServerResponse };

// Bytes of the target are latin1 chars here: match "not a space", never \S (which skips U+0085, U+00A0).
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([^ ]+) (HTTP\/\d\.\d)$/;

/** The request line holding byte `at` of the packet: [start, end) offsets, end at its CR LF. */
function lineAround(packet: Buffer, at: number): [number, number] | undefined {
  const start = packet.lastIndexOf(0x0a, Math.max(0, at - 1)) + 1;
  const end = packet.indexOf('\r\n', start);
  return end === -1 ? undefined : [start, end];
}

function percentEncodeHighBytes(target: Buffer): string {
  let out = '';
  for (const b of target) out += b >= 0x80 || b < 0x21 ? `%${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b);
  return out;
}

/** Feeds `first` and then whatever else the client sends into a fresh server-side parser. */
function reinject(server: Server, socket: Duplex, first: Buffer): void {
  socket.removeAllListeners('data');
  socket.removeAllListeners('end');
  const wrapper = new Duplex({
    read() { socket.resume(); },
    write(chunk: Buffer, encoding, callback) { socket.write(chunk, encoding, callback); },
    final(callback) { socket.end(); callback(); },
    destroy(err, callback) { socket.destroy(err ?? undefined); callback(err); },
  });
  socket.on('data', (d: Buffer) => { if (!wrapper.push(d)) socket.pause(); });
  socket.on('end', () => wrapper.push(null));
  socket.on('close', () => wrapper.destroy());
  wrapper.push(first);
  server.emit('connection', wrapper);
}

function allowFor(target: string): string {
  const path = target.split('?')[0] ?? '';
  const depth = path.split('/').filter((p) => p !== '').length;
  return depth >= 4 ? 'COPY, DELETE, GET, HEAD, OPTIONS, POST, PUT' : 'DELETE, GET, HEAD, OPTIONS, POST, PUT';
}

/** The header lines after the request line [start, end) of the packet, as far as they were received. */
function packetHeaders(packet: Buffer, lineEnd: number): Record<string, string> {
  const end = packet.indexOf('\r\n\r\n', lineEnd);
  const text = packet.subarray(lineEnd + 2, end === -1 ? packet.length : end).toString('latin1');
  const headers: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return headers;
}

function respondAndClose(socket: Duplex, status: string, headers: Record<string, string>, body: string, transId = newTransId()): void {
  const lines = [`HTTP/1.1 ${status}`];
  const all = { ...headers, 'Content-Length': String(Buffer.byteLength(body)), 'X-Trans-Id': transId, 'X-Openstack-Request-Id': transId, Date: new Date().toUTCString(), Connection: 'close' };
  for (const [k, v] of Object.entries(all)) lines.push(`${k}: ${v}`);
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

export function handleClientError(server: Server, err: ParseError, socket: ServerSocket, unknownMethod?: UnknownMethodAnswer): void {
  const pending = socket._httpMessage;
  if (pending && !pending.req.complete && err.code === 'HPE_INVALID_EOF_STATE') {
    // The client closed its side in the middle of a request body, which can now never complete:
    // closing the socket fails the request's read (an upload then stores nothing). Waiting for the
    // answer, as below, would wait for ever on a handler that waits for the body.
    socket.destroy();
    return;
  }
  if (pending && !pending.req.complete && !pending.headersSent && err.code?.startsWith('HPE_')) {
    // The body's framing is broken (`zz` as a chunk size): the rest can never be read, so a handler
    // reading it is answered 400 now and the connection closes. A handler that has not started to
    // read may still refuse the request on its headers (501 for a bad Transfer-Encoding, 401): its
    // answer goes out unless it starts reading first.
    const req = pending.req;
    if (req.readableFlowing !== null) {
      answerAndClose(pending, 400);
      return;
    }
    const onListener = (event: string | symbol) => {
      if (event !== 'data' && event !== 'readable') return;
      req.off('newListener', onListener);
      queueMicrotask(() => answerAndClose(pending, 400));
    };
    req.on('newListener', onListener);
  }
  if (pending && !pending.writableFinished) {
    // end(), not destroy(): the answer may still sit in the socket's write queue.
    const close = () => { socket.end(); setTimeout(() => socket.destroy(), 5000).unref(); };
    pending.once('finish', close);
    pending.once('close', close);
    return;
  }
  const packet = err.rawPacket;
  const line = packet ? lineAround(packet, Math.min(err.bytesParsed ?? 0, packet.length)) : undefined;
  if (packet && line && (err.code === 'HPE_INVALID_URL' || err.code === 'HPE_INVALID_METHOD')) {
    const m = REQUEST_LINE.exec(packet.subarray(line[0], line[1]).toString('latin1'));
    if (m && err.code === 'HPE_INVALID_URL') {
      const targetStart = line[0] + (m[1] ?? '').length + 1;
      const targetEnd = targetStart + Buffer.byteLength(m[2] ?? '', 'latin1');
      const target = packet.subarray(targetStart, targetEnd);
      const encoded = Buffer.from(percentEncodeHighBytes(target), 'latin1');
      if (!encoded.equals(target)) {
        reinject(server, socket, Buffer.concat([packet.subarray(line[0], targetStart), encoded, packet.subarray(targetEnd)]));
        return;
      }
    }
    if (m && err.code === 'HPE_INVALID_METHOD') {
      const transId = newTransId();
      const own = unknownMethod?.(m[1] ?? '', m[2] ?? '', packetHeaders(packet, line[1]), transId);
      if (own) {
        respondAndClose(socket, own.status, own.headers, own.body, transId);
        return;
      }
      respondAndClose(socket, '405 Method Not Allowed', { 'Content-Type': 'text/html; charset=UTF-8', Allow: allowFor(m[2] ?? '') }, defaultErrorBody(405));
      return;
    }
  }
  if (socket.writable && err.code !== 'ECONNRESET') respondAndClose(socket, '400 Bad Request', { 'Content-Type': 'text/html; charset=UTF-8' }, defaultErrorBody(400));
  else socket.destroy();
}
