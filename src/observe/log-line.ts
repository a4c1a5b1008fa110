/**
 * One access log line, in Swift's proxy-logging format (swift/common/middleware/proxy_logging.py,
 * its default `log_msg_template`) or as JSON with the same field names:
 *
 *   client_ip remote_addr end_time.datetime method path protocol status_int referer user_agent
 *   auth_token bytes_recvd bytes_sent client_etag transaction_id headers request_time source
 *   log_info start_time end_time policy_index
 *
 * As in Swift, every field is percent-quoted (Python's `quote(value, safe=':/{}')`), so a line
 * splits on spaces, and a field that is empty, absent or zero is `-`. The path is Swift's
 * `path_qs`: the path re-quoted from its decoded form, then the query string as sent; quoting the
 * field quotes it again (`%20` in a name is logged `%2520`, `?` is `%3F`), as Swift's lines read.
 *
 * Secrets (see redact.ts): the token field and token headers are cut to their first 16 characters
 * followed by `...` (Swift's reveal_sensitive_prefix), a temporary URL's `temp_url_sig` likewise;
 * passwords and keys sent in headers are replaced. Bodies (v3 passwords, form signatures) are never logged.
 */
import { pyQuote } from '../swift/quote.js';
import { titleCase } from '../swift/headers.js';
import type { RequestContext } from '../http/context.js';
import type { FinishedRequest } from './finished-request.js';
import { obscureQuery, obscureToken, headerForLog } from './redact.js';

/** The fields of a line, named as Swift's log_msg_template names them. */
export interface LogFields {
  client_ip: string;
  remote_addr: string;
  method: string;
  /** Swift's path_qs: the quoted path and the query string (secrets obscured). */
  path: string;
  protocol: string;
  status_int: number;
  referer: string;
  user_agent: string;
  auth_token: string;
  bytes_recvd: number;
  bytes_sent: number;
  client_etag: string;
  transaction_id: string;
  /** Request headers as `Name: value` lines, only with `access_log_headers`. */
  headers: string;
  /** Seconds. */
  request_time: number;
  source: string;
  log_info: string;
  /** Seconds since the epoch. */
  start_time: number;
  end_time: number;
  policy_index: string;
}


/** Swift's best guess at the end user's address (get_remote_client): load balancers' headers first. */
function clientIp(ctx: RequestContext): string {
  const cluster = ctx.headers['x-cluster-client-ip'];
  if (cluster) return cluster;
  const forwarded = ctx.headers['x-forwarded-for'];
  if (forwarded !== undefined) {
    const first = forwarded.split(',')[0]?.trim();
    if (first) return first;
  }
  return ctx.remoteAddress;
}

/** swob's `Request.path`: the decoded path quoted again; a path that is not UTF-8 as it was sent. */
function swiftPath(ctx: RequestContext): string {
  if (ctx.path === '\u0000') return ctx.rawPath;
  return PATH_PLAIN.test(ctx.path) ? ctx.path : pyQuote(ctx.path, '/');
}

/** What Python's quote(path, '/') leaves as it is: most paths, which then skip the re-quoting. */
const PATH_PLAIN = /^[A-Za-z0-9_.~/-]*$/;

export function logFields(input: FinishedRequest, withHeaders: boolean): LogFields {
  const { ctx } = input;
  const query = input.rawQuery === '' ? '' : `?${obscureQuery(input.rawQuery)}`;
  let headers = '';
  if (withHeaders) {
    const lines: string[] = [];
    for (const [name, value] of Object.entries(ctx.headers)) lines.push(`${titleCase(name)}: ${headerForLog(name, value)}`);
    headers = lines.join('\n');
  }
  return {
    client_ip: clientIp(ctx),
    remote_addr: ctx.remoteAddress,
    method: ctx.method,
    path: swiftPath(ctx) + query,
    protocol: input.protocol,
    status_int: input.status,
    referer: ctx.headers['referer'] ?? '',
    user_agent: ctx.headers['user-agent'] ?? '',
    auth_token: obscureToken(ctx.headers['x-auth-token'] ?? ''),
    bytes_recvd: input.bytesIn,
    bytes_sent: input.bytesOut,
    client_etag: ctx.headers['etag'] ?? '',
    transaction_id: ctx.transId,
    headers,
    request_time: input.durationMs / 1000,
    source: ctx.log?.source ?? '',
    log_info: '',
    start_time: input.startMs / 1000,
    end_time: (input.startMs + input.durationMs) / 1000,
    policy_index: ctx.log?.policyIndex === undefined ? '' : String(ctx.log.policyIndex),
  };
}

const PLAIN = /^[A-Za-z0-9_.~:/{}-]*$/;

/** A field as Swift's LogStringFormatter(default='-', quote=True) writes it. */
function field(value: string | number): string {
  if (value === '' || value === 0) return '-';
  const text = String(value);
  return PLAIN.test(text) ? text : pyQuote(text, ':/{}');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => (n < 10 ? `0${n}` : String(n));

/** The last second formatted: consecutive lines mostly fall in the same second. */
let lastSecond = -1;
let lastDatetime = '';

/** Swift's `end_time.datetime`: `%d/%b/%Y/%H/%M/%S` in UTC. */
export function swiftDatetime(seconds: number): string {
  const whole = Math.floor(seconds);
  if (whole === lastSecond) return lastDatetime;
  const d = new Date(whole * 1000);
  lastSecond = whole;
  lastDatetime = `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()] ?? ''}/${d.getUTCFullYear()}/${two(d.getUTCHours())}/${two(d.getUTCMinutes())}/${two(d.getUTCSeconds())}`;
  return lastDatetime;
}

export function swiftLine(f: LogFields): string {
  return [
    field(f.client_ip), field(f.remote_addr), field(swiftDatetime(f.end_time)), field(f.method), field(f.path), field(f.protocol),
    field(f.status_int), field(f.referer), field(f.user_agent), field(f.auth_token), field(f.bytes_recvd), field(f.bytes_sent),
    field(f.client_etag), field(f.transaction_id), field(f.headers), field(f.request_time.toFixed(4)), field(f.source),
    field(f.log_info), field(f.start_time.toFixed(9)), field(f.end_time.toFixed(9)), field(f.policy_index),
  ].join(' ');
}

/** The same fields as one JSON object; absent values are null, times are numbers, the path is not quoted again. */
export function jsonLine(f: LogFields): string {
  const orNull = (v: string) => (v === '' ? null : v);
  return JSON.stringify({
    client_ip: orNull(f.client_ip), remote_addr: orNull(f.remote_addr), datetime: new Date(f.end_time * 1000).toISOString(),
    method: f.method, path: f.path, protocol: f.protocol, status_int: f.status_int, referer: orNull(f.referer),
    user_agent: orNull(f.user_agent), auth_token: orNull(f.auth_token), bytes_recvd: f.bytes_recvd, bytes_sent: f.bytes_sent,
    client_etag: orNull(f.client_etag), transaction_id: f.transaction_id, headers: orNull(f.headers),
    request_time: Number(f.request_time.toFixed(4)), source: orNull(f.source), log_info: orNull(f.log_info),
    start_time: Number(f.start_time.toFixed(6)), end_time: Number(f.end_time.toFixed(6)), policy_index: orNull(f.policy_index),
  });
}
