/**
 * DeleteObjects (`POST /<bucket>?delete`), as s3api: up to `max_multi_delete_objects` keys (each
 * optionally with a VersionId) in a `<Delete>` document of s3api's schema, each deleted as
 * DeleteObject deletes it; `<Quiet>true</Quiet>` leaves the successes out of the answer. A key that
 * fails is an `<Error>` of its own; a caller denied the bucket gets one `<Error>` per key. The body is
 * small and read whole; Content-MD5, when sent, must match it.
 */
import type { SwiftResponse } from '../http/response.js';
import { S3Error, isS3Error } from './errors.js';
import { deleteObject } from './object.js';
import { ok, swiftFailure, xmlResponse, type S3Operation } from './operation.js';
import { dropBody } from './swift-call.js';
import { checkContentMd5, parseXmlBody, readSmallBody } from './xml-body.js';
import type { XmlNode } from './xml-parse.js';
import { childText, childrenNamed } from './xml-parse.js';
import { xmlElement, xmlRoot } from './xml-write.js';

const MAX_OBJECT_NAME_LENGTH = 1024;

interface Wanted { key: string; version: string | undefined }

/** s3api's schema of the document: Delete holds an optional Quiet and one or more Object, each a Key and an optional VersionId. */
function checkSchema(doc: XmlNode): void {
  const only = (node: XmlNode, allowed: readonly string[]) => node.children.every((c) => allowed.includes(c.name));
  const objects = childrenNamed(doc, 'Object');
  if (!only(doc, ['Quiet', 'Object']) || childrenNamed(doc, 'Quiet').length > 1 || objects.length === 0) throw new S3Error('MalformedXML');
  for (const o of objects) {
    if (!only(o, ['Key', 'VersionId']) || childrenNamed(o, 'Key').length !== 1 || childrenNamed(o, 'VersionId').length > 1) throw new S3Error('MalformedXML');
  }
}

export async function deleteObjects(op: S3Operation): Promise<SwiftResponse> {
  // s3api's limit: twice what the most keys of the longest names take, at most 10 MiB.
  const maxBody = Math.min(2 * op.config.max_multi_delete_objects * MAX_OBJECT_NAME_LENGTH, 10 * 1024 * 1024);
  const body = await readSmallBody(op.session, maxBody);
  if (body.length === 0) throw new S3Error('MissingRequestBodyError', 'Request body is empty.');
  checkContentMd5(op.ctx.headers['content-md5'], body);
  const doc = parseXmlBody(body, 'Delete');
  checkSchema(doc);
  const quiet = (childText(doc, 'Quiet') ?? 'false').trim().toLowerCase() === 'true';
  const wanted: Wanted[] = childrenNamed(doc, 'Object').map((o) => {
    const key = childText(o, 'Key');
    if (key === undefined || key === '') throw new S3Error('UserKeyMustBeSpecified');
    return { key, version: childText(o, 'VersionId') };
  });
  if (wanted.length > op.config.max_multi_delete_objects) throw new S3Error('MalformedXML');
  const bucket = await op.swift.call('HEAD', op.bucket, undefined);
  dropBody(bucket);
  if (!ok(bucket)) {
    const err = swiftFailure(bucket, 'HEAD', op.bucket, undefined);
    if (err.code !== 'AccessDenied') throw err;
    // Denied the bucket: every key is an error of its own, in a 200 answer (s3api's _gen_error_body).
    return xmlResponse(200, xmlRoot('DeleteResult', wanted.map((w) => errorElement(w, err, true))));
  }
  const out: string[] = [];
  for (const w of wanted) {
    try {
      await deleteObject({ ...op, key: w.key }, w.version);
      if (!quiet) out.push(xmlElement('Deleted', [xmlElement('Key', w.key)]));
    } catch (err) {
      if (!isS3Error(err)) throw err;
      out.push(errorElement(w, err, false));
    }
  }
  return xmlResponse(200, xmlRoot('DeleteResult', out));
}

function errorElement(w: Wanted, err: S3Error, withVersion: boolean): string {
  return xmlElement('Error', [
    xmlElement('Key', w.key), ...(withVersion && w.version !== undefined ? [xmlElement('VersionId', w.version)] : []),
    xmlElement('Code', err.code), xmlElement('Message', err.message),
  ]);
}
