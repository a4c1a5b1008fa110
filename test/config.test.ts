/**
 * Configuration: defaults ← TOML file ← environment ← command line, every value type-checked,
 * unknown keys rejected with the closest valid key (docs/auth-rules.md D2/D3), through loadConfig and through the
 * real `swiftlet serve` command.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { DEFAULT_CONFIG } from '../src/config/schema.js';
import { compilePolicy } from '../src/auth/policy-config.js';
import { CLI, freePort } from './helpers/server.js';

const dir = mkdtempSync(join(tmpdir(), 'swiftlet-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(toml: string): string {
  const path = join(dir, `c${++n}.toml`);
  writeFileSync(path, toml);
  return path;
}
function load(toml: string, env: NodeJS.ProcessEnv = {}) {
  return loadConfig(file(toml), env);
}
/** Asserts loading fails with a ConfigError whose message matches every pattern. */
function rejects(toml: string, ...patterns: RegExp[]): string {
  let message = '';
  assert.throws(() => load(toml), (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    message = err.message;
    for (const p of patterns) assert.match(err.message, p);
    return true;
  });
  return message;
}

describe('defaults', () => {
  test('no file, no environment → the documented defaults', () => {
    const c = loadConfig(undefined, {});
    assert.deepEqual(c, DEFAULT_CONFIG);
    assert.equal(c.server.port, 8080);
    assert.equal(c.server.host, '127.0.0.1');
    assert.equal(c.server.data_dir, './data');
    assert.equal(c.server.workers, 0);
    assert.equal(c.swift.max_file_size, 5_368_709_122);
    assert.equal(c.swift.container_listing_limit, 10_000);
    assert.equal(c.auth.reseller_prefix, 'AUTH, SERVICE');
    assert.deepEqual(c.auth.per_prefix, { SERVICE_service_roles: 'service' });
    assert.deepEqual(c.identity.users, []);
  });

  test('loading never mutates the shared defaults', () => {
    load('[server]\nport = 1234\n[auth]\nSERVICE_reader_roles = "auditor"\n');
    assert.equal(DEFAULT_CONFIG.server.port, 8080);
    assert.deepEqual(DEFAULT_CONFIG.auth.per_prefix, { SERVICE_service_roles: 'service' });
  });

  test('an empty file is the defaults', () => {
    assert.deepEqual(load(''), DEFAULT_CONFIG);
  });
});

