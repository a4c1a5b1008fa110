/**
 * Swiftlet nodes in cluster mode for tests: real `swiftlet serve` processes sharing fresh databases on
 * the two PostgreSQL shard servers and a fresh bucket on the S3 service (RGW), optionally reaching an
 * engine through a TcpCut relay.
 */
import { randomBytes } from 'node:crypto';
import { startServer, type StartOptions, type TestServer } from '../../test/helpers/server.js';
import { s3Endpoint } from './ceph.js';
import { freshDatabases } from './postgres.js';

export interface ClusterSettings {
  shardUrls: string[];
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; bucket: string };
  drop(): Promise<void>;
}

/** Fresh databases on both shard servers and a bucket name of this run's own. */
export async function clusterSettings(tag: string): Promise<ClusterSettings> {
  const { urls, drop } = await freshDatabases(tag);
  return { shardUrls: urls, s3: { ...s3Endpoint(), bucket: `swiftlet-${tag}-${randomBytes(4).toString('hex')}` }, drop };
}

export function storageToml(c: ClusterSettings, over: { shardUrls?: string[]; s3Endpoint?: string } = {}): string {
  const shards = over.shardUrls ?? c.shardUrls;
  return `
[storage]
backend = "cluster"
postgres_shards = "${shards.join(',')}"
postgres_identity = "${shards[0] ?? ''}"
s3_endpoint = "${over.s3Endpoint ?? c.s3.endpoint}"
s3_region = "${c.s3.region}"
s3_bucket = "${c.s3.bucket}"
s3_access_key = "${c.s3.accessKeyId}"
s3_secret_key = "${c.s3.secretAccessKey}"
`;
}

/** Starts `n` nodes one after the other (the first creates the bootstrap admin and the schema). */
export async function startNodes(c: ClusterSettings, n: number, options: StartOptions = {}, over: Parameters<typeof storageToml>[1] = {}): Promise<TestServer[]> {
  const nodes: TestServer[] = [];
  for (let i = 0; i < n; i++) {
    nodes.push(await startServer({ ...options, extraToml: `${storageToml(c, over)}\n${options.extraToml ?? ''}` }));
  }
  return nodes;
}
