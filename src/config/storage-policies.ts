/**
 * `[[storage.policies]]`, validated as Swift validates swift.conf's `[storage-policy:N]` sections
 * (swift/common/storage_policy.py): indexes are unique non-negative integers and 0 exists; names and
 * aliases are unique without regard to case and use letters, digits and '-'; `Policy-0` names only
 * index 0; exactly one policy is the default (the only one when there is one), and it is not
 * deprecated; at least one policy is not deprecated. No entry at all means Swift's legacy single
 * policy, index 0 named `Policy-0`.
 */
import { ConfigError } from './errors.js';
import type { StoragePolicyConfig } from './schema.js';

const LEGACY_NAME = 'Policy-0';
const VALID_NAME = /^[A-Za-z0-9-]+$/;
const KEYS = ['index', 'name', 'aliases', 'default', 'deprecated', 'path', 'bucket'] as const;

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseOne(raw: unknown, position: number): StoragePolicyConfig {
  const where = `storage.policies[${position}]`;
  if (!isTable(raw)) throw new ConfigError(`"${where}" must be a table ([[storage.policies]])`);
  for (const key of Object.keys(raw)) {
    if (!(KEYS as readonly string[]).includes(key)) throw new ConfigError(`unknown key "${where}.${key}"; valid keys: ${KEYS.join(', ')}`);
  }
  const text = (key: 'name' | 'path' | 'bucket'): string => {
    const v = raw[key] ?? '';
    if (typeof v !== 'string') throw new ConfigError(`"${where}.${key}" must be a string, got ${JSON.stringify(v)}`);
    return v;
  };
  const flag = (key: 'default' | 'deprecated'): boolean => {
    const v = raw[key] ?? false;
    if (typeof v !== 'boolean') throw new ConfigError(`"${where}.${key}" must be true or false, got ${JSON.stringify(v)}`);
    return v;
  };
  const index = raw['index'] ?? position;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) {
    throw new ConfigError(`"${where}.index" must be a non-negative integer, got ${JSON.stringify(index)}`);
  }
  const name = text('name');
  if (name === '') throw new ConfigError(`"${where}.name" is required`);
  const aliasesRaw = raw['aliases'] ?? [];
  const aliasList = typeof aliasesRaw === 'string' ? aliasesRaw.split(',').map((a) => a.trim()).filter((a) => a !== '') : aliasesRaw;
  if (!Array.isArray(aliasList) || !aliasList.every((a): a is string => typeof a === 'string')) {
    throw new ConfigError(`"${where}.aliases" must be an array of strings`);
  }
  const aliases = aliasList.filter((a) => a !== name);
  for (const n of [name, ...aliases]) {
    if (!VALID_NAME.test(n)) throw new ConfigError(`"${where}": invalid policy name ${JSON.stringify(n)}; names may only contain letters, digits and "-"`);
    if (n.toUpperCase() === LEGACY_NAME.toUpperCase() && index !== 0) {
      throw new ConfigError(`"${where}": the name "${LEGACY_NAME}" can only be used for the policy with index 0`);
    }
  }
  const policy: StoragePolicyConfig = {
    index, name, aliases, default: flag('default'), deprecated: flag('deprecated'), path: text('path'), bucket: text('bucket'),
  };
  if (policy.default && policy.deprecated) throw new ConfigError(`"${where}": a deprecated policy cannot be the default`);
  return policy;
}

export function parseStoragePolicies(value: unknown): StoragePolicyConfig[] {
  if (!Array.isArray(value)) throw new ConfigError('"storage.policies" must be an array of tables ([[storage.policies]])');
  const policies = value.map(parseOne);
  if (policies.length === 0) {
    return [{ index: 0, name: LEGACY_NAME, aliases: [], default: true, deprecated: false, path: '', bucket: '' }];
  }
  const indexes = new Set<number>();
  const names = new Map<string, number>();
  for (const p of policies) {
    if (indexes.has(p.index)) throw new ConfigError(`"storage.policies": duplicate index ${p.index}`);
    indexes.add(p.index);
    for (const n of [p.name, ...p.aliases]) {
      const other = names.get(n.toUpperCase());
      if (other !== undefined) throw new ConfigError(`"storage.policies": duplicate name ${JSON.stringify(n)} (policies ${other} and ${p.index})`);
      names.set(n.toUpperCase(), p.index);
    }
  }
  if (!indexes.has(0)) throw new ConfigError('"storage.policies": a policy with index 0 is required to define several policies');
  if (policies.every((p) => p.deprecated)) throw new ConfigError('"storage.policies": at least one policy must not be deprecated');
  const defaults = policies.filter((p) => p.default);
  if (defaults.length > 1) throw new ConfigError(`"storage.policies": only one policy can be the default, got ${defaults.map((p) => p.name).join(', ')}`);
  if (defaults.length === 0) {
    const only = policies.length === 1 ? policies[0] : undefined;
    if (!only) throw new ConfigError('"storage.policies": one policy must be the default (default = true)');
    only.default = true;
  }
  return policies.sort((a, b) => a.index - b.index);
}
