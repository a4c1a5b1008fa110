/**
 * The storage conformance suite against the real S3 service of the cluster tier (Ceph RGW started by
 * scripts/ceph/start.sh): the S3 blob store alone, and the janitor over it with SQLite metadata.
 */
import { runBlobStoreConformance, runJanitorConformance } from '../test/helpers/storage-conformance.js';
import { s3Backend } from './helpers/s3-backend.js';
import { sqliteBackend } from '../test/helpers/embedded-backends.js';

runBlobStoreConformance('s3 (Ceph RGW)', () => s3Backend());
runJanitorConformance('sqlite + s3 (Ceph RGW)', async () => ({ meta: sqliteBackend(), blobs: await s3Backend() }));