describe('TOML file', () => {
  test('overrides each section and keeps the other defaults', () => {
    const c = load(`
[server]
host = "0.0.0.0"
port = 9000
workers = 3
data_dir = "/srv/swiftlet"
inline_object_max_bytes = 4096
listing_threads = 2

[swift]
max_file_size = 1048576
account_autocreate = false
container_listing_limit = 500

[auth]
operator_roles = "admin, member"
token_life = 3600
service_token_roles_required = false

[identity]
admin_password = "s3cret"

[[identity.users]]
project = "test"
name = "tester"
password = "testing"
roles = [".admin", "member"]
`);
    assert.deepEqual(c.server, { host: '0.0.0.0', port: 9000, workers: 3, data_dir: '/srv/swiftlet', inline_object_max_bytes: 4096, listing_threads: 2, client_timeout: 60, shutdown_timeout: 30 });
    assert.equal(c.swift.max_file_size, 1_048_576);
    assert.equal(c.swift.account_autocreate, false);
    assert.equal(c.swift.container_listing_limit, 500);
    assert.equal(c.swift.max_object_name_length, 1024, 'untouched constraint keeps its default');
    assert.equal(c.auth.operator_roles, 'admin, member');
    assert.equal(c.auth.token_life, 3600);
    assert.equal(c.auth.service_token_roles_required, false);
    assert.equal(c.auth.reseller_prefix, 'AUTH, SERVICE');
    assert.equal(c.identity.admin_password, 's3cret');
    assert.deepEqual(c.identity.users, [{ project: 'test', name: 'tester', password: 'testing', roles: ['.admin', 'member'] }]);
  });

  test('dotted keys work like tables', () => {
    assert.equal(load('server.port = 5555\n').server.port, 5555);
  });

  test('per-prefix options are kept and reach the policy', () => {
    const c = load(`
[auth]
reseller_prefix = "AUTH, SERVICE, IMG"
IMG_service_roles = "image"
SERVICE_reader_roles = "auditor"
SERVICE_acl_requires_service_token = true
`);
    assert.deepEqual(c.auth.per_prefix, {
      SERVICE_service_roles: 'service', IMG_service_roles: 'image', SERVICE_reader_roles: 'auditor',
      SERVICE_acl_requires_service_token: 'true',
    });
    const policy = compilePolicy(c.auth);
    assert.deepEqual(policy.rules.get('SERVICE_')?.serviceRoles, ['service'],
      'setting another SERVICE_ option must not drop the default service-token requirement');
    assert.deepEqual(policy.rules.get('SERVICE_')?.readerRoles, ['auditor']);
    assert.equal(policy.rules.get('SERVICE_')?.aclRequiresServiceToken, true);
    assert.deepEqual(policy.rules.get('IMG_')?.serviceRoles, ['image']);
    assert.deepEqual(policy.rules.get('AUTH_')?.serviceRoles, []);
  });

  test('the default SERVICE_ requirement can be switched off explicitly with an empty value', () => {
    const c = load('[auth]\nSERVICE_service_roles = ""\n');
    assert.deepEqual(compilePolicy(c.auth).rules.get('SERVICE_')?.serviceRoles, []);
  });

  test('a reseller_prefix without SERVICE loads (the SERVICE_ default does not apply to it)', () => {
    const c = load('[auth]\nreseller_prefix = "AUTH"\n');
    assert.deepEqual(c.auth.per_prefix, {});
    assert.deepEqual(compilePolicy(c.auth).prefixes, ['AUTH_']);
  });

  test("the empty prefix takes ''option keys", () => {
    const c = load(`[auth]\nreseller_prefix = "AUTH, ''"\n"''service_roles" = "svc"\n`);
    assert.deepEqual(c.auth.per_prefix, { "''service_roles": 'svc' });
    assert.deepEqual(compilePolicy(c.auth).rules.get('')?.serviceRoles, ['svc']);
  });
});

describe('environment and command line', () => {
  test('SWIFTLET_* variables override the file; command-line overrides beat both', () => {
    const path = file('[server]\nport = 9000\nhost = "10.0.0.1"\ndata_dir = "/from/file"\nworkers = 2\n[identity]\nadmin_password = "file"\n');
    const env = {
      SWIFTLET_PORT: '9100', SWIFTLET_HOST: '127.0.0.2', SWIFTLET_DATA: '/from/env', SWIFTLET_WORKERS: '4',
      SWIFTLET_ADMIN_PASSWORD: 'envpw',
    };
    const c = loadConfig(path, env);
    assert.deepEqual(c.server, { port: 9100, host: '127.0.0.2', data_dir: '/from/env', workers: 4, inline_object_max_bytes: 65536, listing_threads: 1, client_timeout: 60, shutdown_timeout: 30 });
    assert.equal(c.identity.admin_password, 'envpw');
    const o = loadConfig(path, env, { port: 9200, host: '::1', data_dir: '/from/flag', workers: 1, admin_password: 'flag' });
    assert.deepEqual(o.server, { port: 9200, host: '::1', data_dir: '/from/flag', workers: 1, inline_object_max_bytes: 65536, listing_threads: 1, client_timeout: 60, shutdown_timeout: 30 });
    assert.equal(o.identity.admin_password, 'flag');
    // Without the environment the file wins over the defaults.
    assert.deepEqual(loadConfig(path, {}).server, { port: 9000, host: '10.0.0.1', data_dir: '/from/file', workers: 2, inline_object_max_bytes: 65536, listing_threads: 1, client_timeout: 60, shutdown_timeout: 30 });
  });

  test('empty variables count as unset', () => {
    const c = loadConfig(undefined, { SWIFTLET_PORT: '', SWIFTLET_DATA: '', SWIFTLET_HOST: '', SWIFTLET_WORKERS: '' });
    assert.equal(c.server.port, 8080);
    assert.equal(c.server.data_dir, './data');
    assert.equal(c.server.host, '127.0.0.1');
    assert.equal(c.server.workers, 0);
  });

  test('malformed numbers in the environment are errors naming the variable', () => {
    for (const [name, value] of [['SWIFTLET_PORT', 'http'], ['SWIFTLET_PORT', '-1'], ['SWIFTLET_WORKERS', '2.5'], ['SWIFTLET_PORT', '80 ']]) {
      assert.throws(() => loadConfig(undefined, { [name as string]: value }),
        (err: unknown) => err instanceof ConfigError && err.message.includes(name as string), `${name}=${value}`);
    }
    assert.throws(() => loadConfig(undefined, { SWIFTLET_PORT: '70000' }), /server\.port.*65535/);
  });
});

