/**
 * Container ACLs ("V1" syntax, docs/auth-rules.md section 5) and account ACLs ("V2" JSON, section 6): cleaning and
 * validation of what clients set, parsing and matching of what is stored. Pure functions.
 */

export class AclError extends Error {}

/** Python's repr() of a str, as Swift quotes the offending item in ACL errors. */
function pyRepr(s: string): string {
  return s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** R5.1: normalise `X-Container-Read` / `X-Container-Write`; throws AclError (→ 400) on bad items. */
export function cleanAcl(headerName: string, value: string): string {
  const name = headerName.toLowerCase();
  const values: string[] = [];
  for (const raw of value.split(',')) {
    const item = raw.trim();
    if (!item) continue;
    const colon = item.indexOf(':');
    if (colon === -1) {
      values.push(item);
      continue;
    }
    const first = item.slice(0, colon).trim();
    let second = item.slice(colon + 1).trim();
    if (!first || !first.startsWith('.')) {
      values.push(item);
    } else if (['.r', '.ref', '.referer', '.referrer'].includes(first)) {
      if (name.includes('write')) throw new AclError(`Referrers not allowed in write ACL: ${pyRepr(item)}`);
      let negate = false;
      if (second.startsWith('-')) {
        negate = true;
        second = second.slice(1).trim();
      }
      if (second && second !== '*' && second.startsWith('*')) second = second.slice(1).trim();
      if (!second || second === '.') {
        throw new AclError(`No host/domain value after referrer designation in ACL: ${pyRepr(item)}`);
      }
      values.push(`.r:${negate ? '-' : ''}${second}`);
    } else {
      throw new AclError(`Unknown designator ${pyRepr(first)} in ACL: ${pyRepr(item)}`);
    }
  }
  return values.join(',');
}

export interface ParsedAcl {
  referrers: string[];
  groups: string[];
}

/** R5.2 */
export function parseAcl(acl: string | undefined): ParsedAcl {
  const out: ParsedAcl = { referrers: [], groups: [] };
  if (!acl) return out;
  for (const item of acl.split(',')) {
    if (item.startsWith('.r:')) out.referrers.push(item.slice(3));
    else {
      let group = item;
      try { group = decodeURIComponent(item); } catch { /* keep as is */ }
      out.groups.push(group);
    }
  }
  return out;
}

/** R5.3: last matching item wins; no Referer (or no host) matches only `*`. */
export function referrerAllowed(referer: string | undefined, referrers: readonly string[]): boolean {
  if (referrers.length === 0) return false;
  let host = 'unknown';
  try {
    if (referer) host = new URL(referer).hostname || 'unknown';
  } catch { /* relative or junk → no host */ }
  let allow = false;
  for (const entry of referrers) {
    if (entry.startsWith('-')) {
      const m = entry.slice(1);
      if (m === host || (m.startsWith('.') && host.endsWith(m))) allow = false;
    } else if (entry === '*' || entry === host || (entry.startsWith('.') && host.endsWith(entry))) {
      allow = true;
    }
  }
  return allow;
}

export interface AccountAcl {
  admin: string[];
  'read-write': string[];
  'read-only': string[];
}

const ACCOUNT_ACL_KEYS = ['admin', 'read-write', 'read-only'] as const;

function pyJsonKey(k: string): string {
  return k.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * R6.2: validates `X-Account-Access-Control`. Returns the ACL (undefined for "clear"), or throws
 * AclError with Swift's reason text.
 */
export function parseAccountAcl(raw: string): AccountAcl | undefined {
  const trimmed = raw.trim();
  if (trimmed === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (err) {
    throw new AclError(`Syntax error in input (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AclError('Syntax error in input (not a JSON object)');
  }
  const acl: AccountAcl = { admin: [], 'read-write': [], 'read-only': [] };
  for (const [k, v] of Object.entries(value)) {
    if (!(ACCOUNT_ACL_KEYS as readonly string[]).includes(k)) throw new AclError(`Key "${pyJsonKey(k)}" not recognized`);
    if (!Array.isArray(v)) throw new AclError(`Value for key "${k}" must be a list`);
    if (!v.every((x) => typeof x === 'string')) throw new AclError(`Elements of "${k}" list must be strings`);
    acl[k as keyof AccountAcl] = v as string[];
  }
  return acl;
}

/** R6.3: compact JSON, sorted keys, only non-empty lists; '' when nothing is granted. */
export function formatAccountAcl(acl: AccountAcl | undefined): string {
  if (!acl) return '';
  const parts = ACCOUNT_ACL_KEYS.filter((k) => acl[k].length > 0).sort()
    .map((k) => `"${k}":[${acl[k].map((x) => JSON.stringify(x).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)).join(',')}]`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}
