/**
 * Runs the fuzzer against a server: seeds a few containers and objects for requests to land on, sends
 * the generated requests `width` at a time, each on its own connection, and records every answer that
 * is a 5xx, every connection closed or reset before a status line, every request left unanswered, and
 * a server that no longer answers its healthcheck afterwards.
 */
import { connect } from 'node:net';
import { generate, rng, type FuzzTokens } from './generator.js';

export interface FuzzFailure { label: string; problem: string }
export interface FuzzResult { sent: number; statuses: Map<number, number>; failures: FuzzFailure[]; ms: number }

/** Sends raw bytes; resolves with the status of the first answer, or a description of what went wrong. */
function exchange(port: number, bytes: Buffer, timeoutMs: number): Promise<{ status?: number; problem?: string }> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    let settled = false;
    const finish = (v: { status?: number; problem?: string }) => { if (!settled) { settled = true; clearTimeout(timer); socket.destroy(); resolve(v); } };
    // An interim `100 Continue` (Expect: 100-continue) is not the answer: judge what follows it.
    const final = () => {
      let rest = got;
      while (/^HTTP\/1\.[01] 1\d\d /.test(rest.subarray(0, 13).toString('latin1')) && rest.includes('\r\n\r\n')) rest = rest.subarray(rest.indexOf('\r\n\r\n') + 4);
      return rest;
    };
    const statusOf = () => {
      const rest = final();
      const line = rest.subarray(0, Math.max(0, rest.indexOf('\r\n'))).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(line);
      return m ? Number(m[1]) : undefined;
    };
    const socket = connect(port, '127.0.0.1', () => {
      // The server may answer (and close) before it has read everything: a write error then is fine.
      socket.write(bytes, () => undefined);
    });
    const timer = setTimeout(() => {
      const s = statusOf();
      finish(s !== undefined ? { status: s } : { problem: `no answer in ${timeoutMs} ms` });
    }, timeoutMs);
    socket.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const s = statusOf();
      // Connection: close — but a status line is all we judge, and a 5xx is known at once.
      if (s !== undefined && final().includes('\r\n\r\n')) finish({ status: s });
    });
    const closed = (why: string) => {
      const s = statusOf();
      finish(s !== undefined ? { status: s } : { problem: `connection ${why} without an answer${got.length ? ` (got ${JSON.stringify(got.subarray(0, 80).toString('latin1'))})` : ''}` });
    };
    socket.on('end', () => closed('closed'));
    socket.on('error', (e: NodeJS.ErrnoException) => closed(`error ${e.code ?? e.message}`));
    socket.on('close', () => closed('closed'));
  });
}

export async function seedFixture(url: string, t: FuzzTokens): Promise<void> {
  const h = { 'X-Auth-Token': t.user };
  const put = async (p: string, extra: Record<string, string> = {}, body = '') => {
    const res = await fetch(`${url}/v1/AUTH_test${p}`, { method: 'PUT', headers: { ...h, ...extra }, body });
    await res.arrayBuffer();
    if (res.status >= 300) throw new Error(`seed ${p}: ${res.status}`);
  };
  await put('/fz'); await put('/fz2'); await put('/versions');
  await put('/fz', { 'X-Versions-Location': 'versions' });
  await put('/fz/a', {}, 'alpha bytes'); await put('/fz/b', {}, 'beta'); await put('/fz/seg/1', {}, 'one'); await put('/fz/seg/2', {}, 'two');
  await put('/fz/big', {}, 'z'.repeat(300_000));
  await put('/fz/slo?multipart-manifest=put', {}, JSON.stringify([{ path: '/fz/seg/1' }, { path: '/fz/seg/2' }]));
  await put('/fz/dlo', { 'X-Object-Manifest': 'fz/seg/' });
  await put('/fz/link', { 'X-Symlink-Target': 'fz/a' });
}

export async function runFuzz(opts: { url: string; port: number; seed: number; requests: number; width?: number; tokens: FuzzTokens; timeoutMs?: number; onProgress?: (done: number) => void }): Promise<FuzzResult> {
  const started = Date.now();
  const r = rng(opts.seed);
  const reqs = Array.from({ length: opts.requests }, (_, i) => generate(r, opts.tokens, i));
  const failures: FuzzFailure[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < reqs.length) {
      const req = reqs[next++]!;
      const res = await exchange(opts.port, req.bytes, opts.timeoutMs ?? 20_000);
      if (res.problem) failures.push({ label: req.label, problem: res.problem });
      else {
        statuses.set(res.status!, (statuses.get(res.status!) ?? 0) + 1);
        if (res.status! >= 500) failures.push({ label: req.label, problem: `answered ${res.status}` });
      }
      if (++done % 250 === 0) opts.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: opts.width ?? 8 }, worker));
  try {
    const health = await fetch(`${opts.url}/healthcheck`, { signal: AbortSignal.timeout(10_000) });
    if (health.status !== 200) failures.push({ label: 'healthcheck after the run', problem: `answered ${health.status}` });
  } catch (e) {
    failures.push({ label: 'healthcheck after the run', problem: `server dead: ${(e as Error).message}` });
  }
  return { sent: reqs.length, statuses, failures, ms: Date.now() - started };
}