describe('unknown keys name the closest valid key', () => {
  test('[server] prot = 1 → server.port', () => {
    rejects('[server]\nprot = 1\n', /unknown key "server\.prot"/, /did you mean "server\.port"/);
  });

  test('[auth] SERVICE_service_role → SERVICE_service_roles (docs/auth-rules.md D3)', () => {
    rejects('[auth]\nSERVICE_service_role = "x"\n', /unknown key "auth\.SERVICE_service_role"/, /did you mean "auth\.SERVICE_service_roles"/);
  });

  test('a per-prefix key for a prefix that is not configured is rejected', () => {
    rejects('[auth]\nFOO_service_roles = "x"\n', /unknown key "auth\.FOO_service_roles"/);
    rejects('[auth]\nreseller_prefix = "AUTH"\nSERVICE_service_roles = "service"\n', /unknown key "auth\.SERVICE_service_roles"/, /AUTH_service_roles/);
    rejects(`[auth]\n"''service_roles" = "x"\n`, /unknown key "auth\.''service_roles"/);
  });

  test('misspelled sections, constraint names, user fields and top-level keys', () => {
    rejects('[sever]\nport = 1\n', /unknown key "sever"/, /did you mean "server"/);
    rejects('[swift]\nmax_file_sise = 5\n', /did you mean "swift\.max_file_size"/);
    rejects('[auth]\noperator_role = "admin"\n', /did you mean "auth\.operator_roles"/);
    rejects('[identity]\nadmin_pasword = "x"\n', /did you mean "identity\.admin_password"/);
    rejects('[[identity.users]]\nproject = "p"\nname = "n"\npasswrd = "x"\n', /did you mean "identity\.users\[0\]\.password"/);
    rejects('port = 5\n', /unknown key "port"/, /server\.port/);
  });

  test('an unknown key is reported as unknown even when its value has the wrong type', () => {
    rejects('[auth]\nservice_role = 5\n', /unknown key "auth\.service_role"/, /did you mean "auth\.service_roles"/);
  });

  test('object built-ins and internal tables are not options', () => {
    rejects('[server]\nconstructor = 1\n', /unknown key "server\.constructor"/);
    rejects('[swift]\ntoString = "x"\n', /unknown key "swift\.toString"/);
    rejects('[toString]\na = 1\n', /unknown key "toString"/);
    rejects('[auth]\nper_prefix = "x"\n', /unknown key "auth\.per_prefix"/);
    rejects('[identity]\n[identity.extra]\na = 1\n', /unknown key "identity\.extra"/);
  });
});

