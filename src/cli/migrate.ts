/**
 * `swiftlet migrate --from <data dir> --config <cluster toml>`: moves an embedded store into a cluster
 * (see docs/cluster.md, "Moving up"). Progress goes to stderr (a bar on a terminal), the summary to stdout.
 */
import { ConfigError, loadConfig } from '../config/load.js';
import { migrate } from '../migrate/index.js';

export const MIGRATE_USAGE = 'moving up: swiftlet migrate --from <embedded data dir> --config <toml with [storage] backend = "cluster">';

export async function runMigrate(from: string | undefined, configFile: string | undefined): Promise<number> {
  if (!from || !configFile) throw new ConfigError(`migrate needs --from and --config\n${MIGRATE_USAGE}`);
  const config = loadConfig(configFile, process.env, {});
  return migrate(from, config, {
    out: (line) => console.log(line),
    progress: (text) => process.stderr.write(text),
    tty: process.stderr.isTTY === true,
  });
}
