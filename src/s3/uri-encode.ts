/** The percent-encoding AWS signatures use (RFC 3986 unreserved characters kept), and its inverse. */

/** Encodes every byte but `A-Z a-z 0-9 - . _ ~` (and `/` when `keepSlash`). */
export function awsUriEncode(text: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Decodes percent-escapes as UTF-8 (a `+` stays a `+`); undefined when malformed. */
export function percentDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** The query string as sent, split into decoded pairs in order (no `+`-as-space, unlike URLSearchParams). */
export function rawQueryPairs(raw: string): [string, string][] {
  if (raw === '') return [];
  const out: [string, string][] = [];
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = eq === -1 ? part : part.slice(0, eq);
    const v = eq === -1 ? '' : part.slice(eq + 1);
    out.push([percentDecode(k) ?? k, percentDecode(v) ?? v]);
  }
  return out;
}
