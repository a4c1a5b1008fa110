/**
 * Request metadata: validation (Swift's check_metadata, spec constraints) and extraction of what each
 * kind of resource persists. Metadata keys are stored lower-case and sent back title-cased, as Swift.
 */
import { SwiftError } from '../http/errors.js';
import type { Metadata } from '../storage/contracts.js';
import type { Constraints } from './constraints.js';

export type Target = 'account' | 'container' | 'object';

/** Header names repeat on every response: their title-cased forms are kept (bounded: names can come from users). */
const titled = new Map<string, string>();
const TITLED_MAX = 4096;

/** Python's str.title(): the first letter after any non-letter is upper-case, the rest lower-case. */
export function titleCase(name: string): string {
  const known = titled.get(name);
  if (known !== undefined) return known;
  const out = computeTitleCase(name);
  if (titled.size < TITLED_MAX) titled.set(name, out);
  return out;
}

function computeTitleCase(name: string): string {
  let out = '';
  let boundary = true;
  for (const ch of name) {
    const isLetter = ch.toLowerCase() !== ch.toUpperCase();
    out += isLetter ? (boundary ? ch.toUpperCase() : ch.toLowerCase()) : ch;
    boundary = !isLetter;
  }
  return out;
}

/**
 * Bytes of a header name or value. Node hands header values over as latin1 (one char per byte, so
 * UTF-8 metadata arrives as its bytes); strings with wider chars are counted as UTF-8.
 */
function byteLength(s: string): number {
  return /^[\u0000-\u00ff]*$/.test(s) ? s.length : Buffer.byteLength(s, 'utf8');
}

/** A header value as received (latin1 chars = bytes) → the text it spells in UTF-8, when it is valid UTF-8. */
export function headerToText(value: string): string {
  if (!/[\u0080-\u00ff]/.test(value) || /[^\u0000-\u00ff]/.test(value)) return value;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

/** Text → a header value Node writes byte for byte (UTF-8 bytes as latin1 chars). */
export function textToHeader(text: string): string {
  return /[^\u0000-\u007f]/.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}

/** Header sizes and the metadata of this request alone (check_metadata). */
export function checkRequestMetadata(headers: Record<string, string>, target: Target, c: Constraints): void {
  const prefix = `x-${target}-meta-`;
  let count = 0;
  let size = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (byteLength(value) > c.max_header_size) {
      throw new SwiftError('HeaderTooLong', { name: titleCase(name).slice(0, c.max_meta_name_length) });
    }
    if (!name.startsWith(prefix)) continue;
    const key = name.slice(prefix.length);
    if (!key) throw new SwiftError('MetadataInvalid', { message: 'Metadata name cannot be empty' });
    count += 1;
    size += byteLength(key) + byteLength(value);
    if (byteLength(key) > c.max_meta_name_length) {
      throw new SwiftError('MetadataInvalid', { message: `Metadata name too long: ${prefix}${titleCase(key)}` });
    }
    if (byteLength(value) > c.max_meta_value_length) {
      throw new SwiftError('MetadataInvalid', {
        message: `Metadata value longer than ${c.max_meta_value_length}: ${prefix}${titleCase(key)}`,
      });
    }
    if (count > c.max_meta_count) throw new SwiftError('MetadataInvalid', { message: `Too many metadata items; max ${c.max_meta_count}` });
    if (size > c.max_meta_overall_size) {
      throw new SwiftError('MetadataInvalid', { message: `Total metadata too large; max ${c.max_meta_overall_size}` });
    }
  }
}

/** The stored metadata of an account or container after an update stays within the limits. */
export function checkMetadataTotals(metadata: Metadata, target: Target, c: Constraints): void {
  const prefix = `x-${target}-meta-`;
  let count = 0;
  let size = 0;
  for (const [name, value] of Object.entries(metadata)) {
    if (!name.startsWith(prefix) || value === '') continue;
    count += 1;
    size += byteLength(name.slice(prefix.length)) + byteLength(value);
  }
  if (count > c.max_meta_count) throw new SwiftError('MetadataInvalid', { message: `Too many metadata items; max ${c.max_meta_count}` });
  if (size > c.max_meta_overall_size) throw new SwiftError('MetadataInvalid', { message: `Total metadata too large; max ${c.max_meta_overall_size}` });
}

/**
 * Headers, besides x-<target>-meta-*, that an account or container keeps.
 *
 * Not X-Versions-Location or X-History-Location as such: the versioned-writes middleware keeps
 * them as container sysmeta (with the mode) and shows them back.
 */
const PERSISTED: Record<'account' | 'container', readonly string[]> = {
  account: ['x-account-access-control'],
  container: ['x-container-read', 'x-container-write', 'x-container-sync-to', 'x-container-sync-key'],
};

/**
 * Metadata changes of an account/container PUT or POST: key → value, '' meaning "remove".
 * `X-Remove-<Target>-Meta-Foo` and `X-Remove-Container-Read` etc. remove.
 */
export function metadataChanges(headers: Record<string, string>, target: 'account' | 'container'): Metadata {
  const prefix = `x-${target}-meta-`;
  const removePrefix = `x-remove-${target}-meta-`;
  const changes: Metadata = {};
  for (const [name, value] of Object.entries(headers)) {
    // Sysmeta only ever comes from features: the gatekeeper strips it from clients' requests.
    if (name.startsWith(prefix) || name.startsWith(`x-${target}-sysmeta-`) || PERSISTED[target].includes(name)) changes[name] = value;
  }
  for (const name of Object.keys(headers)) {
    if (name.startsWith(removePrefix)) changes[prefix + name.slice(removePrefix.length)] = '';
    else if (name.startsWith('x-remove-') && PERSISTED[target].includes(`x-${name.slice('x-remove-'.length)}`)) {
      changes[`x-${name.slice('x-remove-'.length)}`] = '';
    }
  }
  return changes;
}

/** Object headers Swift's object server keeps besides x-object-meta-* (its default allowed_headers). */
export const OBJECT_ALLOWED_HEADERS = [
  'content-disposition', 'content-encoding', 'x-object-manifest', 'cache-control', 'content-language',
  'expires', 'x-robots-tag',
] as const;

/**
 * The metadata an object PUT stores: user metadata, the allowed headers, and object sysmeta (only
 * features set sysmeta: the gatekeeper strips it from clients' requests). `X-Static-Large-Object` is
 * kept as Swift's object server does; only the SLO middleware lets it through (400 otherwise).
 */
export function objectMetadata(headers: Record<string, string>): Metadata {
  const meta: Metadata = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-object-meta-') || (OBJECT_ALLOWED_HEADERS as readonly string[]).includes(name) ||
      name.startsWith('x-object-sysmeta-') || name === 'x-static-large-object') meta[name] = value;
  }
  return meta;
}

/** What an object POST keeps of the stored metadata (Swift keeps sysmeta and the SLO marker across a POST). */
export function metadataKeptOnPost(stored: Metadata): Metadata {
  const kept: Metadata = {};
  for (const [name, value] of Object.entries(stored)) {
    if (name.startsWith('x-object-sysmeta-') || name === 'x-static-large-object') kept[name] = value;
  }
  return kept;
}
