/**
 * The configuration schema: every key Swiftlet understands, its type, default and meaning. Loading
 * (load.ts) checks a TOML file against it; an unknown key is an error naming the closest valid one.
 */
import { DEFAULT_CONSTRAINTS, type Constraints } from '../swift/constraints.js';

export interface ServerConfig {
  host: string;
  port: number;
  /** HTTP worker processes; 0 or 1 serve everything from one process (see src/cli/serve.ts for why that is the default). */
  workers: number;
  data_dir: string;
  /**
   * Objects up to this many bytes (with a Content-Length) are kept inline in the metadata store:
   * durable through the group-committed metadata commit instead of a file and two fsyncs. 0 turns it off.
   */
  inline_object_max_bytes: number;
  /**
   * Threads that read and write out container listings beside the event loop (see
   * src/storage/sqlite/listing-threads.ts); 0 renders them on the event loop.
   */
  listing_threads: number;
  /**
   * Seconds a client may leave the connection silent while the server waits for it (a request body
   * that stops arriving: 408; headers; an idle keep-alive connection; an answer it does not read),
   * as Swift's `client_timeout`.
   */
  client_timeout: number;
  /** Seconds SIGTERM waits for requests in flight before cutting them and exiting. */
  shutdown_timeout: number;
}

export interface SwiftConfig extends Constraints {
  allow_account_management: boolean;
  account_autocreate: boolean;
  /** Seconds between passes of the expired-object reaper. */
  expirer_interval: number;
  /** Bulk upload (`?extract-archive`): most files one archive may create; past it the report says 400. */
  max_files_per_archive: number;
  /** Bulk upload: most bytes the files of one archive may hold together (a small tar.gz can expand a thousandfold). */
  max_archive_expanded_bytes: number;
}

export interface AuthConfig {
  reseller_prefix: string;
  operator_roles: string;
  service_roles: string;
  project_reader_roles: string;
  reseller_admin_role: string;
  system_reader_roles: string;
  service_token_roles: string;
  service_token_roles_required: boolean;
  token_life: number;
  allow_expired_window: number;
  /** Per-prefix options such as `SERVICE_service_roles` (docs/auth-rules.md R1.2), validated against known names. */
  per_prefix: Record<string, string>;
}

export interface ConfigUser {
  project: string;
  name: string;
  password: string;
  /** Role names; tempauth groups are accepted and mapped (docs/auth-rules.md D1): .admin → admin, .reseller_admin → reseller admin role. */
  roles: string[];
}

/** `builtin`: Swiftlet's own identity (v1.0 logins, Keystone v3 subset); `keystone`: an external Keystone. */
export type IdentityMode = 'builtin' | 'keystone';
export const IDENTITY_MODES: readonly IdentityMode[] = ['builtin', 'keystone'];

export interface IdentityConfig {
  mode: IdentityMode;
  admin_password: string;
  users: ConfigUser[];
}

/**
 * `[keystone]`: the external Keystone used when `identity.mode = "keystone"` (as keystonemiddleware's
 * `[keystone_authtoken]`). Swiftlet authenticates as this service user and validates every user and
 * service token against `auth_url`.
 */
export interface KeystoneConfig {
  /** Keystone's v3 endpoint, e.g. `http://keystone:5000/v3`. */
  auth_url: string;
  username: string;
  password: string;
  project_name: string;
  user_domain_name: string;
  project_domain_name: string;
  /** Seconds validated token data, and S3 signatures Keystone confirmed, are reused (R2.8); -1 disables the cache. */
  token_cache_time: number;
  /** Seconds to wait for Keystone before the request fails with 503. */
  timeout: number;
}

/** `[domain_remap]`: Swift's domain_remap, container and account names taken from the Host header. */
export interface DomainRemapConfig {
  /**
   * Comma-separated domains under which `<account>.<domain>` and `<container>.<account>.<domain>`
   * name an account or a container (`AUTH-test.example.com/obj` is `/v1/AUTH_test/obj`); empty: off.
   */
  storage_domain: string;
  /** Added to an account name in the Host header that starts with none of the reseller prefixes; empty: such hosts are not remapped. */
  default_reseller_prefix: string;
  /** Drop a leading `/v1/` the client put in the path itself (Swift's mangle_client_paths). */
  mangle_client_paths: boolean;
}

/** Where metadata and bytes live: the embedded default, or the cluster's shared engines. */
export type StorageBackend = 'embedded' | 'cluster';
export const STORAGE_BACKENDS: readonly StorageBackend[] = ['embedded', 'cluster'];

/**
 * `[storage]`: `embedded` keeps metadata in SQLite and bytes in files under `server.data_dir`;
 * `cluster` keeps metadata (and identity) in PostgreSQL, sharded by account, and bytes in an S3
 * service (Ceph RGW or another), so any number of identical nodes serve the same data (docs/cluster.md).
 */
