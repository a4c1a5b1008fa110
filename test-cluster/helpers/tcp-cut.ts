/**
 * A TCP relay between a Swiftlet node and one of its engines (a PostgreSQL shard, the S3 service), so
 * a test can cut that one link (every connection dropped, new ones refused) and restore it, as a
 * network failure or a dead server would look to the node, without stopping a server other tests use.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export class TcpCut {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly targetHost: string, private readonly targetPort: number) {}

  /** Starts relaying (on the same port as before after a cut). */
  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address && typeof address === 'object') this.port = address.port;
    this.server = server;
  }

  /** Drops every relayed connection and refuses new ones. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** `url` with its host and port replaced by the relay's. */
export function throughCut(url: string, cut: TcpCut): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(cut.port);
  return u.toString().replace(/\/$/, '');
}
