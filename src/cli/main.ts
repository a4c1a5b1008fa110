#!/usr/bin/env node
/**
 * The `swiftlet` command.
 *   swiftlet serve [--port N] [--host H] [--data DIR] [--workers N] [--config FILE]
 *   swiftlet audit [--data DIR] [--config FILE] [--bytes-per-second N] [--dry-run] [--json]
 * Environment: SWIFTLET_PORT, SWIFTLET_HOST, SWIFTLET_DATA, SWIFTLET_WORKERS, SWIFTLET_CONFIG,
 * SWIFTLET_ADMIN_PASSWORD. A `swiftlet.toml` in the working directory is read when present.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Overrides } from '../config/load.js';
import { serve } from './serve.js';
import { ADMIN_USAGE, runIdentityAdmin, UsageError } from './identity-admin.js';
import { resolve, join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { openDatabase } from '../storage/sqlite/database.js';
import { SqliteIdentityStore } from '../storage/sqlite/identity-store.js';
import { parsePrefixes } from '../auth/prefixes.js';
import { MIGRATE_USAGE, runMigrate } from './migrate.js';
import { auditImages, ImagesUsageError, serveImages } from '../images/index.js';
import { AUDIT_USAGE, runAudit } from './audit.js';

const IMAGES_USAGE = `image service (the [images] config section; see docs/service-accounts.md):
  swiftlet images serve [--port N] [--host H] [--config FILE]
  swiftlet images audit [--json] [--repair] [--stale-after SECONDS] [--config FILE]`;
const USAGE = `usage: swiftlet serve [--port N] [--host H] [--data DIR] [--workers N] [--config FILE]\n${ADMIN_USAGE}\n${IMAGES_USAGE}\n${MIGRATE_USAGE}\n${AUDIT_USAGE}`;
const ADMIN_NOUNS = ['project', 'user', 'role', 'service-user'];

function intOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new ConfigError(`--${name} must be a non-negative integer, got "${value}"`);
  return Number(value);
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      workers: { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      password: { type: 'string' },
      project: { type: 'string' },
      role: { type: 'string', multiple: true },
      user: { type: 'string' },
      id: { type: 'string' },
      description: { type: 'string' },
      json: { type: 'boolean' },
      repair: { type: 'boolean' },
      'stale-after': { type: 'string' },
      from: { type: 'string' },
      'bytes-per-second': { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const command = positionals[0] ?? 'serve';
  const configFile = values.config ?? process.env.SWIFTLET_CONFIG ?? (existsSync('swiftlet.toml') ? 'swiftlet.toml' : undefined);
  const overrides: Overrides = {};
  const port = intOption('port', values.port);
  const workers = intOption('workers', values.workers);
  if (port !== undefined) overrides.port = port;
  if (workers !== undefined) overrides.workers = workers;
  if (values.host !== undefined) overrides.host = values.host;
  if (values.data !== undefined) overrides.data_dir = values.data;
  if (command === 'images') {
    // --port/--host aim at the image service here, not at [server].
    const config = loadConfig(configFile, process.env, {});
    if (port !== undefined) config.images.port = port;
    if (values.host !== undefined) config.images.host = values.host;
    const verb = positionals[1];
    if (verb === 'serve') return serveImages(config.images);
    if (verb === 'audit') {
      const staleAfter = intOption('stale-after', values['stale-after']) ?? 3600;
      process.exitCode = await auditImages(config.images, { json: values.json === true, repair: values.repair === true, staleAfter }, (l) => console.log(l));
      return;
    }
    throw new ImagesUsageError(`unknown command "images ${verb ?? ''}"`);
  }
  if (command === 'migrate') {
    // Only the explicit --config: a swiftlet.toml lying in the working directory is not the destination.
    process.exitCode = await runMigrate(values.from, values.config);
    return;
  }
  const config = loadConfig(configFile, process.env, overrides);
  if (ADMIN_NOUNS.includes(command)) {
    const dataDir = resolve(config.server.data_dir);
    mkdirSync(dataDir, { recursive: true });
    const db = openDatabase(join(dataDir, 'swiftlet.db'));
    try {
      const options: Parameters<typeof runIdentityAdmin>[1]['options'] = {};
      for (const k of ['password', 'project', 'user', 'id', 'description'] as const) {
        const v = values[k];
        if (v !== undefined) options[k] = v;
      }
      if (values.role) options.role = values.role;
      await runIdentityAdmin(new SqliteIdentityStore(db), { positionals, options }, {
        out: (l) => console.log(l), json: values.json === true, accountPrefix: parsePrefixes(config.auth.reseller_prefix)[0] ?? '',
      });
    } finally {
      db.close();
    }
    return;
  }
  if (command === 'audit') {
    const rate = intOption('bytes-per-second', values['bytes-per-second']);
    process.exitCode = await runAudit(config, {
      ...(rate !== undefined ? { bytesPerSecond: rate } : {}), dryRun: values['dry-run'] === true, json: values.json === true,
    }, { out: (l) => console.log(l), progress: (t) => process.stderr.write(t), tty: process.stderr.isTTY === true });
    return;
  }
  if (command !== 'serve') throw new ConfigError(`unknown command "${command}"\n${USAGE}`);
  await serve(config);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError || err instanceof ImagesUsageError) {
    console.error(`swiftlet: ${err.message}\n${USAGE}`);
    process.exit(2);
  }
  if (err instanceof ConfigError || (err instanceof Error && err.name === 'TypeError' && 'code' in err)) {
    console.error(`swiftlet: ${err.message}`);
  } else {
    console.error(err);
  }
  process.exit(2);
});
