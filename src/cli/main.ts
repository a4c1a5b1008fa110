#!/usr/bin/env node
/**
 * The `swiftlet` command.
 *   swiftlet serve [--port N] [--host H] [--data DIR] [--workers N] [--config FILE]
 * Environment: SWIFTLET_PORT, SWIFTLET_HOST, SWIFTLET_DATA, SWIFTLET_WORKERS, SWIFTLET_CONFIG,
 * SWIFTLET_ADMIN_PASSWORD. A `swiftlet.toml` in the working directory is read when present.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Overrides } from '../config/load.js';
import { serve } from './serve.js';

const USAGE = `usage: swiftlet serve [--port N] [--host H] [--data DIR] [--workers N] [--config FILE]`;

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
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const command = positionals[0] ?? 'serve';
  if (command !== 'serve') throw new ConfigError(`unknown command "${command}"\n${USAGE}`);
  const configFile = values.config ?? process.env.SWIFTLET_CONFIG ?? (existsSync('swiftlet.toml') ? 'swiftlet.toml' : undefined);
  const overrides: Overrides = {};
  const port = intOption('port', values.port);
  const workers = intOption('workers', values.workers);
  if (port !== undefined) overrides.port = port;
  if (workers !== undefined) overrides.workers = workers;
  if (values.host !== undefined) overrides.host = values.host;
  if (values.data !== undefined) overrides.data_dir = values.data;
  await serve(loadConfig(configFile, process.env, overrides));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError || (err instanceof Error && err.name === 'TypeError' && 'code' in err)) {
    console.error(`swiftlet: ${err.message}`);
  } else {
    console.error(err);
  }
  process.exit(2);
});
