/**
 * `npm run bench:rss [-- --size BYTES] [--workers N] [--config FILE]`: memory stays flat as objects grow.
 * `--config` adds a TOML file to the server's configuration (a `[storage]` section of a cluster
 * makes it a cluster node, so bytes stream to and from the S3 service).
 *
 * Starts a fresh Swiftlet, uploads one object of `--size` bytes (default 5 GiB), then at the same
 * time uploads a second one and downloads the first, while sampling the resident memory of every
 * Swiftlet process (primary and workers) from /proc. Prints the peaks and the throughput of both
 * transfers, and checks the downloaded bytes' MD5 against the ETag. Needs twice `--size` of free disk.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { loginV1, SwiftClient } from '../src/client/swift-client.js';
import { watchRss } from './rss.js';
import { startSwiftlet } from './swiftlet-process.js';

/** `size` bytes of a repeated random MiB, produced as they are read (never held whole). */
function generated(size: number): { stream: Readable; md5: () => string } {
  const chunk = Buffer.from(Array.from({ length: 1024 * 1024 }, (_, i) => (i * 2654435761) % 251));
  const md5 = createHash('md5');
  let left = size;
  const stream = new Readable({
    read() {
      if (left === 0) { this.push(null); return; }
      const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= part.length;
      md5.update(part);
      this.push(part);
    },
  });
  return { stream, md5: () => md5.digest('hex') };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: String(5 * 1024 ** 3) }, workers: { type: 'string' }, port: { type: 'string', default: '18490' },
      config: { type: 'string' },
    },
  });
  const size = Number(values.size);
  const port = Number(values.port);
  const extra = values.config ? readFileSync(values.config, 'utf8') : '';
  const swiftlet = await startSwiftlet(port, values.workers ? Number(values.workers) : undefined, extra);
  let client: SwiftClient | undefined;
  try {
    client = new SwiftClient(await loginV1(`http://127.0.0.1:${port}/auth/v1.0`, 'bench:bench', 'bench'));
    await client.putContainer('rss');
    const first = generated(size);
    let t = Date.now();
    const put1 = await client.putObject('rss', 'first', first.stream, { 'content-length': String(size) });
    const firstMd5 = first.md5();
    if (put1.headers['etag'] !== firstMd5) throw new Error(`first upload: ETag ${put1.headers['etag']} ≠ MD5 ${firstMd5}`);
    console.log(`uploaded ${size} bytes alone in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    const rss = watchRss(swiftlet.pid);
    t = Date.now();
    const second = generated(size);
    const upload = (async () => {
      const r = await client.putObject('rss', 'second', second.stream, { 'content-length': String(size) });
      return { seconds: (Date.now() - t) / 1000, ok: r.headers['etag'] === second.md5() };
    })();
    const download = (async () => {
      const r = await client.getObject('rss', 'first');
      const md5 = createHash('md5');
      let bytes = 0;
      for await (const chunk of r.body) {
        md5.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
      }
      return { seconds: (Date.now() - t) / 1000, ok: bytes === size && md5.digest('hex') === firstMd5 };
    })();
    const [up, down] = await Promise.all([upload, download]);
    const peak = rss.stop();
    const mbps = (seconds: number) => (size / seconds / 1e6).toFixed(1);
    console.log(`concurrent upload ${mbps(up.seconds)} MB/s (ETag ${up.ok ? 'matches' : 'WRONG'}), download ${mbps(down.seconds)} MB/s (bytes ${down.ok ? 'match' : 'WRONG'})`);
    console.log(`peak RSS while both ran: largest process ${peak.maxProcessMiB} MiB, all Swiftlet processes together ${peak.totalMiB} MiB`);
    if (!up.ok || !down.ok) process.exitCode = 1;
  } finally {
    // Through the API, so that a cluster's bucket is emptied too (stopping the server only removes
    // its local directory): gigabytes left in a test Ceph fill its OSDs.
    for (const name of ['first', 'second']) await client?.deleteObject('rss', name).catch(() => undefined);
    await swiftlet.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`bench:rss failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
