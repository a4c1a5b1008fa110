/**
 * Indirect routes into a service account: requests aimed at the project's own AUTH_ account (or at
 * SERVICE_ through a side door: COPY, X-Copy-From, symlinks, SLO, DLO, bulk, tempurl, formpost,
 * staticweb, versions, path and Host tricks), each made with the user token alone. None may read,
 * write or delete service data (D10, K1: every sub-request is authorised again).
 */
import { createHash, createHmac } from 'node:crypto';
import type { Case } from './runner.js';

export const SECRET = 'service-secret-bytes';
export const AUTH_KEY = 'auth-account-key';
export const REMAP_DOMAIN = 'storage.example';

const inADay = () => Math.floor(Date.now() / 1000) + 86400;

export function tempUrl(method: string, path: string, key = AUTH_KEY, expires = inADay()): string {
  const sig = createHmac('sha256', key).update(`${method}\n${expires}\n${path}`).digest('hex');
  return `${path}?temp_url_sig=${sig}&temp_url_expires=${expires}`;
}

export function formPost(path: string, fileName: string, key = AUTH_KEY): { body: string; type: string } {
  const boundary = 'attackboundary';
  const expires = String(inADay());
  const signature = createHmac('sha256', key).update(`${path}\n\n1048576\n5\n${expires}`).digest('hex');
  const field = (n: string, v: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`;
  const body = field('max_file_size', '1048576') + field('max_file_count', '5') + field('expires', expires) + field('signature', signature)
    + `--${boundary}\r\nContent-Disposition: form-data; name="file1"; filename="${fileName}"\r\n\r\nplanted\r\n--${boundary}--\r\n`;
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

/** A ustar archive of the given files (no dependency on tar tools). */
export function tar(files: [string, string][]): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of files) {
    const h = Buffer.alloc(512);
    h.write(name.slice(0, 100), 0, 'utf8');
    h.write('0000644\0', 100); h.write('0000000\0', 108); h.write('0000000\0', 116);
    h.write(`${Buffer.byteLength(content).toString(8).padStart(11, '0')}\0`, 124);
    h.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136);
    h.write('        ', 148); h.write('0', 156); h.write('ustar\0', 257); h.write('00', 263);
    let sum = 0; for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h);
    const data = Buffer.alloc(Math.ceil(Buffer.byteLength(content) / 512) * 512);
    data.write(content);
    blocks.push(data);
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export const md5 = (s: string) => createHash('md5').update(s).digest('hex');

const DENY = [401, 403];
/** Refused, or the request names nothing that exists where it is authorised: never a success. */
const NOT_FOUND_OR_DENY = [400, 401, 403, 404, 412];
/**
 * A literal `..` under AUTH_test names a container `..` of the user's own account (nothing is
 * normalised, as in Swift): whatever an owner gets there, the service account stays untouched and its
 * bytes never come back (the snapshot and bodyExcludes decide).
 */
const OWN = [200, 201, 202, 204, 404];

/**
 * The cases, given the user token U (project test, operator) and the ids of the fixture:
 * SERVICE_test/sec/{secret,slo,dlo,seg-1} and AUTH_test/pub/{link,src} (link → SERVICE_test/sec/secret).
 */
export function indirectCases(U: string): Case[] {
  const u = { 'X-Auth-Token': U };
  const x = (name: string, method: string, path: string, expect: number | number[], extra: Partial<Case> = {}): Case =>
    ({ name, method, path, expect, bodyExcludes: SECRET, ...extra, headers: { ...u, ...(extra.headers ?? {}) } });
  const anon = (name: string, method: string, path: string, expect: number | number[], extra: Partial<Case> = {}): Case =>
    ({ name, method, path, headers: extra.headers ?? {}, expect, bodyExcludes: SECRET, ...extra });
  const cases: Case[] = [];

  // COPY (K1, D10, S0): the destination and the source are each authorised.
  for (const dest of ['sec/planted', '/sec/planted', 'sec/secret']) {
    cases.push(x(`K1 COPY AUTH_ → SERVICE_ (Destination ${dest})`, 'COPY', '/v1/AUTH_test/pub/src', 403, { headers: { Destination: dest, 'Destination-Account': 'SERVICE_test' } }));
  }
  cases.push(x('K1 COPY AUTH_ → SERVICE_ via Destination-Account with a lower-case prefix', 'COPY', '/v1/AUTH_test/pub/src', DENY, { headers: { Destination: 'sec/planted', 'Destination-Account': 'service_test' } }));
  cases.push(x('D10 COPY SERVICE_ → AUTH_ (source read refused)', 'COPY', '/v1/SERVICE_test/sec/secret', 403, { headers: { Destination: 'pub/leak', 'Destination-Account': 'AUTH_test' } }));
  cases.push(x('D10 COPY SERVICE_ → AUTH_ (same-account Destination)', 'COPY', '/v1/SERVICE_test/sec/secret', 403, { headers: { Destination: 'sec/copy' } }));
  cases.push(x('D10 COPY a symlink into SERVICE_ to AUTH_', 'COPY', '/v1/AUTH_test/pub/link', 403, { headers: { Destination: 'pub/leak' } }));
  cases.push(x('D10 COPY ?multipart-manifest=get of the SLO in SERVICE_', 'COPY', '/v1/SERVICE_test/sec/slo?multipart-manifest=get', 403, { headers: { Destination: 'pub/leak', 'Destination-Account': 'AUTH_test' } }));

  // X-Copy-From(-Account): the source read is authorised on its own.
  for (const from of ['sec/secret', '/sec/secret', 'sec/slo', 'sec/dlo']) {
    cases.push(x(`D10 PUT X-Copy-From ${from} X-Copy-From-Account SERVICE_test`, 'PUT', '/v1/AUTH_test/pub/leak', 403, { headers: { 'X-Copy-From': from, 'X-Copy-From-Account': 'SERVICE_test' }, body: '' }));
  }
  cases.push(x('D10 PUT X-Copy-From a symlink into SERVICE_', 'PUT', '/v1/AUTH_test/pub/leak', 403, { headers: { 'X-Copy-From': 'pub/link' }, body: '' }));
  cases.push(x('D10 PUT X-Copy-From with ?multipart-manifest=get', 'PUT', '/v1/AUTH_test/pub/leak?multipart-manifest=get', 403, { headers: { 'X-Copy-From': 'sec/slo', 'X-Copy-From-Account': 'SERVICE_test' }, body: '' }));
  cases.push(x('D10 PUT X-Copy-From ../SERVICE_test path trick', 'PUT', '/v1/AUTH_test/pub/leak', NOT_FOUND_OR_DENY, { headers: { 'X-Copy-From': '../SERVICE_test/sec/secret' }, body: '' }));

  // Symlinks: following one is a new request, authorised for the target account.
  for (const [label, q, h] of [['GET', '', {}], ['GET Range', '', { Range: 'bytes=0-5' }], ['GET If-Match *', '', { 'If-Match': '*' }], ['HEAD', '', {}]] as const) {
    cases.push(x(`D10 symlink into SERVICE_: ${label}`, label.startsWith('HEAD') ? 'HEAD' : 'GET', `/v1/AUTH_test/pub/link${q}`, 403, { headers: h }));
  }
  cases.push(x('symlink ?symlink=get answers the link itself, not the target', 'GET', '/v1/AUTH_test/pub/link?symlink=get', 200));
  cases.push(x('D10 symlink to a symlink into SERVICE_', 'GET', '/v1/AUTH_test/pub/link2', 403));
  cases.push(x('an owner PUT in AUTH_ next to the links (its own data)', 'PUT', '/v1/AUTH_test/pub/other-overwrite', 201, { body: 'mine' }));
  cases.push(x('D10 SLO manifest in AUTH_ whose segment is a symlink into SERVICE_ → 400 naming the refusal', 'PUT', '/v1/AUTH_test/pub/slo-via-link?multipart-manifest=put', 400, { body: JSON.stringify([{ path: '/pub/link' }]) }));
  cases.push(x('D10 DLO in AUTH_ whose segments are symlinks into SERVICE_ (read refused)', 'GET', '/v1/AUTH_test/pub/dlo-via-link', [403, 409, 200]));

  // SLO and DLO whose segments live in SERVICE_.
  for (const q of ['', '?multipart-manifest=get', '?multipart-manifest=get&format=raw']) {
    cases.push(x(`C2 SLO in SERVICE_ ${q || '(assembled)'}`, 'GET', `/v1/SERVICE_test/sec/slo${q}`, 403));
    cases.push(x(`C2 DLO in SERVICE_ ${q || '(assembled)'}`, 'GET', `/v1/SERVICE_test/sec/dlo${q}`, 403));
  }
  cases.push(x('D10 SLO manifest in AUTH_ naming SERVICE_ segments via ..', 'PUT', '/v1/AUTH_test/pub/slo-dots?multipart-manifest=put', [400, 403], { body: JSON.stringify([{ path: '/../SERVICE_test/sec/secret' }]) }));
  cases.push(x('D10 SLO manifest in AUTH_ with a segment path that is an account path', 'PUT', '/v1/AUTH_test/pub/slo-abs?multipart-manifest=put', [400, 403], { body: JSON.stringify([{ path: '/v1/SERVICE_test/sec/secret' }]) }));
  cases.push(x('D10 SLO DELETE ?multipart-manifest=delete of SERVICE_ manifest', 'DELETE', '/v1/SERVICE_test/sec/slo?multipart-manifest=delete', 200, { bodyIncludes: 'Unable to load SLO manifest' }));
  cases.push(x('D10 DLO X-Object-Manifest in SERVICE_ created by U', 'PUT', '/v1/SERVICE_test/sec/dlo2', 403, { headers: { 'X-Object-Manifest': 'sec/seg' }, body: '' }));
  cases.push(x('D10 DLO in AUTH_ with a manifest prefix ../SERVICE_test', 'PUT', '/v1/AUTH_test/pub/dlo-dots', [201, 400], { headers: { 'X-Object-Manifest': 'pub/../../SERVICE_test/sec/seg' }, body: '' }));
  cases.push(x('D10 ...whose read yields nothing of SERVICE_', 'GET', '/v1/AUTH_test/pub/dlo-dots', [200, 404, 409]));

  // Bulk delete and bulk extract: each named path is a sub-request authorised on its own.
  cases.push(x('D10 bulk delete naming SERVICE_ paths from AUTH_', 'POST', '/v1/AUTH_test?bulk-delete', 200, { headers: { 'Content-Type': 'text/plain', Accept: 'application/json' }, body: '/../SERVICE_test/sec/secret\nSERVICE_test/sec/secret\n/sec/secret\n' }));
  cases.push(x('D10 bulk delete on SERVICE_ with the user token alone', 'POST', '/v1/SERVICE_test?bulk-delete', [200, 403], { headers: { 'Content-Type': 'text/plain', Accept: 'application/json' }, body: '/sec/secret\n/sec/seg-1\n/sec\n' }));
  cases.push(x('D10 bulk extract into SERVICE_ account with the user token alone', 'PUT', '/v1/SERVICE_test?extract-archive=tar', [200, 400, 403], { headers: { Accept: 'application/json' }, body: tar([['sec/planted', 'x'], ['new/planted', 'y']]) }));
  cases.push(x('D10 bulk extract into a SERVICE_ container with the user token alone', 'PUT', '/v1/SERVICE_test/sec?extract-archive=tar', [200, 400, 403], { headers: { Accept: 'application/json' }, body: tar([['planted', 'x'], ['secret', 'overwrite']]) }));
  cases.push(x('D10 bulk extract into AUTH_ with ../SERVICE_test member names', 'PUT', '/v1/AUTH_test?extract-archive=tar', [200, 400], { headers: { Accept: 'application/json' }, body: tar([['../SERVICE_test/sec/planted', 'x'], ['/../../SERVICE_test/sec/secret', 'y']]) }));

  // Tempurl: a key set on AUTH_test signs nothing in SERVICE_test.
  for (const method of ['GET', 'HEAD', 'PUT', 'DELETE']) {
    cases.push(anon(`tempurl ${method} on SERVICE_ signed with the AUTH_ key`, method, tempUrl(method, '/v1/SERVICE_test/sec/secret'), 401, method === 'PUT' ? { body: 'planted' } : {}));
    cases.push(x(`tempurl ${method} on SERVICE_ signed with the AUTH_ key, user token sent along`, method, tempUrl(method, '/v1/SERVICE_test/sec/secret'), [401, 403], method === 'PUT' ? { body: 'planted' } : {}));
  }
  cases.push(anon('tempurl GET of a symlink into SERVICE_ (the follow is outside the signed account)', 'GET', tempUrl('GET', '/v1/AUTH_test/pub/link'), [401, 403]));
  cases.push(anon('tempurl GET of an AUTH_ path with .. into SERVICE_', 'GET', tempUrl('GET', '/v1/AUTH_test/../SERVICE_test/sec/secret'), [401, 403, 404]));
  cases.push(anon('tempurl GET of the DLO that points at symlinks into SERVICE_', 'GET', tempUrl('GET', '/v1/AUTH_test/pub/dlo-via-link'), [200, 401, 403, 409]));

  // Formpost: signed with the AUTH_ key, aimed at SERVICE_.
  for (const path of ['/v1/SERVICE_test/sec', '/v1/SERVICE_test/sec/', '/v1/SERVICE_test/new']) {
    const f = formPost(path, 'planted.txt');
    cases.push(anon(`formpost into ${path} signed with the AUTH_ key`, 'POST', path, 401, { headers: { 'Content-Type': f.type }, body: f.body }));
  }
  {
    const f = formPost('/v1/AUTH_test/pub/', '../../SERVICE_test/sec/planted');
    cases.push(anon('formpost into AUTH_ with a ../SERVICE_ file name stays in AUTH_', 'POST', '/v1/AUTH_test/pub/', [201, 303, 400], { headers: { 'Content-Type': f.type }, body: f.body }));
  }

  // Staticweb and listings: anonymous and user-only reads of SERVICE_ containers.
  for (const [h, label] of [[{}, 'anonymous'], [{ 'X-Web-Mode': 'true' }, 'anonymous X-Web-Mode']] as const) {
    for (const p of ['/v1/SERVICE_test/sec/', '/v1/SERVICE_test/sec/secret', '/v1/SERVICE_test/sec/index.html', '/v1/SERVICE_test/sec']) {
      cases.push(anon(`staticweb ${label} ${p}`, 'GET', p, 401, { headers: h }));
    }
  }
  cases.push(x('staticweb X-Web-Mode with the user token alone', 'GET', '/v1/SERVICE_test/sec/', 403, { headers: { 'X-Web-Mode': 'true' } }));

  // Versions (?version-id) and versioned listings.
  for (const [m, q] of [['GET', '?version-id=null'], ['HEAD', '?version-id=null'], ['DELETE', '?version-id=null']] as const) {
    cases.push(x(`C2 ${m} SERVICE_ object ${q}`, m, `/v1/SERVICE_test/sec/secret${q}`, 403));
    cases.push(anon(`anonymous ${m} SERVICE_ object ${q}`, m, `/v1/SERVICE_test/sec/secret${q}`, 401));
  }
  // A real version id on an unversioned container: 400 with Swift's own message, before authorisation
  // (Swift's object_versioning reads the container's info without it, and answers the same).
  for (const m of ['GET', 'DELETE']) {
    for (const [label, mk] of [['C2', x], ['anonymous', anon]] as const) {
      cases.push(mk(`${label} ${m} SERVICE_ object ?version-id=<timestamp>`, m, '/v1/SERVICE_test/sec/secret?version-id=1700000000.00000', 400,
        { bodyIncludes: 'version-aware operations require that the container is versioned' }));
    }
  }
  cases.push(x('C2 versions listing of a SERVICE_ container', 'GET', '/v1/SERVICE_test/sec?versions', 403));
  cases.push(x('C2 enabling versioning on a SERVICE_ container', 'POST', '/v1/SERVICE_test/sec', 403, { headers: { 'X-Versions-Enabled': 'true' } }));

  // Path tricks: nothing is normalised, so each names its literal account.
  const paths: [string, number | number[]][] = [
    ['/v1/SERVICE_test/../AUTH_test/pub/src', 403],
    ['/v1/SERVICE_test/sec/../../AUTH_test/pub/src', 403],
    ['/v1/AUTH_test/../SERVICE_test/sec/secret', OWN],
    ['/v1/AUTH_test/pub/../../SERVICE_test/sec/secret', OWN],
    ['/v1/AUTH_test/%2e%2e/SERVICE_test/sec/secret', OWN],
    ['/v1/SERVICE_test%2Fsec/secret', [400, 403, 404, 412]],
    ['/v1/SERVICE_test/sec%2Fsecret', 403],
    ['/v1/%53ERVICE_test/sec/secret', 403],
    ['/v1/SERVICE%5Ftest/sec/secret', 403],
    ['/v1//SERVICE_test/sec/secret', [400, 403, 404, 412]],
    ['//v1/SERVICE_test/sec/secret', [400, 403, 404, 412]],
    ['/v1/SERVICE_test//sec/secret', [400, 403, 404, 412]],
    ['/v1/SERVICE_test/sec//secret', 403],
    ['/v1/SERVICE_test./sec/secret', 403],
    ['/v1/SERVICE_test../sec/secret', 403],
    ['/v1/SERVICE_test/sec./secret', 403],
    ['/v1/SERVICE_test/sec/secret.', 403],
    ['/v1/SERVICE_test/sec/./secret', 403],
    ['/v1/SERVICE_test/./sec/secret', 403],
    ['/v1/SERVICE_test/sec/secret/', 403],
    ['/v1/SERVICE_test/sec/secret?', 403],
    ['/v1/SERVICE_test/sec/secret#x', 403],
    ['/v1/SERVICE_test/sec/secret%00', [400, 403, 412]],
    ['/v1/SERVICE_TEST/sec/secret', [401, 403]],
    ['/v1/service_test/sec/secret', [401, 403]],
    ['/v1/SERVICE_test%20/sec/secret', 403],
    ['/v1.0/SERVICE_test/sec/secret', [403, 404, 412]],
    ['/V1/SERVICE_test/sec/secret', [400, 403, 404, 412]],
    ['/v2/SERVICE_test/sec/secret', [400, 403, 404, 412]],
    ['/v1/SERVICE_test/sec/secret;x', 403],
    ['/v1/SERVICE_test/sec/secret?multipart-manifest=get&symlink=get&format=raw', 403],
    ['/v1/SERVICE_test/sec/secret?temp_url_sig=x&temp_url_expires=9999999999', [401, 403]],
    ['/info/../v1/SERVICE_test/sec/secret', [400, 403, 404, 412]],
    // The v1.0 auth endpoint, not the object API: a login without credentials.
    ['/auth/v1.0/../../v1/SERVICE_test/sec/secret', [400, 401, 403, 404, 405, 412]],
  ];
  for (const [p, want] of paths) {
    for (const m of ['GET', 'HEAD', 'DELETE', 'PUT', 'POST']) {
      const owned = want === OWN;
      cases.push(x(`path trick ${m} ${p}`, m, p, !owned && (m === 'PUT' || m === 'POST' || m === 'DELETE') ? widen(want) : want, m === 'PUT' ? { body: 'planted' } : {}));
    }
  }

  // Host tricks with domain remap (storage_domain = storage.example).
  const hosts: [string, string, number | number[]][] = [
    [`sec.SERVICE-test.${REMAP_DOMAIN}`, '/secret', 403],
    [`SERVICE-test.${REMAP_DOMAIN}`, '/sec/secret', 403],
    [`sec.SERVICE_test.${REMAP_DOMAIN}`, '/secret', 403],
    [`SEC.service-test.${REMAP_DOMAIN}`, '/secret', [401, 403, 404]],
    [`sec.SERVICE-test.${REMAP_DOMAIN}:8080`, '/secret', 403],
    // Not under storage_domain: no remap, and `/secret` is no API path (412 Bad URL, as Swift).
    [`sec.SERVICE-test.${REMAP_DOMAIN}.`, '/secret', [400, 403, 404, 412]],
    [`AUTH-test.${REMAP_DOMAIN}`, '/v1/SERVICE_test/sec/secret', [403, 404]],
    [`pub.AUTH-test.${REMAP_DOMAIN}`, '/../../SERVICE_test/sec/secret', OWN],
    [`AUTH-test.${REMAP_DOMAIN}`, '/../SERVICE_test/sec/secret', OWN],
    [`x.sec.SERVICE-test.${REMAP_DOMAIN}`, '/secret', [400, 403, 404]],
    [`sec.SERVICE-test.evil.example`, '/secret', [400, 403, 404, 412]],
    [`sec.SERVICE-test.${REMAP_DOMAIN}`, '/v1/AUTH_test/pub/src', [403, 404]],
  ];
  for (const [host, p, want] of hosts) {
    for (const m of ['GET', 'HEAD', 'PUT', 'DELETE']) {
      cases.push(x(`Host ${host} ${m} ${p}`, m, p, m === 'GET' || m === 'HEAD' || want === OWN ? want : widen(want), { host, ...(m === 'PUT' ? { body: 'planted' } : {}) }));
    }
    cases.push(anon(`Host ${host} anonymous GET ${p}`, 'GET', p, [401, 403, 404, 400, 412], { host }));
  }
  return cases;
}

/** A write may also be refused for its shape (405 on an account, 411, 412) before authorisation. */
function widen(want: number | number[]): number[] {
  return [...new Set([...(Array.isArray(want) ? want : [want]), 400, 405, 411, 412])];
}