export interface StorageConfig {
  backend: StorageBackend;
  /** Cluster: comma-separated PostgreSQL URLs, one per shard; their order is the placement and never changes. */
  postgres_shards: string;
  /** Cluster: the identity database's URL; empty: the first shard's. */
  postgres_identity: string;
  /** Cluster: PostgreSQL connections per shard in each process. */
  postgres_pool_size: number;
  /** Cluster: the S3 service, e.g. http://127.0.0.1:8000 (RGW). */
  s3_endpoint: string;
  s3_region: string;
  s3_bucket: string;
  s3_access_key: string;
  s3_secret_key: string;
  /** Bucket in the path rather than the host name (RGW without wildcard DNS needs it). */
  s3_force_path_style: boolean;
  /**
   * Embedded: free space object writes never use (Swift's `fallocate_reserve`), as a byte count
   * ("1073741824", or a TOML integer) or a share of the filesystem ("1%"), on each disk that holds
   * object files or the database. A PUT that would leave this little free gets 507; DELETE, POST
   * and container writes may still use it, so a full store can always be emptied. "0" turns the
   * check off.
   */
  reserved_bytes: string;
  /**
   * `[[storage.policies]]`: Swift's storage policies (swift.conf's `[storage-policy:N]`). After
   * loading, never empty: index 0 exists and exactly one policy is the default.
   */
  policies: StoragePolicyConfig[];
}

/** One `[[storage.policies]]` entry: a name clients pick with X-Storage-Policy, and where its bytes go. */
export interface StoragePolicyConfig {
  /** Swift's policy index: stored with each container, so it never changes once used. */
  index: number;
  name: string;
  /** Other names that select the policy (Swift's `aliases`). */
  aliases: string[];
  default: boolean;
  /** Existing containers keep working; no new container may choose it, and /info hides it. */
  deprecated: boolean;
  /** Embedded: the directory of this policy's object files (e.g. another disk); empty: under server.data_dir. */
  path: string;
  /** Cluster: the S3 bucket of this policy's bytes; empty: storage.s3_bucket for index 0, `<s3_bucket>-policy-<index>` otherwise. */
  bucket: string;
}

/** `[ratelimit]`: Swift's ratelimit middleware (see src/middleware/ratelimit/ratelimit.ts). Rates are requests per second. */
export interface RateLimitConfig {
  /** On even without a limit below, so accounts' X-Account-Sysmeta-Global-Write-Ratelimit applies. */
  enabled: boolean;
  /** Container PUT/DELETE per account; 0: none. */
  account_ratelimit: number;
  /** A request that would wait this long or more is answered 498 at once. */
  max_sleep_time_seconds: number;
  /** Idle time a key may save up, in seconds. */
  rate_buffer_seconds: number;
  /** Ticks per second of the shared clocks. */
  clock_accuracy: number;
  /** `container_ratelimit_<size> = <rate>` keys of the section, by size. */
  container_ratelimits: Record<string, number>;
  /** `container_listing_ratelimit_<size> = <rate>` keys of the section, by size. */
  container_listing_ratelimits: Record<string, number>;
}

/** One realm of `[container_sync.realms.<NAME>]`, as a section of Swift's container-sync-realms.conf. */
export interface SyncRealmConfig {
  /** The realm's shared secret: signs the pushes of this cluster and checks those it receives. */
  key: string;
  /** A second accepted key, for rotating `key` without a gap (checked on receipt only, as in Swift). */
  key2: string;
  /** Cluster name (upper-cased, as Swift does) → its Swift API base URL, e.g. `http://host:8080/v1/`. */
  clusters: Record<string, string>;
}

/**
 * `[container_sync]`: Swift's container sync. Realms mirror container-sync-realms.conf (realm →
 * key, key2, `cluster_<name> = <url>`); the daemon pushes the changes of containers that have
 * `X-Container-Sync-To` and `X-Container-Sync-Key` (src/sync/).
 */
export interface ContainerSyncConfig {
  /** Runs the sync daemon (once per store) and accepts signed incoming syncs; /info lists `container_sync` when realms exist. */
  enabled: boolean;
  /** Seconds between the daemon's passes (Swift's container-sync `interval`, 300). */
  interval: number;
  /** Seconds one push (HEAD, PUT or DELETE to the remote cluster) may take (Swift's `conn_timeout` and then some). */
  request_timeout: number;
  /** Accept full http(s) URLs in X-Container-Sync-To, not only `//realm/cluster/account/container` (Swift's `allow_full_urls`). */
  allow_full_urls: boolean;
  /** Comma-separated hosts a full URL may name (Swift's container server `allowed_sync_hosts`). */
  allowed_sync_hosts: string;
  /** `//REALM/CLUSTER` naming this cluster, marked `current` in /info (Swift's `current`); empty: none. */
  current: string;
  /** Realm name (upper-cased) → its keys and clusters. */
  realms: Record<string, SyncRealmConfig>;
}

