/**
 * JSON as Python's `json.dumps` writes it (", " and ": " separators, non-ASCII as \uXXXX), so that
 * listings are byte-identical to Swift's.
 */
export function pyJson(value: unknown): string {
  // Written out directly: listings serialise tens of thousands of entries per request.
  return ascii(serialise(value));
}

/** Printable ASCII but `"` and `\`: what JSON writes as it is, only quoted. */
const VERBATIM = /^[ !#-[\]-~]*$/;

/** One string as `json.dumps` writes it: quoted, escaped, non-ASCII as \uXXXX. */
export function pyJsonString(value: string): string {
  // Listings quote three or four strings per entry, nearly always plain names and hex hashes.
  return VERBATIM.test(value) ? `"${value}"` : ascii(JSON.stringify(value));
}

const NON_ASCII = /[\u007f-\uffff]/;

/** Python's ensure_ascii: every code unit from U+007F up as \uXXXX (surrogate pairs stay pairs). */
function ascii(json: string): string {
  return NON_ASCII.test(json)
    ? json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : json;
}

function serialise(value: unknown): string {
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ', ') + (serialise(value[i]) ?? 'null');
    return `${out}]`;
  }
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON !== 'function') {
    let out = '{';
    let first = true;
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      out += `${first ? '' : ', '}${JSON.stringify(k)}: ${serialise(v)}`;
      first = false;
    }
    return `${out}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Python's repr() of a str, as Swift quotes names in some messages. */
export function pyRepr(value: string): string {
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of value) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if ((ch.codePointAt(0) ?? 0) < 0x20 || ch === '\x7f') out += `\\x${(ch.codePointAt(0) ?? 0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

