/**
 * A small, strict XML parser for the request bodies S3 operations take (CreateBucketConfiguration,
 * Delete, CompleteMultipartUpload). It knows elements, attributes (ignored), text, CDATA, comments,
 * processing instructions, the five predefined entities and character references, and nothing more:
 * a DOCTYPE (and so any entity declaration, external or not) is refused, never resolved, as is
 * anything not well-formed. Namespace prefixes are dropped from element names.
 */

export interface XmlNode {
  name: string;
  children: XmlNode[];
  /** The element's own text (character data directly inside it), entities resolved. */
  text: string;
}

export class XmlParseError extends Error {}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
// Sticky (matched at lastIndex): the parser never copies the rest of the document to match a token.
const NAME = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;
const ATTRIBUTE = /[A-Za-z_:][-A-Za-z0-9_.:]*\s*=\s*("[^"<]*"|'[^'<]*')/y;

function matchAt(re: RegExp, s: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(s);
}

function decodeEntities(raw: string): string {
  return raw.replace(/&([^;&\s]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw new XmlParseError('bare &');
    if (ref.startsWith('#x') || ref.startsWith('#X')) return codePoint(parseInt(ref.slice(2), 16), ref);
    if (ref.startsWith('#')) return codePoint(parseInt(ref.slice(1), 10), ref);
    const value = PREDEFINED[ref];
    if (value === undefined) throw new XmlParseError(`unknown entity &${ref};`);
    return value;
  });
}

function codePoint(n: number, ref: string): string {
  if (!Number.isInteger(n) || n <= 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) throw new XmlParseError(`bad reference &${ref};`);
  return String.fromCodePoint(n);
}

function localName(qname: string): string {
  const colon = qname.indexOf(':');
  return colon === -1 ? qname : qname.slice(colon + 1);
}

/** Parses a document; throws XmlParseError for anything malformed or with a DOCTYPE. */
export function parseXml(source: string): XmlNode {
  let i = 0;
  const s = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  const skipSpace = () => { while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++; };
  const expectEnd = (end: string, what: string) => {
    const at = s.indexOf(end, i);
    if (at === -1) throw new XmlParseError(`unterminated ${what}`);
    const inner = s.slice(i, at);
    i = at + end.length;
    return inner;
  };
  while (i < s.length) {
    if (s.startsWith('<?', i)) { i += 2; expectEnd('?>', 'processing instruction'); continue; }
    if (s.startsWith('<!--', i)) { i += 4; expectEnd('-->', 'comment'); continue; }
    if (s.startsWith('<!DOCTYPE', i) || s.startsWith('<!ENTITY', i)) throw new XmlParseError('DOCTYPE and entity declarations are not accepted');
    if (s.startsWith('<![CDATA[', i)) {
      i += 9;
      const text = expectEnd(']]>', 'CDATA');
      const top = stack[stack.length - 1];
      if (!top) throw new XmlParseError('CDATA outside the root');
      top.text += text;
      continue;
    }
    if (s.startsWith('<!', i)) throw new XmlParseError('unsupported declaration');
    if (s.startsWith('</', i)) {
      i += 2;
      const m = matchAt(NAME, s, i);
      if (!m) throw new XmlParseError('bad end tag');
      i += m[0].length;
      skipSpace();
      if (s[i] !== '>') throw new XmlParseError('bad end tag');
      i++;
      const top = stack.pop();
      if (!top || top.name !== localName(m[0])) throw new XmlParseError('mismatched end tag');
      continue;
    }
    if (s[i] === '<') {
      i++;
      const m = matchAt(NAME, s, i);
      if (!m) throw new XmlParseError('bad start tag');
      i += m[0].length;
      const node: XmlNode = { name: localName(m[0]), children: [], text: '' };
      // Attributes: checked for form, then ignored (namespaces and such).
      for (;;) {
        skipSpace();
        if (s.startsWith('/>', i) || s[i] === '>') break;
        const a = matchAt(ATTRIBUTE, s, i);
        if (!a) throw new XmlParseError('bad attribute');
        decodeEntities(a[1] ?? '');
        i += a[0].length;
      }
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(node);
      else if (root) throw new XmlParseError('more than one root element');
      else root = node;
      if (s.startsWith('/>', i)) i += 2;
      else { i++; stack.push(node); }
      continue;
    }
    const next = s.indexOf('<', i);
    const raw = next === -1 ? s.slice(i) : s.slice(i, next);
    i = next === -1 ? s.length : next;
    const top = stack[stack.length - 1];
    if (!top) {
      if (raw.trim() !== '') throw new XmlParseError('text outside the root');
      continue;
    }
    top.text += decodeEntities(raw);
  }
  if (stack.length > 0 || !root) throw new XmlParseError('unterminated document');
  return root;
}

/** The children of `node` named `name`. */
export function childrenNamed(node: XmlNode, name: string): XmlNode[] {
  return node.children.filter((c) => c.name === name);
}

/** The text of the first child named `name`, or undefined. */
export function childText(node: XmlNode, name: string): string | undefined {
  return node.children.find((c) => c.name === name)?.text;
}
