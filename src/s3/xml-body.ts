/** Reads a small XML request body: at most `limit` bytes, parsed safely (MalformedXML otherwise). */
import type { S3Session } from './authenticate.js';
import { createHash } from 'node:crypto';
import { S3Error } from './errors.js';
import { parseXml, XmlParseError, type XmlNode } from './xml-parse.js';

/**
 * The whole (small) body of a request that carries a document: at most `limit` bytes, else
 * MalformedXML, as s3api's req.xml(). A declared length over the limit is refused before anything is
 * read; a body that grows past it is read no further into memory, without destroying the request,
 * so the error can still be answered (the edge lets the client finish sending first).
 */
export async function readSmallBody(session: S3Session, limit: number): Promise<Buffer> {
  if (session.contentLength !== undefined && Number(session.contentLength) > limit) throw new S3Error('MalformedXML');
  const body = session.body();
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: unknown) => {
      body.off('data', onData).off('end', onEnd).off('error', done);
      if (err !== undefined) reject(err);
      else resolve(Buffer.concat(chunks));
    };
    const onData = (c: Buffer | string) => {
      const buf = typeof c === 'string' ? Buffer.from(c) : c;
      size += buf.length;
      if (size > limit) {
        done(new S3Error('MalformedXML'));
        // The rest flows on into nothing (a checking stream piped from the request must not hold
        // it back) until the answer closes the connection.
        body.resume();
        return;
      }
      chunks.push(buf);
    };
    const onEnd = () => done();
    body.on('data', onData).on('end', onEnd).on('error', done);
  });
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
