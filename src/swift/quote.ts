/**
 * Python's `urllib.parse.quote(text, safe)`: percent-encodes the UTF-8 bytes of everything except
 * letters, digits, `_.-~` and the characters in `safe`. Swift quotes names this way in reports and
 * headers, so clients that compare them byte for byte see what Swift sends.
 */
export function pyQuote(text: string, safe = '/'): string {
  // encodeURIComponent leaves !'()* alone, which Python always encodes.
  const quoted = encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  if (safe === '') return quoted;
  return quoted.replace(/%[0-9A-F]{2}/g, (escape) => {
    const c = String.fromCharCode(parseInt(escape.slice(1), 16));
    return safe.includes(c) ? c : escape;
  });
}
