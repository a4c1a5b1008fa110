/** Reseller prefixes (docs/auth-rules.md section 1). */

/** R1.1: split on commas, trim, `''` is the empty prefix, append `_`, drop duplicates. */
export function parsePrefixes(value: string): string[] {
  const out: string[] = [];
  for (const raw of value.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const prefix = item === "''" ? '' : item.endsWith('_') ? item : `${item}_`;
    if (!out.includes(prefix)) out.push(prefix);
  }
  return out.length > 0 ? out : [''];
}

/** R1.3: first configured non-empty prefix the account starts with, else '' if configured, else undefined. */
export function prefixOf(account: string, prefixes: readonly string[]): string | undefined {
  for (const p of prefixes) if (p !== '' && account.startsWith(p)) return p;
  return prefixes.includes('') ? '' : undefined;
}

/** R1.4: the account belongs to the project when it is some prefix followed by the project id. */
export function accountBelongsTo(account: string, projectId: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => account === p + projectId);
}

/** Role lists are comma-separated, trimmed and lower-cased (R1.2). */
export function parseRoleList(value: string): string[] {
  return value.split(',').map((r) => r.trim().toLowerCase()).filter((r) => r !== '');
}