/**
 * `[auditor]`: the object auditor (Swift's object-auditor, src/storage/integrity/auditor.ts) run by
 * `swiftlet serve`: it reads every object's bytes, checks them against the record's MD5 etag, and
 * quarantines damaged or missing objects. `swiftlet audit` runs one pass on demand.
 */
export interface AuditorConfig {
  enabled: boolean;
  /** Seconds of rest between two passes (the first one starts this long after the server). */
  interval: number;
  /** Bytes read per second at most (0: no limit), as Swift's `bytes_per_second`. */
  bytes_per_second: number;
}

/** Access log formats: Swift's proxy-logging line, or one JSON object per line with the same fields. */
export type AccessLogFormat = 'swift' | 'json';
export const ACCESS_LOG_FORMATS: readonly AccessLogFormat[] = ['swift', 'json'];

/** `[logging]`: the access log (src/observe/access-log.ts). */
export interface LoggingConfig {
  /** `off`, `stdout`, or a file path (reopened on SIGHUP, for logrotate). */
  access_log: string;
  access_log_format: AccessLogFormat;
  /** Log the request headers in the `headers` field (Swift's `access_log_headers`), secrets cut or replaced. */
  access_log_headers: boolean;
}

/** `[metrics]`: Prometheus metrics (src/observe/metrics.ts). */
export interface MetricsConfig {
  /** `host:port` of the metrics listener (`GET /metrics`); empty: no metrics. */
  listen: string;
  /**
   * Cluster backend: seconds between readings of the store figures (stored_*, expirer backlog), a
   * scan of every container's stats on every shard; scrapes get the latest. The embedded backend
   * reads them at each scrape.
   */
  store_interval: number;
  /** Seconds between janitor censuses (every blob listed, unreferenced ones counted) on the node holding the jobs' lease; 0: none. */
  orphan_census_interval: number;
}

/** `[s3]`: the S3 API (Swift's s3api) on the same listener and data as the Swift API. */
export interface S3Config {
  enabled: boolean;
  /** Comma-separated domains under which `<bucket>.<domain>` names a bucket (virtual-host style); empty: path style only. */
  storage_domain: string;
  /** What GetBucketLocation answers and what CreateBucketConfiguration may name (s3api's `location`). */
  location: string;
  /** Seconds a signed request's time may differ from the server's (S3: 15 minutes). */
  allowable_clock_skew: number;
  /** Keys one DeleteObjects request may name (s3api's max_multi_delete_objects). */
  max_multi_delete_objects: number;
  /** Highest part number of a multipart upload (s3api's max_upload_part_num). */
  max_upload_part_num: number;
  /** Smallest size of every part but the last (S3: 5 MiB). */
  min_segment_size: number;
}

export interface Config {
  s3: S3Config;
  server: ServerConfig;
  logging: LoggingConfig;
  metrics: MetricsConfig;
  container_sync: ContainerSyncConfig;
  storage: StorageConfig;
  ratelimit: RateLimitConfig;
  swift: SwiftConfig;
  domain_remap: DomainRemapConfig;
  auth: AuthConfig;
  identity: IdentityConfig;
  keystone: KeystoneConfig;
  images: ImagesConfig;
  auditor: AuditorConfig;
  console: ConsoleConfig;
}

/**
 * `[console]`: the browser console served at `/console` (console/src, src/console/static.ts), a client
 * of the public APIs only. The sizes are the console's upload policy, handed to the browser.
 */
export interface ConsoleConfig {
  enabled: boolean;
  /** Files larger than this are uploaded as a static large object (segments, then the manifest). */
  slo_threshold: number;
  /** Bytes per segment of such an upload. */
  segment_size: number;
}

/** `[images]`: the image service (`swiftlet images serve`), a separate process and a client of Swiftlet. */
export interface ImagesConfig {
  host: string;
  port: number;
  /** SQLite file holding the image records. */
  database: string;
  /** Swiftlet's base URL (object API under /v1, identity under /v3 unless identity_url is set). */
  swift_url: string;
  /** Keystone-compatible identity base URL (without /v3); empty means `swift_url`. */
  identity_url: string;
  /** Reseller prefix of the accounts holding image bytes (`SERVICE_` → SERVICE_<owner project>). */
  account_prefix: string;
  container: string;
  /** The image service's own user (role `service`): its token is sent as X-Service-Token. */
  service_user: string;
  service_password: string;
  service_project: string;
  /** A read-only user holding a `<PREFIX>_reader_roles` role (docs/auth-rules.md D6), for cross-project reads and audits. */
  reader_user: string;
  reader_password: string;
  reader_project: string;
  /** Roles that make a caller an image administrator (publicize, see and edit every image). */
  admin_roles: string;
  /** Roles that may read the latest audit's findings (GET /v2/audit/latest) besides administrators. */
  audit_roles: string;
  /** Origins whose pages (the web console) may read the latest audit through CORS; empty: swift_url's origin. */
  cors_allowed_origins: string;
  /** When non-empty, Swiftlet's v3 catalog lists this URL as the `image` endpoint. */
  public_url: string;
  /** Images larger than this (or than the object size cap) are stored in segments of this size behind a large-object manifest. */
  segment_size: number;
  /** Container of the segments in the same SERVICE_ account; empty means `<container>_segments`. */
  segment_container: string;
  /** Seconds a validated user token, and the service's own token, are reused (at most 30; 0: validate every request). */
  token_cache_time: number;
}

