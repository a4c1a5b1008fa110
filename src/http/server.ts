/**
 * The Node HTTP edge: turns an IncomingMessage into a RequestContext, runs the pipeline, and writes
 * the SwiftResponse (streamed bodies with backpressure; HEAD without a body; transaction ids on
 * every response). `100 Continue` is sent only when a handler actually reads the body, so a request
 * refused early never uploads its body.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { handleClientError, type UnknownMethodAnswer } from './client-errors.js';
import { onClientTimeout } from './edge-answers.js';
import { makeContext } from './context.js';
import type { Handler } from './pipeline.js';
import type { RequestObserver } from '../observe/finished-request.js';
import type { SwiftResponse } from './response.js';
import { statusReason } from './status.js';
import { titleCase } from '../swift/headers.js';

function requestHasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Whether the answer goes out before the request body was read to its end: a body never handed out
 * (a refusal before the upload) or one a handler stopped reading (a limit hit in the middle). Node
 * would wait for the rest before the next request on the connection, so the connection must close.
 */
function bodyLeftUnread(req: IncomingMessage, taken: boolean): boolean {
  return requestHasBody(req) && (!taken || !req.complete);
}

/**
 * How long a refused upload's remaining body is read and thrown away before the 507 goes out. Most
 * Swift clients (python-swiftclient, anything on http.client or requests) send the whole body before
 * reading the answer: closing on them while they still send resets the connection, and they report
 * "connection reset" instead of "Insufficient Storage", and retry. Swift's server (eventlet) reads
 * and discards the rest of the body as well. A client still sending after this gets the answer
 * with the connection closed, as any refusal.
 */
const LINGER_MS = 10_000;

/** Whether body bytes are (or will be) still coming: not when a client waiting for `100 Continue` never got it. */
function clientIsSending(req: IncomingMessage, taken: boolean, expectsContinue: boolean): boolean {
  return requestHasBody(req) && !req.complete && !req.destroyed && (taken || !expectsContinue);
}

/** Reads and drops the rest of the request body, for at most `ms`. */
async function discardRestOfBody(req: IncomingMessage, ms: number): Promise<void> {
  await new Promise<void>((done) => {
    const timer = setTimeout(finish, ms);
    function finish(): void {
      clearTimeout(timer);
      req.off('end', finish).off('close', finish).off('error', finish);
      done();
    }
    req.on('end', finish).on('close', finish).on('error', finish);
    req.resume();
  });
}

/** An HTTP token (RFC 9110 tchar): the names a header can have. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** What went out: the status the client got and the body bytes handed to the connection. */
interface Sent {
  status: number;
  bytesOut: number;
}

/** What the edge itself answered (edge-answers.ts), for the log: its status and announced body. */
function edgeAnswer(res: ServerResponse): Sent {
  return { status: res.statusCode, bytesOut: Number(res.getHeader('content-length') ?? 0) || 0 };
}

/**
 * Writes the answer. `count` (set when the access log or metrics are on) asks for the streamed body
 * bytes to be counted as they go out, so an answer cut in the middle logs what was really sent.
 */
async function writeResponse(req: IncomingMessage, res: ServerResponse, r: SwiftResponse, transId: string, closeAfter: boolean, count: boolean): Promise<Sent> {
  if (res.headersSent) {
    // The edge answered already (edge-answers.ts: a stalled or malformed body); this answer is late.
    if (r.body instanceof Readable) r.body.destroy();
    return edgeAnswer(res);
  }
  const isHead = req.method === 'HEAD';
  const headers: Record<string, string | string[]> = {};
  // S3's own headers go out lower-case, as S3 (and Swift's s3api) send them: some clients (boto3)
  // keep the case of the `x-amz-meta-` names they hand back.
  for (const [k, v] of Object.entries(r.headers)) {
    // A name HTTP cannot carry (Node refuses to send it) is left out rather than failing the answer:
    // metadata stored with one, e.g. s3api's `X-Object-Meta-a=5fb` for the S3 name `a_b`.
    if (!HEADER_NAME.test(k)) continue;
    headers[k.startsWith('x-amz-') ? k : titleCase(k)] = v;
  }
  headers['X-Trans-Id'] = transId;
  headers['X-Openstack-Request-Id'] = transId;
  let body = r.body;
  if (typeof body === 'string') body = Buffer.from(body, 'utf8');
  if (!('Content-Length' in headers)) {
    if (body instanceof Buffer) headers['Content-Length'] = String(isHead ? 0 : body.length);
    else if (body === undefined) headers['Content-Length'] = '0';
  }
  if (isHead && r.status >= 400) headers['Content-Length'] = '0';
  // Node closes after this answer when the client asked (`Connection: close`, HTTP/1.0) or the server
  // is shutting down (shouldKeepAlive false): say so, as Swift does, or pooled clients reuse a socket
  // being closed. HTTP/1.1 connections persist by default: like Swift, say nothing unless the client
  // asked for keep-alive (removeHeader keeps Node from adding its own Keep-Alive header).
  if (closeAfter || !res.shouldKeepAlive) headers['Connection'] = 'close';
  else if (/\bkeep-alive\b/i.test(req.headers.connection ?? '')) headers['Connection'] = 'keep-alive';
  else res.removeHeader('Connection');
  // Statuses Node has no reason for (Swift's 497, 498) get Swift's (writeHead keeps a statusMessage set).
  if (STATUS_CODES[r.status] === undefined) res.statusMessage = statusReason(r.status);
  if (isHead || r.status === 204 || r.status === 304 || body === undefined) {
    res.writeHead(r.status, headers);
    if (body instanceof Readable) body.destroy();
    res.end();
    return { status: r.status, bytesOut: 0 };
  }
  if (body instanceof Buffer) {
    res.writeHead(r.status, headers);
    res.end(body);
    return { status: r.status, bytesOut: body.length };
  }
  // A stream that ends short of its Content-Length (a blob file shorter than its record) must not
  // end the answer as if complete: the client would wait for ever for the rest. Node then refuses
  // to end() it, and the connection is cut below.
  res.strictContentLength = true;
  res.writeHead(r.status, headers);
  let bytesOut = 0;
  // A second 'data' listener beside pipe's: it sees each chunk as pipe hands it to the socket, and
  // leaves flow control to pipe (pause() stops every listener alike).
  if (count && body instanceof Readable) body.on('data', (chunk: Buffer | string) => { bytesOut += chunk.length; });
  try {
    await pipeline(body, res, { end: false });
    res.end();
    return { status: r.status, bytesOut };
  } catch {
    // The client went away or the source failed mid-body: the status line is already sent, so the
    // only honest signal left is to cut the connection. Swift logs the first as 499, the second as 500.
    const clientGone = req.socket.destroyed;
    res.destroy();
    return { status: clientGone ? 499 : 500, bytesOut };
  }
}

