/**
 * Loads and validates configuration: defaults ← TOML file ← environment ← command line. Every value
 * is type-checked; unknown keys are rejected with the closest valid key (a typo such as
 * `SERVICE_service_role` must never silently mean "no requirement", docs/auth-rules.md D3).
 */
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { ACCESS_LOG_FORMATS, DEFAULT_CONFIG, IDENTITY_MODES, STORAGE_BACKENDS, PER_PREFIX_OPTIONS, type Config, type ConfigUser, type IdentityMode, type SyncRealmConfig } from './schema.js';
import { parsePrefixes } from '../auth/prefixes.js';
import { parseReserve } from '../storage/fs/free-space.js';

import { ConfigError } from './errors.js';
import { parseStoragePolicies } from './storage-policies.js';

export { ConfigError };

export interface Overrides {
  port?: number;
  host?: string;
  data_dir?: string;
  workers?: number;
  admin_password?: string;
}

type Table = Record<string, unknown>;

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

export function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] ?? 0;
}

export function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = levenshtein(key.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) { best = c; bestDistance = d; }
  }
  return best;
}

function unknownKey(where: string, key: string, valid: readonly string[]): ConfigError {
  const hint = closest(key, valid);
  return new ConfigError(`unknown key "${where}${key}"${hint ? `; did you mean "${where}${hint}"?` : ''}`);
}

/** Keys of a section that a file may set: the scalar options (tables such as `per_prefix` are internal). */
function scalarKeys(target: Table): string[] {
  return Object.keys(target).filter((k) => ['number', 'boolean', 'string'].includes(typeof target[k]));
}

/** Copies the values of `input` onto `target`, checking each key exists and has the default's type. */
function mergeSection(where: string, target: Table, input: Table, extraKeys: (key: string, value: unknown) => boolean = () => false): void {
  const valid = scalarKeys(target);
  for (const [key, value] of Object.entries(input)) {
    // Own scalar keys only: `constructor`, `toString` or an internal table must never pass as an option.
    if (!valid.includes(key)) {
      if (extraKeys(key, value)) continue;
      throw unknownKey(where, key, valid);
    }
    const expected = target[key];
    if (typeof expected === 'number') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        throw new ConfigError(`"${where}${key}" must be a non-negative integer, got ${JSON.stringify(value)}`);
      }
    } else if (typeof expected === 'boolean') {
      if (typeof value !== 'boolean') throw new ConfigError(`"${where}${key}" must be true or false, got ${JSON.stringify(value)}`);
    } else if (typeof value !== 'string') {
      throw new ConfigError(`"${where}${key}" must be a string, got ${JSON.stringify(value)}`);
    }
    target[key] = value;
  }
}

function parseUsers(value: unknown): ConfigUser[] {
  if (!Array.isArray(value)) throw new ConfigError('"identity.users" must be an array of tables ([[identity.users]])');
  return value.map((u: unknown, i) => {
    if (!isTable(u)) throw new ConfigError(`"identity.users[${i}]" must be a table`);
    const user: ConfigUser = { project: '', name: '', password: '', roles: [] };
    for (const [k, v] of Object.entries(u)) {
      if (k === 'roles') {
        if (!Array.isArray(v) || !v.every((r) => typeof r === 'string')) {
          throw new ConfigError(`"identity.users[${i}].roles" must be an array of strings`);
        }
        user.roles = v as string[];
      } else if (k === 'project' || k === 'name' || k === 'password') {
        if (typeof v !== 'string' || v === '') throw new ConfigError(`"identity.users[${i}].${k}" must be a non-empty string`);
        user[k] = v;
      } else {
        throw unknownKey(`identity.users[${i}].`, k, ['project', 'name', 'password', 'roles']);
      }
    }
    for (const k of ['project', 'name', 'password'] as const) {
      if (!user[k]) throw new ConfigError(`"identity.users[${i}].${k}" is required`);
    }
    if (user.project.includes(':') || user.name.includes(':')) {
      throw new ConfigError(`"identity.users[${i}]": project and user names cannot contain ":"`);
    }
    return user;
  });
}

