/** Writing S3's XML answers: escaped text, elements, the document prolog. */

const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export function xmlEscape(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' })[c] ?? c);
}

/** `<name>text</name>`, or `<name>children…</name>` for already-rendered children. */
export function xmlElement(name: string, content: string | readonly string[]): string {
  const inner = typeof content === 'string' ? xmlEscape(content) : content.join('');
  return `<${name}>${inner}</${name}>`;
}

/** The root element in S3's namespace, with the XML declaration. */
export function xmlRoot(name: string, children: readonly string[]): string {
  return xmlDocument(`<${name} xmlns="${S3_NS}">${children.join('')}</${name}>`);
}

export function xmlDocument(root: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root}`;
}

/**
 * S3's timestamps in XML answers, as s3api writes them: whole seconds rounded up, then `.000Z`
 * (`2026-12-07T19:32:49.000Z` for 19:32:48.2), so a time read back from a listing is never
 * earlier than the object's Last-Modified.
 */
export function isoTime(seconds: number): string {
  return `${new Date(Math.ceil(seconds) * 1000).toISOString().slice(0, 19)}.000Z`;
}
