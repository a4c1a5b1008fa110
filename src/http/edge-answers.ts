/**
 * Answers the edge gives itself, for a request whose handler is stuck waiting for the client: a
 * request body that stops arriving (408, Swift's client_timeout) or whose chunked framing is broken
 * (400). The answer goes out through the request's own ServerResponse with `Connection: close`;
 * the connection then closes, which fails the handler's read of the body, so that an upload stores
 * nothing (the handler's own answer comes too late and is dropped by writeResponse).
 *
 * The client timeout is the socket's idle timeout (one timer per connection that Node re-arms on
 * every read and write, nothing per request): when it fires the connection is either idle between
 * requests (closed), waiting for a body (408), not reading an answer (cut), or waiting for the
 * server itself (left alone: the client is not at fault).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { newTransId } from './context.js';
import { defaultErrorBody } from './status.js';

type ServerSocket = Socket & { _httpMessage?: ServerResponse | null };

/** Answers `status` now if nothing was sent yet, then closes the connection once the answer is out. */
export function answerAndClose(res: ServerResponse, status: number): void {
  const socket = res.socket;
  if (!res.headersSent) {
    const body = defaultErrorBody(status);
    const transId = newTransId();
    res.writeHead(status, {
      'Content-Type': 'text/html; charset=UTF-8', 'Content-Length': String(Buffer.byteLength(body)),
      'X-Trans-Id': transId, 'X-Openstack-Request-Id': transId, Connection: 'close',
    });
    res.end(body);
  }
  if (socket && !socket.destroyed) {
    if (res.writableFinished) closeWhenFlushed(socket);
    else {
      res.once('finish', () => closeWhenFlushed(socket));
      res.once('close', () => closeWhenFlushed(socket));
    }
  }
}

/**
 * Closes the connection once its queued bytes are out. A connection whose request line held raw
 * non-ASCII bytes is re-fed to the server through a plain Duplex (client-errors.ts, reinject), which
 * has no destroySoon: calling it there threw out of an event handler and killed the process.
 */
function closeWhenFlushed(socket: Socket): void {
  if (typeof socket.destroySoon === 'function') { socket.destroySoon(); return; }
  if (!socket.writableEnded) socket.end(() => socket.destroy());
}

/** Whether a handler has taken up the request body and not all of it has arrived. */
function readingBody(req: IncomingMessage): boolean {
  return !req.complete && req.readableFlowing !== null;
}

/**
 * Whether the server itself holds the body back: its buffer is full because the handler is not
 * reading (its backend is slow: a part going up to S3, a disk). The client's silence is then ours,
 * as Swift's proxy only times out its own reads.
 */
function holdingBody(req: IncomingMessage): boolean {
  return req.readableLength >= req.readableHighWaterMark;
}

/**
 * Connections whose body the server was holding back at their last silent period. When the server
 * takes up the body again, the client's bytes may not have arrived yet at the very moment the next
 * period ends: such a connection gets one more whole period before its silence is the client's.
 */
const heldBack = new WeakSet<ServerSocket>();

/** The server's 'timeout' listener: the connection has been silent for client_timeout. */
export function onClientTimeout(socket: ServerSocket, timeoutMs: number): void {
  const res = socket._httpMessage;
  if (!res) {
    // Idle between requests (or before the first): nothing is lost by closing.
    socket.destroy();
    return;
  }
  if (!res.headersSent && readingBody(res.req)) {
    if (holdingBody(res.req)) heldBack.add(socket);
    else if (!heldBack.delete(socket)) {
      answerAndClose(res, 408);
      return;
    }
    socket.setTimeout(timeoutMs);
    return;
  }
  if (res.headersSent && !res.writableFinished) {
    // The answer is not being read: the connection is only holding a descriptor.
    socket.destroy();
    return;
  }
  // The server is still working on the request (or waiting for a handler to read the body after
  // 100 Continue): watch the next silent period.
  socket.setTimeout(timeoutMs);
}
