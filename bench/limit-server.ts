/**
 * The "limit" of the comparison: a trivial node:http server in the same harness that speaks just
 * enough Swift for the workloads (v1.0 auth, PUT drains the body and remembers its length, GET
 * answers that many bytes from one preallocated buffer, HEAD/DELETE/listings answer at once).
 * Nothing a real store could beat on this machine.
 *
 * Where it runs matters, and bench:compare can do either:
 * - by default inside the harness's own process, as the issue that asked for it describes: the limit
 *   server then shares one thread with the load generator, so its figure is what one Node.js thread
 *   does as client and server at once;
 * - with `--limit-process`, in a process of its own (`node limit-server.js PORT MAX_OBJECT_SIZE`), as
 *   Swiftlet and Swift run, so that the client and the server each have a core.
 * On the 2-core reference VM the two gave the same figures within the noise (small workloads
 * 11 000-18 000 ops/s either way): the load generator's own ~60 µs per request is what bounds the
 * limit, not the thread it shares. The option is there to check that on other machines.
 */
import { createServer, type Server } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnServer, type ChildServer } from './child-server.js';

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

/** A limit server in a child process of its own; `stop` ends it. */
export function spawnLimitServer(port: number, maxObjectSize: number): Promise<ChildServer> {
  return spawnServer('limit server', [fileURLToPath(import.meta.url), String(port), String(maxObjectSize)], 'limit server listening');
}

// Run directly: a limit server in a process of its own (bench:compare --limit-process starts it so).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [port, maxObjectSize] = process.argv.slice(2).map(Number);
  if (!port || !maxObjectSize) {
    console.error('usage: node limit-server.js PORT MAX_OBJECT_SIZE');
    process.exit(2);
  }
  await startLimitServer(port, maxObjectSize);
  console.log(`limit server listening on 127.0.0.1:${port}`);
}
