/**
 * Swift's reserved namespace: names that start with a NUL character. Clients can never send one
 * (a NUL in a path is refused at the edge), so features keep their own containers and objects
 * there: object versioning keeps every version of `<container>/<object>` in the hidden container
 * `\0versions\0<container>` as `\0<object>\0<inverted timestamp>`. Internal requests that address
 * such names say so with `X-Backend-Allow-Reserved-Names: true` (clients cannot send X-Backend-*:
 * the gatekeeper strips them); account listings hide reserved names from everyone else.
 */

export const RESERVED = '\u0000';
export const ALLOW_RESERVED_NAMES = 'x-backend-allow-reserved-names';

/** `\0part1\0part2…` (Swift's get_reserved_name). */
export function reservedName(...parts: string[]): string {
  return RESERVED + parts.join(RESERVED);
}

/** The parts of a reserved name, or undefined when the name is not reserved. */
export function splitReservedName(name: string): string[] | undefined {
  return name.startsWith(RESERVED) ? name.slice(1).split(RESERVED) : undefined;
}

/** Timestamps in 10 µs units stop at 9999999999.99999 s; a version's inverted timestamp counts down from there. */
const MAX_RAW = 999_999_999_999_999n;

/**
 * A version id: a Swift timestamp ("1700000000.12345"), normalised to its 16-character form, or
 * undefined when `text` is not one (Swift accepts what its Timestamp class parses: a non-negative
 * number of seconds below 10^10).
 */
export function normalizeVersionId(text: string): string | undefined {
  const m = /^(\d+)(?:\.(\d*))?$/.exec(text);
  if (!m) return undefined;
  const whole = BigInt(m[1] ?? '0');
  const fraction = (m[2] ?? '').padEnd(5, '0');
  // Swift rounds to the nearest 10 µs.
  let raw = whole * 100_000n + BigInt(fraction.slice(0, 5));
  if (fraction.length > 5 && Number(fraction[5]) >= 5) raw += 1n;
  if (raw > MAX_RAW) return undefined;
  return rawToTimestamp(raw);
}

function rawToTimestamp(raw: bigint): string {
  const digits = raw.toString().padStart(15, '0');
  return `${digits.slice(0, 10)}.${digits.slice(10)}`;
}

/** `~Timestamp`: later versions get smaller names, so a version listing runs newest first. */
export function invertVersionId(versionId: string): string {
  const raw = BigInt(versionId.replace('.', ''));
  return rawToTimestamp(MAX_RAW - raw);
}

export function versionsContainerName(container: string): string {
  return reservedName('versions', container);
}

/** The primary container a versions container serves, or undefined when `name` is not one. */
export function primaryOfVersionsContainer(name: string): string | undefined {
  const parts = splitReservedName(name);
  return parts && parts.length === 2 && parts[0] === 'versions' ? parts[1] : undefined;
}

/** Where version `versionId` of `object` is kept in the versions container. */
export function versionObjectName(object: string, versionId: string): string {
  return reservedName(object, invertVersionId(versionId));
}

/** The object name and version id of a name in a versions container, or undefined for any other name. */
export function parseVersionObjectName(name: string): { object: string; versionId: string } | undefined {
  const parts = splitReservedName(name);
  if (!parts || parts.length !== 2) return undefined;
  const [object = '', inverted = ''] = parts;
  if (!/^\d{10}\.\d{5}$/.test(inverted)) return undefined;
  return { object, versionId: invertVersionId(inverted) };
}