/**
 * Counts the request body bytes as Node's parser hands them over (push), whether or not a handler
 * reads them all: no listener is added, so the body's flow is untouched.
 */
function countReceived(req: IncomingMessage): () => number {
  let received = 0;
  const push = req.push.bind(req);
  req.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (chunk instanceof Buffer) received += chunk.length;
    return push(chunk, encoding);
  };
  return () => received;
}

function badHost(): SwiftResponse {
  return { status: 400, headers: { 'content-type': 'text/plain; charset=UTF-8' }, body: 'Bad Request: more than one Host header' };
}

export interface EdgeOptions {
  /** Seconds a client may keep the server waiting (`[server] client_timeout`); 0: no limit. */
  clientTimeout: number;
  /** Told of every finished client request (access log, metrics); absent: nothing is counted. */
  observe?: RequestObserver;
  /** Answers a request whose method Node's parser refuses, when it is not Swift's to answer (S3's). */
  unknownMethod?: UnknownMethodAnswer;
}

export function createSwiftServer(handler: Handler, options: EdgeOptions = { clientTimeout: 60 }): Server {
  const clientMs = options.clientTimeout * 1000;
  // Node checks headersTimeout every connectionsCheckingInterval: often enough for short timeouts.
  const server = createServer({
    maxHeaderSize: 64 * 1024, keepAliveTimeout: clientMs > 0 ? Math.min(65_000, clientMs) : 65_000, requestTimeout: 0,
    headersTimeout: clientMs > 0 ? clientMs : 60_000, connectionsCheckingInterval: clientMs > 0 ? Math.min(30_000, Math.max(250, clientMs / 4)) : 30_000,
  });
  if (clientMs > 0) {
    // The socket's idle timeout, re-armed by Node on every read and write: no timer per request.
    server.setTimeout(clientMs);
    server.on('timeout', (socket: Socket) => onClientTimeout(socket, clientMs));
  }
  const observe = options.observe;
  const handle = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean) => {
    const startMs = observe ? Date.now() : 0;
    const started = observe ? performance.now() : 0;
    const received = observe && requestHasBody(req) ? countReceived(req) : undefined;
    const ctx = makeContext(req, res, expectsContinue);
    if (observe) ctx.log = { protocol: `HTTP/${req.httpVersion}` };
    const finished = observe
      ? (sent: Sent) => {
        try {
          observe({
            ctx, rawQuery: ctx.rawQuery ?? '', protocol: `HTTP/${req.httpVersion}`, status: sent.status,
            bytesIn: received?.() ?? 0, bytesOut: sent.bytesOut, startMs, durationMs: performance.now() - started,
          });
        } catch (err) {
          // Logging and counting must never take the server down.
          console.error(`${ctx.transId}: access log or metrics failed`, err);
        }
      }
      : undefined;
    // Several Host headers are joined with commas (no host name holds one): which host the client
    // meant is unknown, and links built from it would be wrong.
    const host = ctx.headers['host'];
    (host !== undefined && host.includes(',') ? Promise.resolve(badHost()) : handler(ctx))
      .then((r) => {
        const answer = () => writeResponse(req, res, r, ctx.transId, bodyLeftUnread(req, ctx.bodyTaken()), finished !== undefined);
        return (r.status === 507 || r.drainBody === true) && clientIsSending(req, ctx.bodyTaken(), expectsContinue)
          ? discardRestOfBody(req, LINGER_MS).then(answer)
          : answer();
      })
      .then(finished, (err: unknown) => {
        console.error(`${ctx.transId}: failed to write response`, err);
        res.destroy();
        finished?.({ status: 500, bytesOut: 0 });
      });
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => handle(req, res, false));
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => handle(req, res, true));
  // What Node's parser refuses but Swift serves (raw UTF-8 paths, unknown methods, stray bytes).
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => handleClientError(server, err, socket, options.unknownMethod));
  return server;
}
