/**
 * Failures of the PostgreSQL backend that mean "the metadata store cannot answer right now" (server
 * down, unreachable, restarting, overloaded, a statement or connection timeout), kept apart from
 * everything else (a bug in a query stays a plain error). The HTTP layer turns this one type into a
 * 503; nothing here knows about HTTP.
 */
import { BackendUnavailableError } from '../backend-unavailable.js';

export class MetadataUnavailableError extends BackendUnavailableError {
  readonly code = 'METADATA_UNAVAILABLE';
  constructor(readonly shard: number, cause: unknown) {
    super(`PostgreSQL shard ${shard}`, cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'MetadataUnavailableError';
  }
}

/** Socket-level failures Node reports while connecting or talking to a server. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE',
]);

/**
 * SQLSTATEs of an unavailable server: class 08 (connection exception), 53 (insufficient resources,
 * e.g. too many connections), 57P01-57P03 (shutting down, crashed, starting up) and 57014 (the
 * statement timeout cancelled the query).
 */
function unavailableState(code: string): boolean {
  return code.startsWith('08') || code.startsWith('53') || code.startsWith('57P') || code === '57014';
}

/** Messages of node-postgres's own timeouts and dead connections, which carry no code. */
const CLIENT_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Query read timeout',
  'not queryable',
  'Client was closed',
];

/** Whether `err` says the server is unavailable (as opposed to a wrong query or a constraint). */
export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof MetadataUnavailableError) return true;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || (code.length === 5 && unavailableState(code)))) return true;
  if (err instanceof AggregateError) return err.errors.some(isUnavailable);
  return CLIENT_MESSAGES.some((m) => err.message.includes(m));
}

/** SQLSTATEs after which the whole transaction can simply run again: serialization failure, deadlock. */
export function isRetryable(err: unknown): boolean {
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return code === '40001' || code === '40P01';
}
