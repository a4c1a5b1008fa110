/** Keystone's wire conventions: JSON bodies, `{"error": {code, title, message}}` errors. */
import type { RequestContext } from '../../http/context.js';
import type { SwiftResponse } from '../../http/response.js';
import { statusReason } from '../../http/status.js';

export class KeystoneError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

const TITLES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict' };

export function keystoneErrorResponse(err: KeystoneError): SwiftResponse {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (err.status === 401) headers['www-authenticate'] = 'Keystone uri="/v3"';
  return {
    status: err.status,
    headers,
    body: JSON.stringify({ error: { code: err.status, title: TITLES[err.status] ?? statusReason(err.status), message: err.message } }),
  };
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): SwiftResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

const MAX_BODY = 1024 * 1024;

export async function readJson(ctx: RequestContext): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.body()) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new KeystoneError(413, 'Request Entity Too Large');
    chunks.push(chunk as Buffer);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new KeystoneError(400, 'Malformed request body: not JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new KeystoneError(400, 'Request body must be a JSON object.');
  return value as Record<string, unknown>;
}

/** Typed access to a nested JSON object: `field(body, 'auth', 'identity')`. */
export function obj(value: unknown, ...path: string[]): Record<string, unknown> | undefined {
  let cur: unknown = value;
  for (const p of path) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return typeof cur === 'object' && cur !== null && !Array.isArray(cur) ? (cur as Record<string, unknown>) : undefined;
}

export function str(value: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = value?.[key];
  return typeof v === 'string' ? v : undefined;
}

/** Keystone's timestamps: `2026-11-28T00:00:00.000000Z`. */
export function keystoneTime(seconds: number): string {
  return new Date(Math.floor(seconds * 1000)).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
