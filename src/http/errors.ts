/**
 * Errors are data: every failure a client can see has a stable code with exactly one status and a
 * message, thrown anywhere and turned into a response once, at the edge (see `errorResponse`).
 * Internal failures (a broken stream, a backend fault) are plain `Error`s and become a 500 there.
 */
type Params = Record<string, string | number>;
interface ErrorSpec {
  status: number;
  /** Plain-text body; absent means Swift's default HTML body for the status. */
  message?: string | ((p: Params) => string);
  /** Swift sends some messages as text/html (the proxy's own checks), most as text/plain. */
  html?: boolean;
}

export const ERROR_TABLE = {
  BadRequest: { status: 400 },
  BadRequestMessage: { status: 400, message: (p) => String(p.message) },
  BadAcl: { status: 400, html: true, message: (p) => String(p.message) },
  InvalidSyncTo: { status: 400, html: true, message: (p) => String(p.message) },
  InvalidUtf8: { status: 412, html: true, message: 'Invalid UTF8 or contains NULL' },
  BadUrl: { status: 412, html: true, message: 'Bad URL' },
  BadPath: { status: 412, message: (p) => `Invalid path: ${p.path}` },
  ObjectNameTooLong: { status: 400, message: (p) => `Object name length of ${p.length} longer than ${p.max}` },
  ContainerNameTooLong: { status: 400, html: true, message: (p) => `Container name length of ${p.length} longer than ${p.max}` },
  AccountNameTooLong: { status: 400, html: true, message: (p) => `Account name length of ${p.length} longer than ${p.max}` },
  ContainerNameSlash: { status: 400, html: true, message: 'Container name cannot contain slashes' },
  MetadataInvalid: { status: 400, message: (p) => String(p.message) },
  HeaderTooLong: { status: 400, message: (p) => `Header value too long: ${p.name}` },
  ListingLimitTooHigh: { status: 412, message: (p) => `Maximum limit is ${p.max}` },
  BadListingParam: { status: 400, message: (p) => `Invalid ${p.name}` },
  BadDelimiter: { status: 412, message: 'Bad delimiter' },
  DeleteAtInPast: { status: 400, message: 'X-Delete-At in past' },
  DeleteAtInvalid: { status: 400, message: 'Non-integer X-Delete-At' },
  DeleteAfterInvalid: { status: 400, message: 'Non-integer X-Delete-After' },
  DeleteAfterNegative: { status: 400, message: 'X-Delete-After in past' },
  BadContentLength: { status: 400, message: 'Invalid Content-Length' },
  LengthRequired: { status: 411, message: 'Missing Content-Length header.' },
  ObjectTooLarge: { status: 413, message: 'Your request is too large.' },
  QuotaExceeded: { status: 413, html: true, message: 'Upload exceeds quota.' },
  BadQuota: { status: 400, html: true, message: (p) => `Invalid ${p.kind} quota.` },
  BodyTooShort: { status: 499 },
  ChecksumMismatch: { status: 422 },
  Unauthorized: { status: 401 },
  TempUrlInvalid: { status: 401, html: true, message: '401 Unauthorized: Temp URL invalid\n' },
  TempUrlHeaderNotAllowed: { status: 400, html: true, message: (p) => `The header ${p.header} is not allowed in this tempurl` },
  SymlinkTargetFormat: { status: 412, message: 'X-Symlink-Target header must be of the form <container name>/<object name>' },
  SymlinkTargetPath: { status: 412, html: true, message: 'X-Symlink-Target header must be of the form <container name>/<object name>' },
  SymlinkAccountEmpty: { status: 412, html: true, message: 'Account name cannot be empty' },
  SymlinkAccountSlash: { status: 412, html: true, message: 'Account name cannot contain slashes' },
  SymlinkBody: { status: 400, message: 'Symlink requests require a zero byte body' },
  SymlinkSelf: { status: 400, message: 'Symlink cannot target itself' },
  SymlinkBadEtag: { status: 400, message: 'Bad X-Symlink-Target-Etag format' },
  SymlinkPostTarget: { status: 400, message: 'A PUT request is required to set a symlink target' },
  SymlinkLoop: { status: 409, message: (p) => `Too many levels of symbolic links, maximum allowed is ${p.max}` },
  SymlinkEtagsDiffer: { status: 409, message: 'X-Symlink-Target-Etag headers do not match' },
  SymlinkEtagMismatch: { status: 409, message: (p) => `Object Etag ${p.found} does not match X-Symlink-Target-Etag header ${p.expected}` },
  SymlinkTargetMissing: { status: 409, message: 'X-Symlink-Target does not exist' },
  VersionsBothLocations: { status: 400, message: 'Only one of x-versions-location or x-history-location may be specified' },
  VersionsLocationSlash: { status: 412, html: true, message: 'Container name cannot contain slashes' },
  VersioningLegacyConflict: { status: 400, html: true, message: 'Cannot enable object versioning on a container that is already using the legacy versioned writes feature.' },
  VersioningSyncConflict: { status: 400, html: true, message: 'Cannot enable object versioning on a container configured as source of container syncing.' },
  VersioningDeprecatedPolicy: { status: 400, html: true, message: 'Cannot enable object versioning on a container that uses a deprecated storage policy.' },
  VersioningEnableFailed: { status: 500, html: true, message: 'Error enabling object versioning' },
  VersionsContainerMissing: { status: 500, message: 'The versions container does not exist. You may want to re-enable object versioning.' },
  VersionsNotEmpty: { status: 409, html: true, message: 'Delete all versions before deleting container.' },
  VersionNotAllowed: { status: 400, html: true, message: (p) => `${p.method} to a specific version is not allowed` },
  VersionUnversionedContainer: { status: 400, html: true, message: 'version-aware operations require that the container is versioned' },
  VersionInvalid: { status: 400, html: true, message: 'Invalid version parameter' },
  VersionNotFound: { status: 404, message: 'The specified version does not exist' },
  VersionPutBody: { status: 400, message: 'PUT version-id requests require a zero byte body' },
  VersionMarkerWithoutMarker: { status: 400, html: true, message: 'version_marker param requires marker' },
  VersionMarkerInvalid: { status: 400, html: true, message: 'invalid version_marker param' },
  VersionsDelimiterInvalid: { status: 400, html: true, message: 'invalid delimiter param' },
  Forbidden: { status: 403 },
  NotFound: { status: 404 },
  MethodNotAllowed: { status: 405 },
  Conflict: { status: 409 },
  ContainerNotEmpty: { status: 409, message: 'There was a conflict when trying to complete your request.' },
  PreconditionFailed: { status: 412 },
  DeleteAtMismatch: { status: 412, html: true, message: 'X-If-Delete-At and X-Delete-At do not match' },
  BadIfDeleteAt: { status: 400, html: true, message: 'Bad X-If-Delete-At header value' },
  RangeNotSatisfiable: { status: 416 },
  BadCopyPath: { status: 412, html: true, message: (p) => `${p.header} header must be of the form <container name>/<object name>` },
  CopyDestinationRequired: { status: 412, html: true, message: 'Destination header required' },
  UnsupportedTransferCoding: { status: 501, message: 'Unsupported Transfer-Coding header value specified in Transfer-Encoding header' },
  CopyTooLarge: { status: 413, message: 'Your request is too large.' },
  CopyFromNotAllowedWithBody: { status: 400, message: 'Copy requests require a zero byte body' },
  NotAcceptable: { status: 406 },
  BadManifestHeader: { status: 400, html: true, message: 'X-Object-Manifest must be in the format container/prefix' },
  SloBadManifest: { status: 400, html: true, message: (p) => String(p.message) },
  SloBadSegments: { status: 400, message: (p) => String(p.message) },
  SloPutCopy: { status: 405, html: true, message: 'Multipart Manifest PUTs cannot be COPY requests' },
  SloManifestTooLarge: { status: 413, html: true, message: (p) => `Manifest File > ${p.max} bytes` },
  SloTooManySegments: { status: 413, html: true, message: (p) => `Number of object-backed segments must be <= ${p.max}` },
  SloReservedHeader: {
    status: 400, html: true,
    message: 'X-Static-Large-Object is a reserved header. To create a static large object add query param multipart-manifest=put.',
  },
  InvalidStoragePolicy: { status: 400, message: (p) => `Invalid X-Storage-Policy ${p.name}` },
  DeprecatedStoragePolicy: { status: 400, html: true, message: (p) => `Storage Policy ${p.name} is deprecated` },
  NotImplemented: { status: 501 },
  Unavailable: { status: 503 },
  /** A storage engine (PostgreSQL, the S3 service) cannot answer: never a 404 or a wrong answer. */
  BackendUnavailable: { status: 503, message: (p) => `Storage backend unavailable (${p.backend}); please retry later.` },
  Internal: { status: 500 },
} satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_TABLE;

export class SwiftError extends Error {
  readonly status: number;
  /** Plain-text body, or undefined for Swift's default HTML body. */
  readonly body: string | undefined;
  readonly contentType: string;
  constructor(
    readonly code: ErrorCode,
    params: Params = {},
    readonly headers: Record<string, string> = {},
  ) {
    const spec: ErrorSpec = ERROR_TABLE[code];
    const body = typeof spec.message === 'function' ? spec.message(params) : spec.message;
    super(body ?? code);
    this.status = spec.status;
    this.body = body;
    this.contentType = body === undefined || spec.html ? 'text/html; charset=UTF-8' : 'text/plain';
  }
}

export function isSwiftError(e: unknown): e is SwiftError {
  return e instanceof SwiftError;
}
