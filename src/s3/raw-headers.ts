/**
 * The client's headers as S3 signs and stores them: from the raw headers (names lower-cased,
 * underscores kept, repeated headers' values in order), as s3api reads eventlet's `headers_raw`.
 * Falls back to the merged headers for a context built without them.
 */
import type { RequestContext } from '../http/context.js';

export function headerValues(ctx: RequestContext): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const flat = ctx.rawHeaders ?? Object.entries(ctx.headers).flat();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = (flat[i] ?? '').trim().toLowerCase();
    const v = flat[i + 1] ?? '';
    const values = out.get(name);
    if (values) values.push(v);
    else out.set(name, [v]);
  }
  return out;
}
