/** Reads a small XML request body: at most `limit` bytes, parsed safely (MalformedXML otherwise). */
import type { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { S3Error } from './errors.js';
import { parseXml, XmlParseError, type XmlNode } from './xml-parse.js';

export async function readSmallBody(body: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of body) {
    const buf = c as Buffer;
    size += buf.length;
    if (size > limit) throw new S3Error('MalformedXML');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** Content-MD5, when sent, must be the body's (InvalidDigest when not base64 of 16 bytes, BadDigest when different). */
export function checkContentMd5(header: string | undefined, body: Buffer): void {
  if (header === undefined) return;
  const given = Buffer.from(header, 'base64');
  if (given.length !== 16) throw new S3Error('InvalidDigest');
  if (!given.equals(createHash('md5').update(body).digest())) throw new S3Error('BadDigest');
}

export function parseXmlBody(bytes: Buffer, root: string): XmlNode {
  let node: XmlNode;
  try {
    node = parseXml(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    if (err instanceof XmlParseError || err instanceof TypeError) throw new S3Error('MalformedXML');
    throw err;
  }
  if (node.name !== root) throw new S3Error('MalformedXML');
  return node;
}