describe('wrong types are rejected, naming the key', () => {
  const cases: [string, RegExp][] = [
    ['[server]\nport = "8080"\n', /"server\.port" must be a non-negative integer/],
    ['[server]\nport = 1.5\n', /"server\.port" must be a non-negative integer/],
    ['[server]\nworkers = -1\n', /"server\.workers" must be a non-negative integer/],
    ['[server]\nport = 70000\n', /"server\.port" must be at most 65535/],
    ['[server]\nhost = 127\n', /"server\.host" must be a string/],
    ['[swift]\nexpirer_interval = 0\n', /"swift\.expirer_interval" must be at least 1/],
    ['[swift]\naccount_autocreate = "yes"\n', /"swift\.account_autocreate" must be true or false/],
    ['[swift]\nmax_file_size = inf\n', /"swift\.max_file_size" must be a non-negative integer/],
    ['[auth]\noperator_roles = ["admin"]\n', /"auth\.operator_roles" must be a string/],
    ['[auth]\nSERVICE_service_roles = true\n', /"auth\.SERVICE_service_roles" must be a string/],
    ['[auth]\nSERVICE_acl_requires_service_token = "yes"\n', /"auth\.SERVICE_acl_requires_service_token" must be true or false/],
    ['server = 5\n', /"server" must be a table/],
    ['[identity]\nusers = 3\n', /"identity\.users" must be an array/],
    ['[[identity.users]]\nproject = "p"\nname = "n"\n', /"identity\.users\[0\]\.password" is required/],
    ['[[identity.users]]\nproject = "p"\nname = "n"\npassword = "x"\nroles = ".admin"\n', /"identity\.users\[0\]\.roles" must be an array of strings/],
    ['[[identity.users]]\nproject = "p:q"\nname = "n"\npassword = "x"\n', /cannot contain ":"/],
    ['[server\nport = 1\n', /cannot read config/],
  ];
  for (const [toml, pattern] of cases) {
    test(JSON.stringify(toml), () => { rejects(toml, pattern); });
  }

  test('a missing config file is an error naming the file', () => {
    const missing = join(dir, 'does-not-exist.toml');
    assert.throws(() => loadConfig(missing, {}), (err: unknown) => err instanceof ConfigError && err.message.includes(missing));
  });
});

describe('[storage] reserved_bytes (Swift\'s fallocate_reserve)', () => {
  test('defaults to 1%; takes a byte count (TOML integer or string) or a percentage', () => {
    assert.equal(loadConfig(undefined, {}).storage.reserved_bytes, '1%');
    assert.equal(load('[storage]\nreserved_bytes = 1073741824').storage.reserved_bytes, '1073741824');
    assert.equal(load('[storage]\nreserved_bytes = "5000"').storage.reserved_bytes, '5000');
    assert.equal(load('[storage]\nreserved_bytes = "2.5%"').storage.reserved_bytes, '2.5%');
    assert.equal(load('[storage]\nreserved_bytes = 0').storage.reserved_bytes, '0');
  });
  test('anything else is refused, naming the key; a typo names it too', () => {
    rejects('[storage]\nreserved_bytes = "1 GB"', /storage\.reserved_bytes/, /byte count or a percentage/);
    rejects('[storage]\nreserved_bytes = "150%"', /storage\.reserved_bytes/);
    rejects('[storage]\nreserved_bytes = -1', /storage\.reserved_bytes/);
    rejects('[storage]\nreserved_bytes = 1.5', /storage\.reserved_bytes/);
    rejects('[storage]\nreserve_bytes = 1', /did you mean "storage\.reserved_bytes"/);
  });
});

describe('reseller prefixes (docs/auth-rules.md D2)', () => {
  test('overlapping prefixes are rejected', () => {
    rejects('[auth]\nreseller_prefix = "AUTH, AUTH_X"\n', /overlap/, /"AUTH_"/, /"AUTH_X_"/);
    rejects('[auth]\nreseller_prefix = "SERVICE_IMG, SERVICE"\n', /overlap/);
  });

  test('distinct prefixes, duplicates and trailing underscores are fine', () => {
    assert.deepEqual(compilePolicy(load('[auth]\nreseller_prefix = "AUTH, AUTHX, AUTH_"\n').auth).prefixes, ['AUTH_', 'AUTHX_']);
  });
});

