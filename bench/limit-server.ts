/**
 * The "limit" of the comparison: a trivial node:http server in the same harness that speaks just
 * enough Swift for the workloads (v1.0 auth, PUT drains the body and remembers its length, GET
 * answers that many bytes from one preallocated buffer, HEAD/DELETE/listings answer at once).
 * Nothing a real store could beat on this machine.
 */
import { createServer, type Server } from 'node:http';

/** `maxObjectSize`: the largest object a workload will PUT and GET (the buffer GETs answer from). */
export function startLimitServer(port: number, maxObjectSize: number): Promise<Server> {
  const body = Buffer.alloc(maxObjectSize, 0x61);
  const sizes = new Map<string, number>();
  const listing = Buffer.from(JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ name: `obj-${i}`, bytes: 0 }))));
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/auth/')) {
      res.writeHead(200, { 'x-auth-token': 'limit', 'x-storage-url': `http://127.0.0.1:${port}/v1/AUTH_limit`, 'content-length': '0' });
      res.end();
      return;
    }
    const depth = url.split('?')[0]?.split('/').filter(Boolean).length ?? 0;
    if (req.method === 'PUT' || req.method === 'POST' || req.method === 'DELETE') {
      if (req.method === 'PUT' && depth === 4) sizes.set(url, Math.min(Number(req.headers['content-length'] ?? 0) || 0, body.length));
      req.resume();
      req.on('end', () => {
        res.writeHead(req.method === 'PUT' ? 201 : 204, { 'content-length': '0', etag: 'd41d8cd98f00b204e9800998ecf8427e' });
        res.end();
      });
      return;
    }
    if (depth <= 3) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(listing.length) });
      res.end(req.method === 'HEAD' ? undefined : listing);
      return;
    }
    const size = sizes.get(url) ?? Math.min(4096, body.length);
    res.writeHead(200, { 'content-length': String(size), etag: 'x' });
    res.end(req.method === 'HEAD' ? undefined : body.subarray(0, size));
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
