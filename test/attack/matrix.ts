/**
 * The request table of the composite-token matrix: every request a client could try at account,
 * container and object level (with the query strings and headers that reach other code paths), each
 * aimed at the fixture `fix/obj` of the account or at a new name, so that a refused one must leave the
 * store exactly as it was.
 */
import type { Case } from './runner.js';
import { COMBOS, type Combo, type Tokens } from './tokens.js';

export interface Probe {
  level: 'account' | 'container' | 'object'; method: string; suffix: string; headers?: Record<string, string>; body?: string;
  /**
   * SLO answers its own status and reports the refused sub-request in the body, as Swift's does:
   * `bulk` = 200 with a bulk-delete report, `slo-put` = 400 listing the segment that could not be read.
   */
  reports?: 'bulk' | 'slo-put';
}

/** Requests at each level; `suffix` follows `/v1/<account>`. */
export const PROBES: Probe[] = [
  { level: 'account', method: 'GET', suffix: '' },
  { level: 'account', method: 'GET', suffix: '?format=json' },
  { level: 'account', method: 'GET', suffix: '?format=xml&prefix=f' },
  { level: 'account', method: 'HEAD', suffix: '' },
  { level: 'account', method: 'POST', suffix: '', headers: { 'X-Account-Meta-Evil': '1' } },
  { level: 'account', method: 'POST', suffix: '', headers: { 'X-Account-Meta-Temp-URL-Key': 'attacker-key' } },
  { level: 'account', method: 'POST', suffix: '', headers: { 'X-Account-Access-Control': '{"admin":["*"]}' } },
  { level: 'account', method: 'DELETE', suffix: '' },
  { level: 'account', method: 'PUT', suffix: '' },
  { level: 'container', method: 'GET', suffix: '/fix' },
  { level: 'container', method: 'GET', suffix: '/fix?format=json' },
  { level: 'container', method: 'GET', suffix: '/fix?versions&format=json' },
  { level: 'container', method: 'HEAD', suffix: '/fix' },
  { level: 'container', method: 'PUT', suffix: '/fix', headers: { 'X-Container-Meta-Evil': '1' } },
  { level: 'container', method: 'PUT', suffix: '/evil-new' },
  { level: 'container', method: 'POST', suffix: '/fix', headers: { 'X-Container-Read': '.r:*,.rlistings' } },
  { level: 'container', method: 'POST', suffix: '/fix', headers: { 'X-Container-Write': '*:*' } },
  { level: 'container', method: 'POST', suffix: '/fix', headers: { 'X-Versions-Location': 'fix' } },
  { level: 'container', method: 'DELETE', suffix: '/fix' },
  { level: 'container', method: 'DELETE', suffix: '/missing-container' },
  { level: 'object', method: 'GET', suffix: '/fix/obj' },
  { level: 'object', method: 'GET', suffix: '/fix/obj?multipart-manifest=get' },
  { level: 'object', method: 'GET', suffix: '/fix/obj?symlink=get' },
  { level: 'object', method: 'GET', suffix: '/fix/obj', headers: { Range: 'bytes=0-3' } },
  { level: 'object', method: 'GET', suffix: '/fix/obj', headers: { 'If-None-Match': '*' } },
  { level: 'object', method: 'HEAD', suffix: '/fix/obj' },
  { level: 'object', method: 'HEAD', suffix: '/fix/missing' },
  { level: 'object', method: 'GET', suffix: '/fix/missing' },
  { level: 'object', method: 'PUT', suffix: '/fix/obj', body: 'overwritten' },
  { level: 'object', method: 'PUT', suffix: '/fix/evil', body: 'planted' },
  { level: 'object', method: 'PUT', suffix: '/fix/evil-copy', headers: { 'X-Copy-From': 'fix/obj' }, body: '' },
  { level: 'object', method: 'PUT', suffix: '/fix/evil-slo?multipart-manifest=put', body: '[{"path":"/fix/obj"}]', reports: 'slo-put' },
  { level: 'object', method: 'PUT', suffix: '/fix/evil-dlo', headers: { 'X-Object-Manifest': 'fix/o' }, body: '' },
  { level: 'object', method: 'PUT', suffix: '/fix/evil-link', headers: { 'X-Symlink-Target': 'fix/obj' }, body: '' },
  { level: 'object', method: 'POST', suffix: '/fix/obj', headers: { 'X-Object-Meta-Evil': '1' } },
  { level: 'object', method: 'POST', suffix: '/fix/obj', headers: { 'X-Delete-After': '1' } },
  { level: 'object', method: 'DELETE', suffix: '/fix/obj' },
  { level: 'object', method: 'DELETE', suffix: '/fix/obj?multipart-manifest=delete', reports: 'bulk' },
  { level: 'object', method: 'DELETE', suffix: '/fix/missing' },
  { level: 'object', method: 'COPY', suffix: '/fix/obj', headers: { Destination: 'fix/evil-copied' } },
  { level: 'object', method: 'COPY', suffix: '/fix/obj', headers: { Destination: 'evil-other/copied' } },
];

