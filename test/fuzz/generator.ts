/**
 * A seeded generator of hostile HTTP/1.1 requests for Swiftlet: random methods, paths (valid names,
 * hostile bytes, traversal, over-long names), headers (Range, If-*, copy, manifests, symlinks, metadata,
 * huge values), bodies (random bytes, manifests, chunked encodings, bodies longer than declared). The
 * same seed always gives the same requests, so any failure is reproducible with `--seed`.
 */

/** mulberry32: small, fast, good enough to spread test inputs. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzTokens { user: string; service: string }

export interface FuzzRequest { label: string; bytes: Buffer }

const METHODS = ['GET', 'GET', 'GET', 'HEAD', 'PUT', 'PUT', 'PUT', 'POST', 'POST', 'DELETE', 'DELETE', 'COPY', 'OPTIONS', 'PATCH', 'PROPFIND', 'TRACE', 'get'];
const ACCOUNTS = ['AUTH_test', 'AUTH_test', 'AUTH_test', 'SERVICE_test', 'AUTH_test2', 'AUTH_nobody', 'service_test', ''];
const CONTAINERS = ['fz', 'fz', 'fz', 'fz2', 'versions', 'nope', '..', '.', '%2e%2e', 'fz%2Fx', 'a'.repeat(257), '%00', '%ff%fe', 'caf%C3%A9', '%E2%80%AE', ' ', '%20'];
const OBJECTS = ['a', 'a', 'b', 'slo', 'dlo', 'link', 'seg/1', 'seg/2', 'missing', '../a', 'a/../../x', '%2e%2e/%2e%2e', 'x'.repeat(1025),
  'd%C3%A9j%C3%A0', '%00', '%ff', 'a%0d%0aX-Injected:%201', 'a//b', 'a/', '.', 'tmp', 'big'];
const QUERIES = ['', '', '', '?format=json', '?format=xml', '?format=plain', '?format=garbage', '?limit=-1', '?limit=99999999999', '?limit=abc',
  '?marker=%ff&end_marker=%00', '?prefix=a&delimiter=/', '?delimiter=%ff', '?multipart-manifest=put', '?multipart-manifest=get', '?multipart-manifest=delete',
  '?multipart-manifest=get&format=raw', '?symlink=get', '?version-id=null', '?version-id=garbage', '?versions', '?extract-archive=tar', '?extract-archive=tar.gz',
  '?bulk-delete', '?temp_url_sig=abc&temp_url_expires=1', '?reverse=true', '?heartbeat=on', '?a=%zz', '?' + 'q'.repeat(9000)];

const RANGES = ['bytes=0-0', 'bytes=0-', 'bytes=-1', 'bytes=-0', 'bytes=5-1', 'bytes=a-b', 'bytes=0-1,3-4,2-2', 'bytes=99999999999999999999-', 'bytes=',
  'bytes=0-1,' + '0-1,'.repeat(200) + '0-1', 'items=0-1', 'bytes=-99999999999999999999', 'bytes=1-2, 4-5', 'bytes=0-0,-1'];
const DATES = ['Thu, 01 Jan 1970 00:00:00 GMT', 'Fri, 31 Dec 9999 23:59:59 GMT', 'yesterday', '', '0', '-1', 'Mon, 32 Foo 2020 99:99:99 GMT'];
const PATHISH = ['fz/a', '/fz/a', 'fz', '/fz', '', '/', '//', 'fz/missing', '../SERVICE_test/fz/a', 'fz/%ff', 'fz/' + 'x'.repeat(2000), 'nope/a', 'fz/link'];

function pick<T>(r: () => number, xs: readonly T[]): T { return xs[Math.floor(r() * xs.length)]!; }
function bytes(r: () => number, n: number): Buffer { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256); return b; }

function path(r: () => number): Buffer {
  const x = r();
  if (x < 0.04) return bytes(r, 1 + Math.floor(r() * 40)).map((c) => (c === 0x20 || c === 0x0d || c === 0x0a ? 0x41 : c)) as Buffer;
  if (x < 0.08) return Buffer.from(pick(r, ['/', '*', '/info', '/healthcheck', '/v1', '/v1/', '//v1/AUTH_test', '/auth/v1.0', '/v3', '/v3/auth/tokens', '/crossdomain.xml', '/v1/AUTH_test/fz/a?' + '&'.repeat(5000)]));
  const account = pick(r, ACCOUNTS);
  const depth = r();
  let p = `/v1/${account}`;
  if (depth > 0.15) p += `/${pick(r, CONTAINERS)}`;
  if (depth > 0.4) p += `/${pick(r, OBJECTS)}`;
  p += pick(r, QUERIES);
  if (r() < 0.05) return Buffer.concat([Buffer.from(p), bytes(r, 3).map((c) => (c < 0x21 ? 0x7f : c)) as Buffer]);
  return Buffer.from(p);
}

function header(r: () => number, t: FuzzTokens): [string, string | Buffer][] {
  const x = Math.floor(r() * 26);
  switch (x) {
    case 0: return [['Range', pick(r, RANGES)]];
    case 1: return [['If-Match', pick(r, ['*', '"abc"', 'W/"x"', '', '"' + 'f'.repeat(32) + '"', ','])]];
    case 2: return [['If-None-Match', pick(r, ['*', '"abc"', 'garbage', ''])]];
    case 3: return [['If-Modified-Since', pick(r, DATES)]];
    case 4: return [['If-Unmodified-Since', pick(r, DATES)]];
    case 5: return [['X-Copy-From', pick(r, PATHISH)]];
    case 6: return [['X-Copy-From', pick(r, PATHISH)], ['X-Copy-From-Account', pick(r, ACCOUNTS)]];
    case 7: return [['Destination', pick(r, PATHISH)]];
    case 8: return [['Destination', pick(r, PATHISH)], ['Destination-Account', pick(r, ACCOUNTS)]];
    case 9: return [['X-Object-Manifest', pick(r, PATHISH)]];
    case 10: return [['X-Symlink-Target', pick(r, PATHISH)]];
    case 11: return [['X-Symlink-Target', pick(r, PATHISH)], ['X-Symlink-Target-Account', pick(r, ACCOUNTS)]];
    case 12: return [['X-Delete-At', pick(r, ['0', '1', '9999999999', '-5', 'soon', '1e10', String(Math.floor(Date.now() / 1000) + 5)])]];
    case 13: return [['X-Delete-After', pick(r, ['0', '1', '-1', 'x', '99999999999999999999'])]];
    case 14: return [['Content-Type', pick(r, ['application/json', 'text/plain;swift_bytes=10', 'multipart/form-data; boundary=x', '', 'a/b;c=' + 'd'.repeat(3000), 'application/x-tar'])]];
    case 15: return [[`X-Object-Meta-${pick(r, ['A', 'a'.repeat(200), 'é', ''])}`, pick(r, ['v', 'x'.repeat(300), ''])]];
    case 16: return [['X-Container-Read', pick(r, ['.r:*', '.r:*,.rlistings', '*:*', 'test:*', '.r:-evil.example', ',,,'])]];
    case 17: return [['X-Versions-Location', pick(r, ['versions', '', 'nope', '..'])], ['X-History-Location', pick(r, ['versions', ''])]];
    case 18: return [['X-Versions-Enabled', pick(r, ['true', 'false', 'maybe'])]];
    case 19: return [['X-Timestamp', pick(r, ['0', '1e400', '9999999999.99999', 'now'])]];
    case 20: return [['X-Huge', 'h'.repeat(pick(r, [100, 4000, 9000, 20000]))]];
    case 21: return [['X-Account-Meta-Quota-Bytes', pick(r, ['0', '-1', '10', 'x'])], ['X-Container-Meta-Quota-Count', pick(r, ['0', '1', 'y'])]];
    case 22: return [['X-Service-Token', pick(r, [t.service, 'garbage', t.user])]];
    case 23: return [['X-Bytes', bytes(r, 8).map((c) => (c === 0x0d || c === 0x0a || c === 0 ? 0x80 : c)) as Buffer]];
    case 24: return [['Expect', pick(r, ['100-continue', 'nonsense'])]];
    default: return [['X-Container-Meta-Temp-URL-Key', 'k'], ['X-Account-Meta-Temp-URL-Key', 'k']];
  }
}

function body(r: () => number): Buffer {
  const x = r();
  if (x < 0.35) return Buffer.alloc(0);
  if (x < 0.6) return bytes(r, Math.floor(r() * 3000));
  if (x < 0.75) return Buffer.from(JSON.stringify(Array.from({ length: Math.floor(r() * 4) }, () => ({
    path: `/${pick(r, PATHISH)}`, ...(r() < 0.5 ? { etag: pick(r, [null, 'abc', 'f'.repeat(32)]) } : {}), ...(r() < 0.5 ? { size_bytes: pick(r, [null, 0, -1, 1, 1e15]) } : {}),
    ...(r() < 0.3 ? { range: pick(r, ['0-1', '-1', 'x']) } : {}),
  }))));
  if (x < 0.85) return Buffer.from(pick(r, ['/fz/a\n/fz/b\n', '\n\n\n', '/'.repeat(5000), 'fz/missing\n../x\n%ff\n', '{"a":', '[]', 'null', '[{"data":"aGk="}]']));
  return Buffer.from('x'.repeat(Math.floor(r() * 200_000)));
}

/** One request's bytes; `Connection: close` so the server's answer ends with the connection. */
export function generate(r: () => number, t: FuzzTokens, index: number): FuzzRequest {
  const method = pick(r, METHODS);
  const p = path(r);
  const headers: [string, string | Buffer][] = [];
  const who = r();
  if (who < 0.75) headers.push(['X-Auth-Token', t.user]);
  else if (who < 0.85) headers.push(['X-Auth-Token', t.user], ['X-Service-Token', t.service]);
  else if (who < 0.9) headers.push(['X-Auth-Token', 'gS' + 'A'.repeat(40)]);
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) headers.push(...header(r, t));
  const b = method === 'GET' || method === 'HEAD' ? (r() < 0.9 ? Buffer.alloc(0) : body(r)) : body(r);
  const framing = r();
  const parts: Buffer[] = [Buffer.from(`${method} `), p, Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n')];
  for (const [k, v] of headers) parts.push(Buffer.from(`${k}: `), Buffer.isBuffer(v) ? v : Buffer.from(v), Buffer.from('\r\n'));
  let kind: string;
  if (framing < 0.2 && b.length > 0) {
    // chunked: random chunk sizes, sometimes with extensions and trailers
    kind = 'chunked';
    parts.push(Buffer.from('Transfer-Encoding: chunked\r\n\r\n'));
    let off = 0;
    while (off < b.length) {
      const size = Math.min(b.length - off, 1 + Math.floor(r() * 5000));
      parts.push(Buffer.from(`${size.toString(16)}${r() < 0.1 ? ';ext=1' : ''}\r\n`), b.subarray(off, off + size), Buffer.from('\r\n'));
      off += size;
    }
    parts.push(Buffer.from(r() < 0.1 ? '0\r\nX-Trailer: t\r\n\r\n' : '0\r\n\r\n'));
  } else if (framing < 0.25) {
    // malformed chunked encodings: a bad size, a chunk longer than its size, a missing CRLF, a huge size
    kind = 'malformed chunked';
    parts.push(Buffer.from('Transfer-Encoding: chunked\r\n\r\n'));
    parts.push(Buffer.from(pick(r, ['zz\r\nabc\r\n0\r\n\r\n', '3\r\nabcdef\r\n0\r\n\r\n', '-1\r\n\r\n', '3\r\nabc0\r\n\r\n',
      'ffffffffffffffffff\r\nabc\r\n0\r\n\r\n', '3 \r\nabc\r\n0\r\n\r\n', '0x3\r\nabc\r\n0\r\n\r\n', '\r\n\r\n'])));
  } else if (framing < 0.3 && b.length > 1) {
    // a body longer than declared: the rest is the next "request" on a connection the client closes
    kind = 'content-length shorter than body';
    const declared = Math.floor(b.length / 2);
    parts.push(Buffer.from(`Content-Length: ${declared}\r\n\r\n`), b);
  } else if (framing < 0.35) {
    kind = 'content-length 0 with body';
    parts.push(Buffer.from('Content-Length: 0\r\n\r\n'), b);
  } else {
    kind = 'content-length';
    parts.push(Buffer.from(`Content-Length: ${b.length}\r\n\r\n`), b);
  }
  const shown = p.length > 80 ? `${p.subarray(0, 80).toString('latin1')}…` : p.toString('latin1');
  return { label: `#${index} ${method} ${JSON.stringify(shown)} [${headers.map(([k]) => k).join(',')}] ${kind} ${b.length}B`, bytes: Buffer.concat(parts) };
}
