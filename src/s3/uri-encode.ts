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

/**
 * A header value unquoted as Python's `urllib.parse.unquote` does it, which s3api applies to
 * `x-amz-copy-source`: valid `%XX` escapes become their bytes, anything else (a lone `%`, raw
 * UTF-8 bytes, which Node hands over as latin1) stays, and the bytes are read as UTF-8.
 */
export function lenientUnquote(headerValue: string): string {
  const bytes = Buffer.from(headerValue, 'latin1');
  const out = Buffer.alloc(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    if (b === 0x25 && i + 2 < bytes.length && /^[0-9A-Fa-f]{2}$/.test(bytes.toString('latin1', i + 1, i + 3))) {
      out[n++] = parseInt(bytes.toString('latin1', i + 1, i + 3), 16);
      i += 2;
    } else out[n++] = b;
  }
  return out.toString('utf8', 0, n);
}