function label(p: Probe): string {
  const extra = Object.entries(p.headers ?? {}).map(([k, v]) => `${k}: ${v}`).join(', ');
  return `${p.level} ${p.method} ${p.suffix || '/'}${extra ? ` [${extra}]` : ''}`;
}

/** Every refused (combo, account, probe): the combo's status, and the store must not change. */
export function refusedCases(t: Tokens, account: string, kind: 'service' | 'auth'): Case[] {
  const cases: Case[] = [];
  for (const combo of COMBOS) {
    const outcome = kind === 'service' ? combo.onService : combo.onAuth;
    if (outcome === 'allow') continue;
    for (const p of PROBES) {
      const reason = outcome === 401 ? '401 Unauthorized' : '403 Forbidden';
      cases.push({
        name: `${combo.name} → ${outcome} on ${account}: ${label(p)}`,
        method: p.method, path: `/v1/${account}${p.suffix}`,
        headers: { ...combo.headers(t), ...p.headers }, ...(p.body !== undefined ? { body: p.body } : {}),
        expect: p.reports === 'bulk' ? 200 : p.reports === 'slo-put' ? 400 : outcome,
        // Swift's SLO delete names a 401 and hides any other refusal of the manifest read.
        ...(p.reports ? { bodyIncludes: p.reports === 'bulk' && outcome === 403 ? 'Unable to load SLO manifest' : reason } : {}),
      });
    }
  }
  return cases;
}

/**
 * What an owner (C1, C3, C12) can do, as an ordered script on names of its own (`ok-<n>`): each step
 * depends on the one before, so a script runs sequentially; scripts of different combos run together.
 */
export function allowedScript(combo: Combo, t: Tokens, account: string, n: number): Case[] {
  const h = combo.headers(t);
  const c = `/v1/${account}/ok-${n}`;
  const step = (what: string, method: string, path: string, expect: number | number[], extra: Record<string, string> = {}, body?: string): Case => ({
    name: `${combo.name} → allow on ${account}: ${what}`, method, path, headers: { ...h, ...extra }, expect,
    ...(body !== undefined ? { body } : {}),
  });
  return [
    step('account HEAD', 'HEAD', `/v1/${account}`, 204),
    step('account GET', 'GET', `/v1/${account}?format=json`, 200),
    step(`account POST meta`, 'POST', `/v1/${account}`, 204, { [`X-Account-Meta-Ok-${n}`]: 'yes' }),
    step(`account POST meta removed`, 'POST', `/v1/${account}`, 204, { [`X-Remove-Account-Meta-Ok-${n}`]: 'x' }),
    step('S6 account DELETE refused even to the owner', 'DELETE', `/v1/${account}`, 403),
    step('container PUT', 'PUT', c, 201),
    step('container POST', 'POST', c, 204, { 'X-Container-Meta-Ok': '1' }),
    step('container HEAD', 'HEAD', c, 204),
    step('container GET (empty)', 'GET', c, 204),
    step('object PUT', 'PUT', `${c}/o`, 201, {}, 'owner bytes'),
    step('object GET', 'GET', `${c}/o`, 200),
    step('object HEAD', 'HEAD', `${c}/o`, 200),
    step('object POST', 'POST', `${c}/o`, 202, { 'X-Object-Meta-Ok': '1' }),
    step('object COPY', 'COPY', `${c}/o`, 201, { Destination: `ok-${n}/copy` }),
    step('object PUT X-Copy-From', 'PUT', `${c}/copy2`, 201, { 'X-Copy-From': `ok-${n}/o` }, ''),
    step('container GET (listing)', 'GET', c, 200),
    step('object GET missing → 404 after authorisation', 'GET', `${c}/missing`, 404),
    step('object DELETE', 'DELETE', `${c}/o`, 204),
    step('object DELETE copy', 'DELETE', `${c}/copy`, 204),
    step('object DELETE copy2', 'DELETE', `${c}/copy2`, 204),
    step('container DELETE', 'DELETE', c, 204),
  ];
}
