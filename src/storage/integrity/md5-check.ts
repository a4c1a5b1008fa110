/**
 * What an object's bytes can be checked against: the etag its record keeps, when that is the MD5 of
 * the stored bytes. Every record written here has one (object PUTs store the MD5 they computed; SLO
 * manifests the MD5 of the manifest JSON, their SLO etag sits in sysmeta; DLO manifests and symlinks
 * are ordinary small objects), but records brought in by other means might not: those are skipped.
 */
import { hash } from 'node:crypto';
import type { ObjectRecord } from '../contracts.js';

const MD5_HEX = /^[0-9a-f]{32}$/;

/** The record's etag when it is a plain MD5 of the bytes, else undefined (nothing to verify against). */
export function md5Etag(rec: ObjectRecord): string | undefined {
  return MD5_HEX.test(rec.etag) ? rec.etag : undefined;
}

/** Whether inline bytes are the record's: its size and, when it has one, its MD5. */
export function inlineIntact(rec: ObjectRecord, bytes: Buffer): boolean {
  if (bytes.length !== rec.size) return false;
  const md5 = md5Etag(rec);
  // One-shot hash: no Hash object for a few KiB (the get-small path runs this on every GET).
  return md5 === undefined || hash('md5', bytes, 'hex') === md5;
}

/** Raised into a GET body (cutting the connection) when its bytes turn out not to be the object's. */
export class DamagedObjectError extends Error {
  constructor(readonly detail: string) {
    super(`object bytes damaged: ${detail}`);
  }
}
