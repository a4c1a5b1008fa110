/**
 * A storage engine that cannot answer right now: refused, unreachable, timed out, or failing. Callers
 * answer 503 for it; it never means "not found" (an object a client was told is stored must not be
 * reported missing because the engine holding it is down). Every backend raises this one type so the
 * request layer needs one check, whatever sits behind the contracts.
 */
export class BackendUnavailableError extends Error {
  constructor(readonly backend: string, detail: string, options?: { cause?: unknown }) {
    super(`${backend} unavailable: ${detail}`, options);
    this.name = 'BackendUnavailableError';
  }
}