describe('storage policies ([[storage.policies]], as swift.conf validates them)', () => {
  const policy = (fields: string): string => `[[storage.policies]]\n${fields}\n`;
  test('none configured: the legacy Policy-0, the default', () => {
    assert.deepEqual(load('').storage.policies.map((p) => [p.index, p.name, p.default]), [[0, 'Policy-0', true]]);
  });
  test('several: sorted by index, aliases kept, a lone policy becomes the default', () => {
    const c = load(policy('index = 2\nname = "silver"\ndefault = true') + policy('index = 0\nname = "gold"\naliases = ["yellow"]'));
    assert.deepEqual(c.storage.policies.map((p) => [p.index, p.name, p.aliases, p.default]), [[0, 'gold', ['yellow'], false], [2, 'silver', [], true]]);
    assert.equal(load(policy('name = "only"')).storage.policies[0]?.default, true);
  });
  test('refused: no index 0, duplicate names in any case, two defaults, none, a deprecated default, bad names', () => {
    rejects(policy('index = 1\nname = "a"\ndefault = true'), /index 0 is required/);
    rejects(policy('index = 0\nname = "a"\ndefault = true') + policy('index = 1\nname = "b"\naliases = ["A"]'), /duplicate name "A"/);
    rejects(policy('index = 0\nname = "a"') + policy('index = 0\nname = "b"\ndefault = true'), /duplicate index 0/);
    rejects(policy('index = 0\nname = "a"\ndefault = true') + policy('index = 1\nname = "b"\ndefault = true'), /only one policy can be the default/);
    rejects(policy('index = 0\nname = "a"') + policy('index = 1\nname = "b"'), /one policy must be the default/);
    rejects(policy('index = 0\nname = "a"\ndefault = true\ndeprecated = true'), /deprecated policy cannot be the default/);
    rejects(policy('index = 0\nname = "no spaces"'), /invalid policy name "no spaces"/);
    rejects(policy('index = 0\nname = "a"\ndefault = true') + policy('index = 1\nname = "Policy-0"'), /"Policy-0" can only be used for the policy with index 0/);
    rejects(policy('index = 0\nname = "a"\nwhere = "x"'), /unknown key "storage.policies\[0\].where"/);
  });
});

