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
