/**
 * JSON as Python's `json.dumps` writes it (", " and ": " separators, non-ASCII as \uXXXX), so that
 * listings are byte-identical to Swift's.
 */
export function pyJson(value: unknown): string {
  return JSON.stringify(value, null, 1)
    .replace(/\n\s*/g, (m, offset: number, all: string) => {
      const prev = all[offset - 1];
      const next = all[offset + m.length];
      return prev === '[' || prev === '{' || next === ']' || next === '}' ? '' : ' ';
    })
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
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

