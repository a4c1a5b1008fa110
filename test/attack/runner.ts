/**
 * Running attack cases: each is one HTTP request with an expected status, run concurrently in bounded
 * batches; and snapshots of an account (metadata, listings, objects) to prove refused requests changed
 * nothing.
 */
import { request } from 'node:http';

export interface Case {
  name: string;
  method: string;
  /** Path below the server root, e.g. `/v1/SERVICE_test/fix`. */
  path: string;
  headers?: Record<string, string>;
  /** Statuses that pass (one or several). */
  expect: number | number[];
  /** A Host header of its own (domain remap); the path is sent byte for byte, never normalised. */
  host?: string;
  body?: string | Buffer;
  /** Text the body must never contain (the service account's secret bytes). */
  bodyExcludes?: string;
  /** Text the body must contain (a bulk-style 200 or 400 that reports the sub-request refused). */
  bodyIncludes?: string;
}

export interface Outcome { name: string; status: number; ok: boolean; detail: string }

/** One request through node:http, which (unlike fetch) keeps `..`, `//` and a chosen Host as given. */
function send(base: string, c: Case): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({
      host: url.hostname, port: url.port, method: c.method, path: c.path,
      headers: { ...(c.host ? { host: c.host } : {}), ...c.headers, ...(c.body !== undefined ? { 'content-length': String(Buffer.byteLength(c.body)) } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(c.body);
  });
}

/** Runs every case, `width` at a time; returns the failures (an empty list when all pass). */
export async function runCases(base: string, cases: Case[], width = 16): Promise<Outcome[]> {
  const failures: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++]!;
      const want = Array.isArray(c.expect) ? c.expect : [c.expect];
      try {
        const { status, body } = await send(base, c);
        if (!want.includes(status)) failures.push({ name: c.name, status, ok: false, detail: `got ${status}, want ${want.join('|')}: ${body.slice(0, 200)}` });
        else if (c.bodyExcludes !== undefined && body.includes(c.bodyExcludes)) {
          failures.push({ name: c.name, status, ok: false, detail: `LEAKED ${JSON.stringify(c.bodyExcludes)}: ${body.slice(0, 300)}` });
        } else if (c.bodyIncludes !== undefined && !body.includes(c.bodyIncludes)) {
          failures.push({ name: c.name, status, ok: false, detail: `body lacks ${JSON.stringify(c.bodyIncludes)}: ${body.slice(0, 300)}` });
        }
      } catch (e) {
        failures.push({ name: c.name, status: 0, ok: false, detail: `no answer: ${(e as Error).message}` });
      }
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return failures;
}

export function report(failures: Outcome[]): string {
  return failures.map((f) => `${f.name}: ${f.detail}`).join('\n');
}

/** Headers that differ between two identical reads and say nothing about the store. */
const VOLATILE = new Set(['date', 'x-trans-id', 'x-openstack-request-id', 'connection', 'keep-alive']);

async function readAll(base: string, path: string, headers: Record<string, string>): Promise<string> {
  const res = await fetch(`${base}${path}`, { headers, redirect: 'manual' });
  const body = await res.text();
  const kept = [...res.headers.entries()].filter(([k]) => !VOLATILE.has(k)).sort(([a], [b]) => a.localeCompare(b));
  return `${res.status} ${JSON.stringify(kept)}\n${body}`;
}

/**
 * Everything a client can observe of one account, read with an owner's headers: the account's
 * headers and listing, every container's headers and listing (versions included), and every object's
 * headers and bytes. Equal snapshots mean the store did not change.
 */
export async function snapshot(base: string, account: string, owner: Record<string, string>): Promise<string> {
  const parts: string[] = [await readAll(base, `/v1/${account}?format=json`, owner)];
  const list = await fetch(`${base}/v1/${account}?format=json`, { headers: owner });
  const containers = list.status === 200 ? (await list.json()) as { name: string }[] : [];
  for (const { name } of containers) {
    const c = `/v1/${account}/${encodeURIComponent(name)}`;
    parts.push(await readAll(base, `${c}?format=json`, owner));
    parts.push(await readAll(base, `${c}?format=json&versions`, owner));
    const objs = await fetch(`${base}${c}?format=json`, { headers: owner });
    const objects = objs.status === 200 ? (await objs.json()) as { name: string }[] : [];
    for (const o of objects) {
      parts.push(await readAll(base, `${c}/${encodeURIComponent(o.name)}?multipart-manifest=get&symlink=get`, owner));
    }
  }
  return parts.join('\n');
}