export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv, overrides: Overrides = {}): Config {
  const config: Config = structuredClone(DEFAULT_CONFIG);
  let perPrefix: Record<string, string> = {};
  if (file) {
    let parsed: Table;
    try {
      parsed = parseToml(readFileSync(file, 'utf8')) as Table;
    } catch (err) {
      throw new ConfigError(`cannot read config ${file}: ${(err as Error).message}`);
    }
    perPrefix = applyFile(config, parsed);
  }
  const envInt = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    if (!/^\d+$/.test(v)) throw new ConfigError(`${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
    return Number(v);
  };
  // An empty variable counts as unset (SWIFTLET_DATA= must not mean "the current directory").
  const envText = (name: string): string | undefined => (env[name] === '' ? undefined : env[name]);
  config.server.port = overrides.port ?? envInt('SWIFTLET_PORT') ?? config.server.port;
  config.server.workers = overrides.workers ?? envInt('SWIFTLET_WORKERS') ?? config.server.workers;
  config.server.host = overrides.host ?? envText('SWIFTLET_HOST') ?? config.server.host;
  config.server.data_dir = overrides.data_dir ?? envText('SWIFTLET_DATA') ?? config.server.data_dir;
  config.identity.admin_password = overrides.admin_password ?? envText('SWIFTLET_ADMIN_PASSWORD') ?? config.identity.admin_password;
  if (config.server.port > 65535) throw new ConfigError(`"server.port" must be at most 65535, got ${config.server.port}`);
  if (config.images.port > 65535) throw new ConfigError(`"images.port" must be at most 65535, got ${config.images.port}`);
  if (config.images.token_cache_time > 30) throw new ConfigError(`"images.token_cache_time" must be at most 30 (seconds), got ${config.images.token_cache_time}`);
  if (config.images.segment_size < 1) throw new ConfigError(`"images.segment_size" must be at least 1 (bytes), got ${config.images.segment_size}`);
  // 0 would make the expirer a busy loop (setInterval with 0 ms).
  if (config.container_sync.interval < 1) throw new ConfigError(`"container_sync.interval" must be at least 1 (seconds), got ${config.container_sync.interval}`);
  if (config.swift.expirer_interval < 1) throw new ConfigError(`"swift.expirer_interval" must be at least 1 (seconds), got ${config.swift.expirer_interval}`);
  validateAuth(config);
  validateObserve(config);
  validateIdentity(config);
  validateStorage(config);
  if (config.console.segment_size < 1) throw new ConfigError('"console.segment_size" must be at least 1 (bytes)');
  if (config.auditor.interval < 1) throw new ConfigError('"auditor.interval" must be at least 1 (seconds between passes)');
  // Built-in per-prefix defaults (SERVICE_service_roles = "service") apply to the prefixes that are
  // configured; keys from the file are added on top, they never wipe the other defaults.
  const prefixes = parsePrefixes(config.auth.reseller_prefix);
  const defaults = Object.entries(DEFAULT_CONFIG.auth.per_prefix)
    .filter(([key]) => prefixes.some((p) => p !== '' && key.startsWith(p)));
  config.auth.per_prefix = { ...Object.fromEntries(defaults), ...perPrefix };
  return config;
}

/** Applies a parsed file onto `config`; returns the per-prefix `[auth]` keys it set, already validated. */
function applyFile(config: Config, parsed: Table): Record<string, string> {
  const sections = Object.keys(config);
  let perPrefix: Record<string, string> = {};
  for (const [section, value] of Object.entries(parsed)) {
    if (!sections.includes(section)) {
      // `port = 1` at the top level: point at the section that has this key.
      const home = isTable(value) ? undefined : sections.find((s) => scalarKeys((config as unknown as Record<string, Table>)[s] ?? {}).includes(section));
      if (home) throw new ConfigError(`unknown key "${section}" at the top level; did you mean "${home}.${section}" (under [${home}])?`);
      throw unknownKey('', section, sections);
    }
    if (!isTable(value)) throw new ConfigError(`"${section}" must be a table ([${section}])`);
    if (section === 'identity') {
      const { users, ...rest } = value;
      mergeSection('identity.', config.identity as unknown as Table, rest);
      if (users !== undefined) config.identity.users = parseUsers(users);
    } else if (section === 'auth') {
      const extra: Table = {};
      mergeSection('auth.', config.auth as unknown as Table, value, (key, v) => {
        extra[key] = v;
        return true;
      });
      perPrefix = perPrefixKeys(config, extra);
    } else if (section === 'storage') {
      // reserved_bytes is a byte count (a TOML integer is fine) or a percentage string, as Swift's fallocate_reserve.
      const { policies, reserved_bytes: reserve, ...rest } = value;
      mergeSection('storage.', config.storage as unknown as Table, rest);
      if (policies !== undefined) config.storage.policies = parseStoragePolicies(policies);
      if (reserve !== undefined) {
        if (typeof reserve === 'number' && Number.isInteger(reserve) && reserve >= 0) config.storage.reserved_bytes = String(reserve);
        else if (typeof reserve === 'string') config.storage.reserved_bytes = reserve;
        else throw new ConfigError(`"storage.reserved_bytes" must be a byte count or a percentage such as "1%", got ${JSON.stringify(reserve)}`);
      }
    } else if (section === 'ratelimit') {
      parseRateLimit(config, value);
    } else if (section === 'container_sync') {
      const { realms, ...rest } = value;
      mergeSection('container_sync.', config.container_sync as unknown as Table, rest);
      if (realms !== undefined) config.container_sync.realms = parseSyncRealms(realms);
    } else if (section === 'keystone') {
      // token_cache_time may be -1 ("no cache", as keystonemiddleware), the only negative number allowed.
      const { token_cache_time: cacheTime, ...rest } = value;
      mergeSection('keystone.', config.keystone as unknown as Table, rest);
      if (cacheTime !== undefined) {
        if (typeof cacheTime !== 'number' || !Number.isInteger(cacheTime) || cacheTime < -1) {
          throw new ConfigError(`"keystone.token_cache_time" must be an integer, -1 (no cache) or more, got ${JSON.stringify(cacheTime)}`);
        }
        config.keystone.token_cache_time = cacheTime;
      }
    } else {
      mergeSection(`${section}.`, (config as unknown as Record<string, Table>)[section] ?? {}, value);
    }
  }
  return perPrefix;
}

/**
 * `[container_sync.realms.<NAME>]`: Swift's container-sync-realms.conf, one table per realm with
 * `key`, optional `key2` and `cluster_<name> = "<url>"` keys. Realm and cluster names are
 * upper-cased, as Swift reads them, so `//us/dfw1/…` and `//US/DFW1/…` name the same cluster.
 */
function parseSyncRealms(value: unknown): Record<string, SyncRealmConfig> {
  if (!isTable(value)) throw new ConfigError('"container_sync.realms" must be a table of realms ([container_sync.realms.<NAME>])');
  const out: Record<string, SyncRealmConfig> = {};
  for (const [name, body] of Object.entries(value)) {
    const where = `container_sync.realms.${name}`;
    if (!isTable(body)) throw new ConfigError(`"${where}" must be a table`);
    const realm: SyncRealmConfig = { key: '', key2: '', clusters: {} };
    for (const [k, v] of Object.entries(body)) {
      if (typeof v !== 'string') throw new ConfigError(`"${where}.${k}" must be a string, got ${JSON.stringify(v)}`);
      if (k === 'key' || k === 'key2') realm[k] = v;
      else if (k.startsWith('cluster_') && k.length > 'cluster_'.length) realm.clusters[k.slice('cluster_'.length).toUpperCase()] = v;
      else throw unknownKey(`${where}.`, k, ['key', 'key2', 'cluster_<name>']);
    }
    if (realm.key === '') throw new ConfigError(`"${where}.key" is required`);
    out[name.toUpperCase()] = realm;
  }
  return out;
}

/** `[storage]`: a known backend, and for the cluster the engines it needs. */
function validateStorage(config: Config): void {
  const s = config.storage;
  if (parseReserve(s.reserved_bytes) === undefined) {
    throw new ConfigError(`"storage.reserved_bytes" must be a byte count or a percentage such as "1%", got ${JSON.stringify(s.reserved_bytes)}`);
  }
  if (!STORAGE_BACKENDS.includes(s.backend)) {
    throw new ConfigError(`"storage.backend" must be one of ${STORAGE_BACKENDS.map((b) => `"${b}"`).join(', ')}, got ${JSON.stringify(s.backend)}`);
  }
  if (s.backend !== 'cluster') return;
  if (s.postgres_shards.split(',').every((u) => u.trim() === '')) throw new ConfigError('"storage.postgres_shards" is required with storage.backend = "cluster"');
  if (!s.s3_endpoint) throw new ConfigError('"storage.s3_endpoint" is required with storage.backend = "cluster"');
  if (s.postgres_pool_size < 1) throw new ConfigError('"storage.postgres_pool_size" must be at least 1');
}

/**
 * `[ratelimit]`: rates and seconds may be fractions (Swift reads them as floats); the
 * `container_ratelimit_<size>` and `container_listing_ratelimit_<size>` keys are collected by size.
 */
function parseRateLimit(config: Config, input: Table): void {
  const target = config.ratelimit;
  const numbers = ['account_ratelimit', 'max_sleep_time_seconds', 'rate_buffer_seconds', 'clock_accuracy'] as const;
  const valid = ['enabled', ...numbers, 'container_ratelimit_<size>', 'container_listing_ratelimit_<size>'];
  for (const [key, value] of Object.entries(input)) {
    const where = `ratelimit.${key}`;
    if (key === 'enabled') {
      if (typeof value !== 'boolean') throw new ConfigError(`"${where}" must be true or false, got ${JSON.stringify(value)}`);
      target.enabled = value;
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new ConfigError(`"${where}" must be a non-negative number, got ${JSON.stringify(value)}`);
    }
    const sized = /^(container_listing_ratelimit|container_ratelimit)_(\d+)$/.exec(key);
    if (sized) {
      (sized[1] === 'container_ratelimit' ? target.container_ratelimits : target.container_listing_ratelimits)[sized[2] ?? '0'] = value;
    } else if ((numbers as readonly string[]).includes(key)) {
      if (key === 'clock_accuracy' && (!Number.isInteger(value) || value < 1)) throw new ConfigError(`"${where}" must be a positive integer`);
      target[key as (typeof numbers)[number]] = value;
    } else {
      throw unknownKey('ratelimit.', key, valid);
    }
  }
}

/**
 * docs/auth-rules.md R1.2/D3: `[auth]` keys that are not plain options must be `<PREFIX><option>` for a configured
 * prefix and a known option; anything else (a typo such as `SERVICE_service_role`) is a start-up error
 * naming the closest valid key.
 */
function perPrefixKeys(config: Config, extra: Table): Record<string, string> {
  const prefixes = parsePrefixes(config.auth.reseller_prefix);
  const validKeys = prefixes.flatMap((p) => PER_PREFIX_OPTIONS.map((o) => (p === '' ? `''${o}` : `${p}${o}`)));
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(extra)) {
    if (!validKeys.includes(key)) throw unknownKey('auth.', key, [...validKeys, ...scalarKeys(config.auth as unknown as Table)]);
    if (key.endsWith('acl_requires_service_token')) {
      if (typeof value !== 'boolean') throw new ConfigError(`"auth.${key}" must be true or false, got ${JSON.stringify(value)}`);
    } else if (typeof value !== 'string') {
      throw new ConfigError(`"auth.${key}" must be a string, got ${JSON.stringify(value)}`);
    }
    out[key] = String(value);
  }
  return out;
}

/**
 * `identity.mode`: "builtin" or "keystone". Keystone mode needs `[keystone]` auth_url and service
 * credentials; its users live in Keystone, so `[[identity.users]]` would silently do nothing there
 * and is refused.
 */
function validateIdentity(config: Config): void {
  const mode: string = config.identity.mode;
  if (!IDENTITY_MODES.includes(mode as IdentityMode)) {
    throw new ConfigError(`"identity.mode" must be one of ${IDENTITY_MODES.map((m) => `"${m}"`).join(', ')}, got ${JSON.stringify(mode)}`);
  }
  if (mode !== 'keystone') return;
  const ks = config.keystone;
  for (const key of ['auth_url', 'username', 'password', 'project_name'] as const) {
    if (ks[key] === '') throw new ConfigError(`"keystone.${key}" is required when identity.mode = "keystone"`);
  }
  let url: URL;
  try {
    url = new URL(ks.auth_url);
  } catch {
    throw new ConfigError(`"keystone.auth_url" must be an http(s) URL, got ${JSON.stringify(ks.auth_url)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`"keystone.auth_url" must be an http(s) URL, got ${JSON.stringify(ks.auth_url)}`);
  }
  if (ks.timeout < 1) throw new ConfigError(`"keystone.timeout" must be at least 1 (seconds), got ${ks.timeout}`);
  if (config.identity.users.length > 0) {
    throw new ConfigError('"identity.users" are built-in identity users; with identity.mode = "keystone" users live in Keystone');
  }
}

/** `[logging]` and `[metrics]`: a known log format, a log destination, a metrics address with a port. */
function validateObserve(config: Config): void {
  const { logging, metrics } = config;
  if (!ACCESS_LOG_FORMATS.includes(logging.access_log_format)) {
    throw new ConfigError(`"logging.access_log_format" must be one of ${ACCESS_LOG_FORMATS.map((f) => `"${f}"`).join(', ')}, got ${JSON.stringify(logging.access_log_format)}`);
  }
  if (logging.access_log.trim() === '') throw new ConfigError('"logging.access_log" must be "off", "stdout" or a file path');
  if (metrics.listen !== '' && parseListen(metrics.listen) === undefined) {
    throw new ConfigError(`"metrics.listen" must be host:port (e.g. "127.0.0.1:9100"), got ${JSON.stringify(metrics.listen)}`);
  }
}

/** `host:port` or `[v6]:port` → its parts; undefined when it is not one. */
export function parseListen(listen: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(listen.trim());
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535) return undefined;
  return { host: m[1] ?? m[2] ?? '', port };
}

/** docs/auth-rules.md D2: overlapping prefixes (one a prefix of another) are a start-up error. */
function validateAuth(config: Config): void {
  const prefixes = parsePrefixes(config.auth.reseller_prefix);
  for (const a of prefixes) {
    for (const b of prefixes) {
      if (a !== b && a !== '' && b !== '' && b.startsWith(a)) {
        throw new ConfigError(`reseller prefixes "${a}" and "${b}" overlap: "${b}" accounts would match "${a}" first`);
      }
    }
  }
}