export const DEFAULT_CONFIG: Config = {
  server: { host: '127.0.0.1', port: 8080, workers: 0, data_dir: './data', inline_object_max_bytes: 65536, listing_threads: 1, client_timeout: 60, shutdown_timeout: 30 },
  logging: { access_log: 'off', access_log_format: 'swift', access_log_headers: false },
  metrics: { listen: '', store_interval: 60, orphan_census_interval: 3600 },
  swift: {
    ...DEFAULT_CONSTRAINTS,
    allow_account_management: false,
    account_autocreate: true,
    expirer_interval: 30,
    max_files_per_archive: 100_000,
    max_archive_expanded_bytes: 100 * 1024 ** 3,
  },
  auth: {
    reseller_prefix: 'AUTH, SERVICE',
    operator_roles: 'admin, swiftoperator',
    service_roles: '',
    project_reader_roles: '',
    reseller_admin_role: 'ResellerAdmin',
    system_reader_roles: '',
    service_token_roles: 'service',
    service_token_roles_required: true,
    token_life: 86400,
    allow_expired_window: 172800,
    per_prefix: { SERVICE_service_roles: 'service' },
  },
  identity: { mode: 'builtin', admin_password: '', users: [] },
  keystone: {
    auth_url: '',
    username: '',
    password: '',
    project_name: '',
    user_domain_name: 'Default',
    project_domain_name: 'Default',
    token_cache_time: 300,
    timeout: 10,
  },
  domain_remap: { storage_domain: '', default_reseller_prefix: '', mangle_client_paths: false },
  s3: {
    enabled: true, storage_domain: '', location: 'us-east-1', allowable_clock_skew: 900, max_multi_delete_objects: 1000,
    max_upload_part_num: 1000, min_segment_size: 5 * 1024 * 1024,
  },
  container_sync: {
    enabled: true, interval: 300, request_timeout: 60, allow_full_urls: true, allowed_sync_hosts: '127.0.0.1', current: '', realms: {},
  },
  storage: {
    backend: 'embedded', postgres_shards: '', postgres_identity: '', postgres_pool_size: 10,
    s3_endpoint: '', s3_region: 'us-east-1', s3_bucket: 'swiftlet', s3_access_key: '', s3_secret_key: '', s3_force_path_style: true,
    // Swift's legacy single policy, as when swift.conf names none.
    policies: [{ index: 0, name: 'Policy-0', aliases: [], default: true, deprecated: false, path: '', bucket: '' }],
    reserved_bytes: '1%',
  },
  ratelimit: {
    enabled: false, account_ratelimit: 0, max_sleep_time_seconds: 60, rate_buffer_seconds: 5, clock_accuracy: 1000,
    container_ratelimits: {}, container_listing_ratelimits: {},
  },
  auditor: { enabled: true, interval: 1800, bytes_per_second: 10_000_000 },
  console: { enabled: true, slo_threshold: 64 * 1024 * 1024, segment_size: 16 * 1024 * 1024 },
  images: {
    host: '127.0.0.1',
    port: 9292,
    database: './data/images.db',
    swift_url: 'http://127.0.0.1:8080',
    identity_url: '',
    account_prefix: 'SERVICE_',
    container: 'images',
    service_user: '',
    service_password: '',
    service_project: 'service',
    reader_user: '',
    reader_password: '',
    reader_project: 'service',
    admin_roles: 'ResellerAdmin',
    audit_roles: '',
    cors_allowed_origins: '',
    public_url: '',
    segment_size: 200 * 1024 * 1024,
    segment_container: '',
    token_cache_time: 30,
  },
};

/** Option names that may be given per reseller prefix (`<PREFIX>_<name>`, docs/auth-rules.md R1.2 and D5/D6). */
export const PER_PREFIX_OPTIONS = [
  'operator_roles', 'service_roles', 'project_reader_roles', 'reader_roles', 'acl_requires_service_token',
] as const;