describe('the swiftlet command', () => {
  /** Runs `node dist/src/cli/main.js serve …` and returns its exit code and output. */
  function serve(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
    return new Promise((resolveRun, reject) => {
      const child = spawn(process.execPath, [CLI, 'serve', ...args], {
        cwd: dir, env: { ...process.env, SWIFTLET_CONFIG: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
      const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`serve did not exit:\n${out}`)); }, 20_000);
      child.on('exit', (code) => { clearTimeout(timer); resolveRun({ code, out }); });
    });
  }

  test('serve --config with a typo exits non-zero before listening, naming the closest key', async () => {
    const bad = file('[server]\nprot = 1\n');
    const res = await serve(['--config', bad, '--data', join(dir, 'data1'), '--port', String(await freePort())]);
    assert.notEqual(res.code, 0);
    assert.match(res.out, /unknown key "server\.prot"; did you mean "server\.port"\?/);
    assert.doesNotMatch(res.out, /listening/);
  });

  test('serve rejects a misspelled per-prefix option (SERVICE_service_role)', async () => {
    const bad = file('[auth]\nSERVICE_service_role = "service"\n');
    const res = await serve(['--config', bad, '--data', join(dir, 'data2'), '--port', String(await freePort())]);
    assert.notEqual(res.code, 0);
    assert.match(res.out, /did you mean "auth\.SERVICE_service_roles"/);
  });

  test('SWIFTLET_CONFIG names the file; bad environment and flags exit non-zero', async () => {
    const bad = file('[auth]\nreseller_prefix = "AUTH, AUTH_X"\n');
    const viaEnv = await serve(['--data', join(dir, 'data3')], { SWIFTLET_CONFIG: bad });
    assert.notEqual(viaEnv.code, 0);
    assert.match(viaEnv.out, /overlap/);
    const badPort = await serve(['--data', join(dir, 'data4')], { SWIFTLET_PORT: 'eighty' });
    assert.notEqual(badPort.code, 0);
    assert.match(badPort.out, /SWIFTLET_PORT must be a non-negative integer/);
    const badFlag = await serve(['--port', 'x80', '--data', join(dir, 'data5')]);
    assert.notEqual(badFlag.code, 0);
    assert.match(badFlag.out, /--port must be a non-negative integer/);
    const missing = await serve(['--config', join(dir, 'nope.toml'), '--data', join(dir, 'data6')]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.out, /cannot read config .*nope\.toml/);
  });

  test('a valid file starts the server with its settings (port from the file)', async () => {
    const port = await freePort();
    const good = file(`[server]\nport = ${port}\nworkers = 1\n[identity]\nadmin_password = "pw"\n`);
    const child = spawn(process.execPath, [CLI, 'serve', '--config', good, '--data', join(dir, 'data7')], {
      cwd: dir, env: { ...process.env, SWIFTLET_CONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      await new Promise<void>((ready, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start:\n${out}`)), 30_000);
        child.stdout.on('data', () => { if (out.includes('Swiftlet listening')) { clearTimeout(timer); ready(); } });
        child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`exited ${code}:\n${out}`)); });
      });
      assert.match(out, new RegExp(`listening on http://127\\.0\\.0\\.1:${port} \\(one process`));
      const res = await fetch(`http://127.0.0.1:${port}/auth/v1.0`, { headers: { 'X-Auth-User': 'admin:admin', 'X-Auth-Key': 'pw' } });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});

describe('[container_sync]', () => {
  test('realms as in container-sync-realms.conf: key, key2, cluster_<name>; names upper-cased as Swift reads them', () => {
    const c = load(`
[container_sync]
interval = 10
current = "//us/dfw1"
[container_sync.realms.us]
key = "k1"
key2 = "k2"
cluster_dfw1 = "http://dfw1:8080/v1/"
cluster_Ord1 = "http://ord1:8080/v1/"
`);
    assert.equal(c.container_sync.interval, 10);
    assert.deepEqual(c.container_sync.realms, { US: { key: 'k1', key2: 'k2', clusters: { DFW1: 'http://dfw1:8080/v1/', ORD1: 'http://ord1:8080/v1/' } } });
    assert.equal(load('').container_sync.enabled, true);
  });

  test('a realm without key, an unknown realm key, a non-string value or interval 0 is refused', () => {
    rejects('[container_sync.realms.us]\ncluster_a = "http://a/v1/"\n', /"container_sync\.realms\.us\.key" is required/);
    rejects('[container_sync.realms.us]\nkey = "k"\nclustr_a = "http://a/v1/"\n', /unknown key "container_sync\.realms\.us\.clustr_a"/);
    rejects('[container_sync.realms.us]\nkey = 5\n', /must be a string/);
    rejects('[container_sync]\ninterval = 0\n', /"container_sync\.interval" must be at least 1/);
    rejects('[container_sync]\nintervall = 5\n', /did you mean "container_sync\.interval"/);
  });
});

describe('[logging] and [metrics]', () => {
  test('off by default; a file, a format and a listen address are taken', () => {
    assert.deepEqual(DEFAULT_CONFIG.logging, { access_log: 'off', access_log_format: 'swift', access_log_headers: false });
    assert.equal(DEFAULT_CONFIG.metrics.listen, '');
    const c = load('[logging]\naccess_log = "/var/log/swiftlet.log"\naccess_log_format = "json"\naccess_log_headers = true\n[metrics]\nlisten = "127.0.0.1:9100"\n');
    assert.deepEqual(c.logging, { access_log: '/var/log/swiftlet.log', access_log_format: 'json', access_log_headers: true });
    assert.equal(c.metrics.listen, '127.0.0.1:9100');
    assert.equal(load('[metrics]\nlisten = "[::1]:9100"\n').metrics.listen, '[::1]:9100');
  });

  test('an unknown format, an empty destination, a listen address without a port and typos are refused', () => {
    rejects('[logging]\naccess_log_format = "apache"\n', /logging\.access_log_format/, /"swift", "json"/);
    rejects('[logging]\naccess_log = ""\n', /logging\.access_log/);
    rejects('[metrics]\nlisten = "127.0.0.1"\n', /metrics\.listen/, /host:port/);
    rejects('[metrics]\nlisten = "127.0.0.1:70000"\n', /metrics\.listen/);
    rejects('[logging]\naccess_logs = "stdout"\n', /did you mean "logging\.access_log"/);
    rejects('[metrics]\nlisten_address = "127.0.0.1:9100"\n', /did you mean "metrics\.listen"/);
  });
});
