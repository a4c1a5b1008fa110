/**
 * DeleteObjects (`POST /<bucket>?delete`): up to `max_multi_delete_objects` keys in a `<Delete>`
 * document, each deleted as DeleteObject deletes it; `<Quiet>true</Quiet>` leaves the successes
 * out of the answer. The body is small and read whole; Content-MD5, when sent, must match it.
 */
import type { SwiftResponse } from '../http/response.js';
import { S3Error, isS3Error } from './errors.js';
import { deleteObject } from './object.js';
import { ok, swiftFailure, xmlResponse, type S3Operation } from './operation.js';
import { dropBody } from './swift-call.js';
import { checkContentMd5, parseXmlBody, readSmallBody } from './xml-body.js';
import { childText, childrenNamed } from './xml-parse.js';
import { xmlElement, xmlRoot } from './xml-write.js';

/** s3api's limit on a multi-delete document (about 1000 keys of 1024 bytes, with room for markup). */
const MAX_BODY = 2 * 1024 * 1024;

export async function deleteObjects(op: S3Operation): Promise<SwiftResponse> {
  const body = await readSmallBody(op.session.body(), MAX_BODY);
  checkContentMd5(op.ctx.headers['content-md5'], body);
  const doc = parseXmlBody(body, 'Delete');
  const quiet = (childText(doc, 'Quiet') ?? 'false').trim().toLowerCase() === 'true';
  const objects = childrenNamed(doc, 'Object');
  if (objects.length > op.config.max_multi_delete_objects) throw new S3Error('MalformedXML');
  const keys = objects.map((o) => {
    const key = childText(o, 'Key');
    if (key === undefined) throw new S3Error('MalformedXML');
    const version = childText(o, 'VersionId');
    return { key, version };
  });
  const bucket = await op.swift.call('HEAD', op.bucket, undefined);
  dropBody(bucket);
  if (!ok(bucket)) throw swiftFailure(bucket, 'HEAD', op.bucket, undefined);
  const out: string[] = [];
  for (const { key, version } of keys) {
    if (version !== undefined && version !== 'null') {
      out.push(xmlElement('Error', [xmlElement('Key', key), xmlElement('Code', 'NotImplemented'), xmlElement('Message', 'Deleting versions is not implemented yet.')]));
      continue;
    }
    try {
      await deleteObject({ ...op, key });
      if (!quiet) out.push(xmlElement('Deleted', [xmlElement('Key', key)]));
    } catch (err) {
      if (!isS3Error(err)) throw err;
      out.push(xmlElement('Error', [xmlElement('Key', key), xmlElement('Code', err.code), xmlElement('Message', err.message)]));
    }
  }
  return xmlResponse(200, xmlRoot('DeleteResult', out));
}
