/**
 * The image service (issue 4) through HTTP with real processes: Swiftlet (`swiftlet serve`) and the
 * image service (`swiftlet images serve`), a client of Swiftlet. Image bytes live in
 * SERVICE_<project>/images/<id>, reachable only with the user's token and the image service's token
 * together (docs/auth-rules.md C1–C17); cross-project reads and the audit use a read-only `image_reader` role
 * (docs/auth-rules.md D6, `SERVICE_reader_roles`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { CLI, type TestServer } from './helpers/server.js';
import { call } from './helpers/swift.js';
import { startImageService, startImageStack, type ImageStack } from './helpers/images.js';

const MAX = 1024 * 1024;
let swift: TestServer;
let stack: ImageStack;
let imagesUrl: string;
let workDir: string;
let imagesConfig: string;

interface V3 { token: string; projectId: string; catalog: { type: string; endpoints: { url: string; interface: string }[] }[] }
const tok: Record<string, V3> = {};

async function v3Login(user: string, password: string, project: string): Promise<V3> {
  const res = await fetch(`${swift.url}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } }, scope: { project: { name: project, domain: { id: 'default' } } } } }),
  });
  assert.equal(res.status, 201, `login ${user}`);
  const body = (await res.json()) as { token: { project: { id: string }; catalog: V3['catalog'] } };
  return { token: res.headers.get('x-subject-token') ?? '', projectId: body.token.project.id, catalog: body.token.catalog };
}

/** A request to the image service, accepting JSON as openstacksdk does. */
async function img(method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}) {
  const h: Record<string, string> = { accept: 'application/json', ...headers };
  if (token) h['x-auth-token'] = token;
  let payload: string | undefined;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    h['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${imagesUrl}${path}`, { method, headers: h, body: payload });
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  let json: Record<string, unknown> = {};
  try { json = JSON.parse(text) as Record<string, unknown>; } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, text, bytes, json };
}

/** PUT /v2/images/{id}/file, sized (Content-Length) or chunked (Transfer-Encoding: chunked). */
function upload(id: string, token: string, data: Buffer, sized: boolean): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'x-auth-token': token, 'content-type': 'application/octet-stream' };
    if (sized) headers['content-length'] = String(data.length);
    const req = request(`${imagesUrl}/v2/images/${id}/file`, { method: 'PUT', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', (err) => (err.message.includes('EPIPE') || err.message.includes('ECONNRESET') ? undefined : reject(err)));
    // Several writes so that a chunked upload really is sent in pieces.
    for (let i = 0; i < data.length; i += 65536) req.write(data.subarray(i, i + 65536));
    req.end();
  });
}

async function createImage(token: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await img('POST', '/v2/images', token, { name: 'img', disk_format: 'raw', container_format: 'bare', ...extra });
  assert.equal(r.status, 201, r.text);
  return r.json['id'] as string;
}

/** Names under `<id>/` in the owner's segment container, read by the reseller admin. */
async function segmentNames(project: string, id: string): Promise<string[]> {
  const r = await call(svc(project, `/images_segments?format=json&prefix=${id}/`), { token: tok.admin!.token });
  if (r.status === 404) return [];
  assert.equal(r.status, 200, r.text);
  return (JSON.parse(r.text) as { name: string }[]).map((o) => o.name);
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');
const svc = (project: string, path = '') => `${swift.url}/v1/SERVICE_${project}${path}`;

function runAudit(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'images', 'audit', '--config', imagesConfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    // 'close', not 'exit': the exit can be reported before the last of stdout has been read.
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

before(async () => {
  stack = await startImageStack(MAX);
  ({ swift, imagesUrl, imagesConfig, workDir } = stack);
  tok.user = await v3Login('tester', 'testing', 'test');
  tok.member = await v3Login('tester3', 'testing3', 'test');
  tok.other = await v3Login('tester2', 'testing2', 'test2');
  tok.admin = await v3Login('tester6', 'testing6', 'test6');
  tok.glance = await v3Login('glance', 'glancepw', 'service');
  tok.reader = await v3Login('glance-reader', 'readerpw', 'service');
});

after(async () => { await stack?.stop(); });

describe('image service API', () => {
  test('versions, authentication and the catalog entry', async () => {
    const v = await img('GET', '/versions');
    assert.equal(v.status, 200);
    const versions = v.json['versions'] as { id: string; status: string }[];
    assert.ok(versions.some((x) => x.id === 'v2.9' && x.status === 'CURRENT'));
    // 401s come from the token check (keystonemiddleware in Glance): nested JSON whatever the Accept.
    for (const accept of ['application/json', '*/*']) {
      const anon = await img('GET', '/v2/images', undefined, undefined, { accept });
      assert.equal(anon.status, 401);
      assert.deepEqual(anon.json, { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
      assert.match(anon.headers.get('www-authenticate') ?? '', /^Keystone uri=/);
    }
    // Other errors as Glance's webob renders them: JSON when preferred, HTML for */* (glanceclient), text otherwise.
    const missing = `/v2/images/${randomUUID()}`;
    const asJson = await img('GET', missing, tok.user!.token);
    assert.equal(asJson.status, 404);
    assert.equal(asJson.headers.get('content-type'), 'application/json');
    assert.deepEqual(Object.keys(asJson.json).sort(), ['code', 'message', 'title']);
    assert.equal(asJson.json['code'], '404 Not Found');
    const asHtml = await img('GET', missing, tok.user!.token, undefined, { accept: '*/*' });
    assert.equal(asHtml.status, 404);
    assert.equal(asHtml.headers.get('content-type'), 'text/html; charset=UTF-8');
    assert.match(asHtml.text, /<h1>404 Not Found<\/h1>\n  No image found with ID /);
    const asText = await img('GET', missing, tok.user!.token, undefined, { accept: 'text/plain' });
    assert.equal(asText.headers.get('content-type'), 'text/plain; charset=UTF-8');
    assert.match(asText.text, /^404 Not Found\n\nNo image found with ID /);
    assert.equal((await img('GET', missing, tok.user!.token, undefined, { accept: 'text/html;q=0.5, application/json' })).headers.get('content-type'), 'application/json');
    assert.equal((await img('GET', '/v2/images', 'not-a-token')).status, 401);
    // glanceclient builds its models from the schemas.
    const schema = await img('GET', '/v2/schemas/image', tok.user!.token);
    assert.equal(schema.status, 200);
    const props = schema.json['properties'] as Record<string, { readOnly?: boolean }>;
    assert.equal(props['checksum']?.readOnly, true);
    assert.equal(props['os_hash_value']?.readOnly, true);
    assert.equal((await img('GET', '/v2/schemas/members', tok.user!.token)).status, 200);
    assert.equal((await img('GET', '/v2/schemas/image')).status, 401);
    const image = tok.user?.catalog.find((e) => e.type === 'image');
    assert.equal(image?.endpoints.find((e) => e.interface === 'public')?.url, imagesUrl);
  });

  let A = '';
  const dataA = randomBytes(300_000);
  test('create, chunked upload, metadata, download and Range', async () => {
    const u = tok.user!;
    const created = await img('POST', '/v2/images', u.token, { name: 'cirros', disk_format: 'qcow2', container_format: 'bare', tags: ['x', 'y'], os_distro: 'cirros' });
    assert.equal(created.status, 201, created.text);
    A = created.json['id'] as string;
    assert.equal(created.json['status'], 'queued');
    assert.equal(created.json['visibility'], 'shared');
    assert.equal(created.json['owner'], u.projectId);
    assert.equal(created.json['os_distro'], 'cirros');
    assert.deepEqual(created.json['tags'], ['x', 'y']);
    assert.equal(created.json['file'], `/v2/images/${A}/file`);

    const put = await upload(A, u.token, dataA, false);
    assert.equal(put.status, 204, put.text);
    const shown = await img('GET', `/v2/images/${A}`, u.token);
    assert.equal(shown.json['status'], 'active');
    assert.equal(shown.json['size'], dataA.length);
    assert.equal(shown.json['checksum'], md5(dataA));
    assert.equal(shown.json['os_hash_algo'], 'sha512');
    assert.equal(shown.json['os_hash_value'], sha512(dataA));

    const got = await img('GET', `/v2/images/${A}/file`, u.token);
    assert.equal(got.status, 200);
    assert.ok(got.bytes.equals(dataA));
    assert.equal(got.headers.get('content-md5'), md5(dataA));
    assert.equal(got.headers.get('content-type'), 'application/octet-stream');

    const part = await img('GET', `/v2/images/${A}/file`, u.token, undefined, { range: 'bytes=1000-1999' });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 1000-1999/${dataA.length}`);
    assert.ok(part.bytes.equals(dataA.subarray(1000, 2000)));

    // A member of the project without an operator role cannot open the service account with its own
    // token, but may download the project's image (read-only credential, after the visibility check).
    const m = tok.member!;
    assert.equal((await call(svc(u.projectId, `/images/${A}`), { token: m.token, serviceToken: tok.glance!.token })).status, 403);
    const byMember = await img('GET', `/v2/images/${A}/file`, m.token);
    assert.equal(byMember.status, 200);
    assert.ok(byMember.bytes.equals(dataA));
    assert.equal((await img('DELETE', `/v2/images/${A}`, m.token)).status, 403, 'the store refuses the delete without an operator role');
    assert.equal((await img('GET', `/v2/images/${A}`, m.token)).json['status'], 'active');

    // A second upload to an active image is a status conflict.
    assert.equal((await upload(A, u.token, Buffer.from('again'), true)).status, 409);
  });

  test('sized upload; bytes land in SERVICE_<project>/images, nothing in AUTH_<project>', async () => {
    const u = tok.user!;
    const id = await createImage(u.token);
    const data = randomBytes(4096);
    assert.equal((await upload(id, u.token, data, true)).status, 204);
    const auth = await call(`${swift.url}/v1/AUTH_${u.projectId}?format=json`, { token: u.token });
    assert.ok(auth.status === 200 || auth.status === 204, String(auth.status));
    assert.deepEqual(JSON.parse(auth.text || '[]'), []);
    assert.equal(auth.headers.get('x-account-object-count'), '0');
    // The reseller admin sees where the bytes are.
    const obj = await call(svc(u.projectId, `/images/${id}`), { token: tok.admin!.token });
    assert.equal(obj.status, 200);
    assert.ok(obj.bytes.equals(data));
  });

  test("the user's token alone cannot list, read, write or delete the service account", async () => {
    const u = tok.user!;
    assert.equal((await call(svc(u.projectId, '/images'), { token: u.token })).status, 403);
    assert.equal((await call(svc(u.projectId, `/images/${A}`), { token: u.token })).status, 403);
    assert.equal((await call(svc(u.projectId, '/images/planted'), { method: 'PUT', body: 'x', token: u.token })).status, 403);
    assert.equal((await call(svc(u.projectId, `/images/${A}`), { method: 'DELETE', token: u.token })).status, 403);
  });

  test("the image service's token alone cannot write; the reader role reads but never writes", async () => {
    const u = tok.user!;
    const g = tok.glance!.token;
    // In X-Auth-Token: identified but not an operator of the project (403).
    assert.equal((await call(svc(u.projectId, '/images/planted'), { method: 'PUT', body: 'x', token: g })).status, 403);
    assert.equal((await call(svc(u.projectId, `/images/${A}`), { method: 'DELETE', token: g })).status, 403);
    // In both headers: still 403 (C15, the service role is not an operator role).
    assert.equal((await call(svc(u.projectId, '/images/planted'), { method: 'PUT', body: 'x', token: g, serviceToken: g })).status, 403);
    assert.equal((await call(svc(u.projectId, `/images/${A}`), { method: 'DELETE', token: g, serviceToken: g })).status, 403);
    // In X-Service-Token only, there is no user identity at all: anonymous, 401 (docs/auth-rules.md R2.9).
    assert.equal((await call(svc(u.projectId, '/images/planted'), { method: 'PUT', body: 'x', serviceToken: g })).status, 401);
    const r = tok.reader!.token;
    assert.equal((await call(svc(u.projectId, `/images/${A}`), { token: r })).status, 200);
    assert.equal((await call(svc(u.projectId, '/images/planted'), { method: 'PUT', body: 'x', token: r })).status, 403);
    assert.equal((await call(svc(u.projectId, `/images/${A}`), { method: 'DELETE', token: r })).status, 403);
    assert.equal((await call(svc(u.projectId, '/images/planted'), { method: 'PUT', body: 'x', token: u.token, serviceToken: r })).status, 401);
    // Nothing was planted, and A is intact.
    assert.equal((await call(svc(u.projectId, '/images/planted'), { token: tok.admin!.token })).status, 404);
    assert.ok((await call(svc(u.projectId, `/images/${A}`), { token: tok.admin!.token })).bytes.equals(dataA));
  });

  test('user and image service tokens together list, read, write and delete', async () => {
    const u = tok.user!;
    const both = { token: u.token, serviceToken: tok.glance!.token };
    const list = await call(svc(u.projectId, '/images?format=json'), both);
    assert.equal(list.status, 200);
    assert.ok((JSON.parse(list.text) as { name: string }[]).some((o) => o.name === A));
    assert.ok((await call(svc(u.projectId, `/images/${A}`), both)).bytes.equals(dataA));
    assert.equal((await call(svc(u.projectId, '/images/scratch'), { ...both, method: 'PUT', body: 'x' })).status, 201);
    assert.equal((await call(svc(u.projectId, '/images/scratch'), { ...both, method: 'DELETE' })).status, 204);
  });

  test('visibility: private images are hidden; an admin publicizes; another project downloads but cannot reach the bytes', async () => {
    const u = tok.user!;
    const o = tok.other!;
    assert.equal((await img('GET', `/v2/images/${A}`, o.token)).status, 404);
    assert.equal((await img('GET', `/v2/images/${A}/file`, o.token)).status, 404);
    const patchHeaders = { 'content-type': 'application/openstack-images-v2.1-json-patch' };
    const denied = await img('PATCH', `/v2/images/${A}`, u.token, [{ op: 'replace', path: '/visibility', value: 'public' }], patchHeaders);
    assert.equal(denied.status, 403);
    assert.equal(denied.json['code'], '403 Forbidden');
    const pub = await img('PATCH', `/v2/images/${A}`, tok.admin!.token, [{ op: 'replace', path: '/visibility', value: 'public' }], patchHeaders);
    assert.equal(pub.status, 200, pub.text);
    assert.equal(pub.json['visibility'], 'public');
    const got = await img('GET', `/v2/images/${A}/file`, o.token);
    assert.equal(got.status, 200);
    assert.ok(got.bytes.equals(dataA));
    const part = await img('GET', `/v2/images/${A}/file`, o.token, undefined, { range: 'bytes=-10' });
    assert.equal(part.status, 206);
    assert.ok(part.bytes.equals(dataA.subarray(dataA.length - 10)));
    // Through the object API, the other project reaches nothing: not alone, not with the service token.
    assert.equal((await call(svc(u.projectId, `/images/${A}`), { token: o.token })).status, 403);
    assert.equal((await call(svc(u.projectId, `/images/${A}`), { token: o.token, serviceToken: tok.glance!.token })).status, 403);
    // Nor may it delete or change the public image through the image API.
    assert.equal((await img('DELETE', `/v2/images/${A}`, o.token)).status, 403);
    assert.equal((await img('PATCH', `/v2/images/${A}`, o.token, [{ op: 'replace', path: '/name', value: 'mine' }], patchHeaders)).status, 403);
  });

  test('community images and shared images with members', async () => {
    const u = tok.user!;
    const o = tok.other!;
    const data = randomBytes(1000);
    const C = await createImage(u.token, { name: 'community-one', visibility: 'community' });
    assert.equal((await upload(C, u.token, data, true)).status, 204);
    let list = await img('GET', '/v2/images', o.token);
    assert.ok(!(list.json['images'] as { id: string }[]).some((i) => i.id === C), 'community images are not listed by default');
    list = await img('GET', '/v2/images?visibility=community', o.token);
    assert.ok((list.json['images'] as { id: string }[]).some((i) => i.id === C));
    assert.ok((await img('GET', `/v2/images/${C}/file`, o.token)).bytes.equals(data));

    const S = await createImage(u.token, { name: 'shared-one' });
    assert.equal((await upload(S, u.token, data, false)).status, 204);
    assert.equal((await img('GET', `/v2/images/${S}`, o.token)).status, 404);
    const add = await img('POST', `/v2/images/${S}/members`, u.token, { member: o.projectId });
    assert.equal(add.status, 200, add.text);
    assert.equal(add.json['status'], 'pending');
    assert.equal((await img('POST', `/v2/images/${S}/members`, u.token, { member: o.projectId })).status, 409);
    assert.equal((await img('POST', `/v2/images/${S}/members`, o.token, { member: 'x' })).status, 403);
    list = await img('GET', '/v2/images', o.token);
    assert.ok(!(list.json['images'] as { id: string }[]).some((i) => i.id === S), 'pending members do not list the image');
    list = await img('GET', '/v2/images?member_status=pending', o.token);
    assert.ok((list.json['images'] as { id: string }[]).some((i) => i.id === S));
    assert.equal((await img('PUT', `/v2/images/${S}/members/${o.projectId}`, u.token, { status: 'accepted' })).status, 403);
    const acc = await img('PUT', `/v2/images/${S}/members/${o.projectId}`, o.token, { status: 'accepted' });
    assert.equal(acc.status, 200);
    assert.equal(acc.json['status'], 'accepted');
    list = await img('GET', '/v2/images', o.token);
    assert.ok((list.json['images'] as { id: string }[]).some((i) => i.id === S));
    assert.ok((await img('GET', `/v2/images/${S}/file`, o.token)).bytes.equals(data));
    const members = await img('GET', `/v2/images/${S}/members`, u.token);
    assert.deepEqual((members.json['members'] as { member_id: string }[]).map((m) => m.member_id), [o.projectId]);
    assert.equal((await img('DELETE', `/v2/images/${S}/members/${o.projectId}`, u.token)).status, 204);
    assert.equal((await img('GET', `/v2/images/${S}`, o.token)).status, 404);
    // Members only on shared images.
    assert.equal((await img('POST', `/v2/images/${C}/members`, u.token, { member: o.projectId })).status, 403);
  });

  test('listing: filters, sorting, limit and marker', async () => {
    const u = tok.user!;
    const names = ['list-b', 'list-a', 'list-c'];
    for (const name of names) await createImage(u.token, { name, tags: ['listing'] });
    const q = '/v2/images?tag=listing&sort_key=name&sort_dir=asc';
    const first = await img('GET', `${q}&limit=2`, u.token);
    assert.equal(first.status, 200);
    assert.deepEqual((first.json['images'] as { name: string }[]).map((i) => i.name), ['list-a', 'list-b']);
    const next = first.json['next'] as string;
    assert.match(next, /marker=/);
    const second = await img('GET', next, u.token);
    assert.deepEqual((second.json['images'] as { name: string }[]).map((i) => i.name), ['list-c']);
    assert.equal(second.json['next'], undefined);
    const desc = await img('GET', '/v2/images?tag=listing&sort_key=name&sort_dir=desc', u.token);
    assert.deepEqual((desc.json['images'] as { name: string }[]).map((i) => i.name), ['list-c', 'list-b', 'list-a']);
    const byName = await img('GET', '/v2/images?name=list-b', u.token);
    assert.deepEqual((byName.json['images'] as { name: string }[]).map((i) => i.name), ['list-b']);
    const queued = await img('GET', '/v2/images?status=queued&tag=listing', u.token);
    assert.equal((queued.json['images'] as unknown[]).length, 3);
    const active = await img('GET', '/v2/images?status=active&tag=listing', u.token);
    assert.equal((active.json['images'] as unknown[]).length, 0);
    const mine = await img('GET', `/v2/images?owner=${u.projectId}&visibility=public`, u.token);
    assert.deepEqual((mine.json['images'] as { id: string }[]).map((i) => i.id), [A]);
    assert.equal((await img('GET', '/v2/images?sort_key=bogus', u.token)).status, 400);
    assert.equal((await img('GET', '/v2/images?visibility=bogus', u.token)).status, 400);
    assert.equal((await img('GET', `/v2/images?marker=${randomUUID()}`, u.token)).status, 400);
    // Another project sees none of these private-by-default (shared, no members) images.
    const other = await img('GET', '/v2/images?tag=listing', tok.other!.token);
    assert.deepEqual(other.json['images'], []);
  });

  test('PATCH (JSON patch), read-only attributes, protected images, delete removes the object', async () => {
    const u = tok.user!;
    const h = { 'content-type': 'application/openstack-images-v2.1-json-patch' };
    const id = await createImage(u.token, { name: 'patch-me' });
    assert.equal((await upload(id, u.token, Buffer.from('patched bytes'), true)).status, 204);
    assert.equal((await img('PATCH', `/v2/images/${id}`, u.token, [{ op: 'replace', path: '/name', value: 'n' }])).status, 415);
    assert.equal((await img('PATCH', `/v2/images/${id}`, u.token, [{ op: 'replace', path: '/status', value: 'active' }], h)).status, 403);
    assert.equal((await img('PATCH', `/v2/images/${id}`, u.token, [{ op: 'replace', path: '/checksum', value: 'x' }], h)).status, 403);
    assert.equal((await img('PATCH', `/v2/images/${id}`, u.token, [{ op: 'remove', path: '/nothere' }], h)).status, 409);
    const p = await img('PATCH', `/v2/images/${id}`, u.token, [
      { op: 'replace', path: '/name', value: 'patched' },
      { op: 'add', path: '/hw_disk_bus', value: 'scsi' },
      { op: 'replace', path: '/protected', value: true },
      { op: 'add', path: '/tags', value: ['t1'] },
    ], h);
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json['name'], 'patched');
    assert.equal(p.json['hw_disk_bus'], 'scsi');
    assert.equal(p.json['protected'], true);
    assert.deepEqual(p.json['tags'], ['t1']);
    const del = await img('DELETE', `/v2/images/${id}`, u.token);
    assert.equal(del.status, 403);
    assert.match(String(del.json['message']), /protected/);
    const un = await img('PATCH', `/v2/images/${id}`, u.token, [{ op: 'replace', path: '/protected', value: false }, { op: 'remove', path: '/hw_disk_bus' }], h);
    assert.equal(un.status, 200);
    assert.equal(un.json['hw_disk_bus'], undefined);
    assert.equal((await call(svc(u.projectId, `/images/${id}`), { method: 'HEAD', token: tok.admin!.token })).status, 200);
    assert.equal((await img('DELETE', `/v2/images/${id}`, u.token)).status, 204);
    assert.equal((await img('GET', `/v2/images/${id}`, u.token)).status, 404);
    assert.equal((await call(svc(u.projectId, `/images/${id}`), { method: 'HEAD', token: tok.admin!.token })).status, 404);
  });

  test('uploads: formats required, exactly the max object size is one object, no write without an operator role', async () => {
    const u = tok.user!;
    const bare = await img('POST', '/v2/images', u.token, { name: 'no-formats' });
    assert.equal(bare.status, 201);
    assert.equal((await upload(bare.json['id'] as string, u.token, Buffer.from('x'), true)).status, 400);
    const id = await createImage(u.token, { name: 'max-size' });
    const exact = randomBytes(MAX);
    assert.equal((await upload(id, u.token, exact, false)).status, 204);
    assert.equal((await img('GET', `/v2/images/${id}`, u.token)).json['size'], MAX);
    // One plain object, no segments, no manifest.
    const head = await call(svc(u.projectId, `/images/${id}`), { method: 'HEAD', token: tok.admin!.token });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(MAX));
    assert.equal(head.headers.get('x-object-manifest'), null);
    assert.deepEqual(await segmentNames(u.projectId, id), []);
    // tester3 is a member of project test without an operator role: Swift refuses its write, the image stays queued.
    const m = tok.member!;
    const mid = await createImage(m.token, { name: 'member-upload' });
    const refused = await upload(mid, m.token, Buffer.from('bytes'), true);
    assert.equal(refused.status, 403, refused.text);
    assert.equal((await img('GET', `/v2/images/${mid}`, m.token)).json['status'], 'queued');
    assert.equal((await img('DELETE', `/v2/images/${mid}`, u.token)).status, 204);
  });

  test('large images: segments of the max object size in SERVICE_<project>/images_segments behind an SLO manifest; Range across segments; delete removes the segments', async () => {
    const u = tok.user!;
    const R = tok.admin!.token;
    const data = randomBytes(2 * MAX + 12345);
    const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    for (const sized of [true, false]) {
      const id = await createImage(u.token, { name: `large-${sized ? 'sized' : 'chunked'}` });
      const put = await upload(id, u.token, data, sized);
      assert.equal(put.status, 204, put.text);
      const shown = await img('GET', `/v2/images/${id}`, u.token);
      assert.equal(shown.json['status'], 'active');
      assert.equal(shown.json['size'], data.length);
      assert.equal(shown.json['checksum'], md5(data));
      assert.equal(shown.json['os_hash_value'], sha512(data));
      // Three segments in the segment container, the image object is the manifest.
      assert.deepEqual(await segmentNames(u.projectId, id), [`${id}/00000001`, `${id}/00000002`, `${id}/00000003`]);
      const seg1 = await call(svc(u.projectId, `/images_segments/${id}/00000001`), { token: R });
      assert.ok(seg1.bytes.equals(data.subarray(0, MAX)));
      // A static large object manifest (the object API lists `slo` in /info) naming the three segments.
      const manifest = await call(svc(u.projectId, `/images/${id}?multipart-manifest=get`), { token: R });
      assert.equal(manifest.status, 200, manifest.text);
      assert.equal(manifest.headers.get('x-static-large-object'), 'True');
      const entries = JSON.parse(manifest.text) as { name: string; bytes: number; hash: string }[];
      assert.deepEqual(entries.map((e) => [e.name, e.bytes]), [
        [`/images_segments/${id}/00000001`, MAX], [`/images_segments/${id}/00000002`, MAX], [`/images_segments/${id}/00000003`, data.length - 2 * MAX],
      ]);
      assert.equal(entries[0]?.hash, md5(data.subarray(0, MAX)));
      const whole = await call(svc(u.projectId, `/images/${id}`), { method: 'HEAD', token: R });
      assert.equal(whole.headers.get('content-length'), String(data.length));
      // The segments are as closed to the user's token alone as the image object.
      assert.equal((await call(svc(u.projectId, `/images_segments/${id}/00000001`), { token: u.token })).status, 403);
      assert.equal((await call(svc(u.projectId, `/images_segments/${id}/00000001`), { method: 'DELETE', token: u.token })).status, 403);

      const got = await img('GET', `/v2/images/${id}/file`, u.token);
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('content-length'), String(data.length));
      assert.equal(sha256(got.bytes), sha256(data));
      // A range across the first segment boundary, and one inside the last segment.
      const across = await img('GET', `/v2/images/${id}/file`, u.token, undefined, { range: `bytes=${MAX - 10}-${MAX + 9}` });
      assert.equal(across.status, 206);
      assert.equal(across.headers.get('content-range'), `bytes ${MAX - 10}-${MAX + 9}/${data.length}`);
      assert.ok(across.bytes.equals(data.subarray(MAX - 10, MAX + 10)));
      const tail = await img('GET', `/v2/images/${id}/file`, u.token, undefined, { range: 'bytes=-100' });
      assert.equal(tail.status, 206);
      assert.ok(tail.bytes.equals(data.subarray(data.length - 100)));
      // A project member without an operator role reads through the read-only credential (segments too).
      const byMember = await img('GET', `/v2/images/${id}/file`, tok.member!.token);
      assert.equal(byMember.status, 200);
      assert.equal(sha256(byMember.bytes), sha256(data));

      if (sized) {
        assert.equal((await img('DELETE', `/v2/images/${id}`, u.token)).status, 204);
        assert.equal((await call(svc(u.projectId, `/images/${id}`), { method: 'HEAD', token: R })).status, 404);
        assert.deepEqual(await segmentNames(u.projectId, id), []);
      }
    }
  });
});

describe('image service: hidden images, deactivation, listing in SQL, token cache', () => {
  const patchHeaders = { 'content-type': 'application/openstack-images-v2.1-json-patch' };
  const ids = (r: { json: Record<string, unknown> }) => (r.json['images'] as { id: string }[]).map((i) => i.id);

  test('os_hidden: hidden from the default listing, listed with os_hidden=true, still shown and downloadable', async () => {
    const u = tok.user!;
    const H = await createImage(u.token, { name: 'hidden-one', os_hidden: true, tags: ['hiding'] });
    const V = await createImage(u.token, { name: 'visible-one', tags: ['hiding'] });
    assert.equal((await img('GET', `/v2/images/${H}`, u.token)).json['os_hidden'], true);
    assert.equal((await img('GET', `/v2/images/${V}`, u.token)).json['os_hidden'], false);
    assert.deepEqual(ids(await img('GET', '/v2/images?tag=hiding', u.token)), [V]);
    assert.deepEqual(ids(await img('GET', '/v2/images?tag=hiding&os_hidden=true', u.token)), [H]);
    assert.deepEqual(ids(await img('GET', '/v2/images?tag=hiding&os_hidden=false', u.token)), [V]);
    assert.equal((await img('GET', '/v2/images?os_hidden=maybe', u.token)).status, 400);
    const un = await img('PATCH', `/v2/images/${H}`, u.token, [{ op: 'replace', path: '/os_hidden', value: false }], patchHeaders);
    assert.equal(un.status, 200, un.text);
    assert.equal(un.json['os_hidden'], false);
    assert.deepEqual(ids(await img('GET', '/v2/images?tag=hiding&sort_key=name&sort_dir=asc', u.token)), [H, V]);
    assert.equal((await img('PATCH', `/v2/images/${H}`, u.token, [{ op: 'replace', path: '/os_hidden', value: 'yes' }], patchHeaders)).status, 400);
    const data = randomBytes(500);
    assert.equal((await img('PATCH', `/v2/images/${H}`, u.token, [{ op: 'replace', path: '/os_hidden', value: true }], patchHeaders)).status, 200);
    assert.equal((await upload(H, u.token, data, true)).status, 204);
    assert.ok((await img('GET', `/v2/images/${H}/file`, u.token)).bytes.equals(data));
  });

  test('deactivate / reactivate: admin only; deactivated data is 403 except for an admin; listed and shown', async () => {
    const u = tok.user!;
    const a = tok.admin!.token;
    const data = randomBytes(3000);
    const D = await createImage(u.token, { name: 'deactivate-me' });
    // Only active images can be deactivated.
    assert.equal((await img('POST', `/v2/images/${D}/actions/deactivate`, a)).status, 403);
    assert.equal((await upload(D, u.token, data, true)).status, 204);
    const byOwner = await img('POST', `/v2/images/${D}/actions/deactivate`, u.token);
    assert.equal(byOwner.status, 403);
    assert.equal(byOwner.json['code'], '403 Forbidden');
    assert.equal((await img('POST', `/v2/images/${D}/actions/deactivate`, tok.other!.token)).status, 404);
    assert.equal((await img('GET', `/v2/images/${D}/actions/deactivate`, a)).status, 405);
    assert.equal((await img('POST', `/v2/images/${D}/actions/explode`, a)).status, 404);
    const de = await img('POST', `/v2/images/${D}/actions/deactivate`, a);
    assert.equal(de.status, 204, de.text);
    assert.equal(de.text, '');
    assert.equal((await img('POST', `/v2/images/${D}/actions/deactivate`, a)).status, 204, 'deactivating twice is a no-op');
    const shown = await img('GET', `/v2/images/${D}`, u.token);
    assert.equal(shown.json['status'], 'deactivated');
    assert.deepEqual(ids(await img('GET', '/v2/images?status=deactivated', u.token)), [D]);
    const refused = await img('GET', `/v2/images/${D}/file`, u.token);
    assert.equal(refused.status, 403);
    assert.match(String(refused.json['message']), /deactivated/);
    assert.equal((await img('GET', `/v2/images/${D}/file`, tok.member!.token)).status, 403);
    const byAdmin = await img('GET', `/v2/images/${D}/file`, a);
    assert.equal(byAdmin.status, 200);
    assert.ok(byAdmin.bytes.equals(data));
    // Still protected by the status machine: no second upload.
    assert.equal((await upload(D, u.token, data, true)).status, 409);
    assert.equal((await img('POST', `/v2/images/${D}/actions/reactivate`, u.token)).status, 403);
    assert.equal((await img('POST', `/v2/images/${D}/actions/reactivate`, a)).status, 204);
    assert.equal((await img('GET', `/v2/images/${D}`, u.token)).json['status'], 'active');
    assert.ok((await img('GET', `/v2/images/${D}/file`, u.token)).bytes.equals(data));
    assert.equal((await img('POST', `/v2/images/${D}/actions/reactivate`, a)).status, 204, 'reactivating an active image is a no-op');
    // A deactivated image can be deleted; its bytes go.
    assert.equal((await img('POST', `/v2/images/${D}/actions/deactivate`, a)).status, 204);
    assert.equal((await img('DELETE', `/v2/images/${D}`, u.token)).status, 204);
    assert.equal((await call(svc(u.projectId, `/images/${D}`), { method: 'HEAD', token: a })).status, 404);
  });

  test('listing: multiple sort keys, property and size filters, first/next links as Glance, paging through everything', async () => {
    const u = tok.user!;
    const made: { id: string; name: string; arch: string }[] = [];
    for (const [name, arch] of [['p-b', 'x86_64'], ['p-a', 'aarch64'], ['p-b', 'aarch64'], ['p-c', 'x86_64'], ['p-a', 'x86_64']] as const) {
      made.push({ id: await createImage(u.token, { name, architecture: arch, tags: ['paging', arch] }), name, arch });
    }
    // name asc, then architecture is not a sort key: ties break on id (same direction as the last key).
    const expected = [...made].sort((x, y) => (x.name === y.name ? (x.id < y.id ? 1 : -1) : x.name < y.name ? -1 : 1)).map((x) => x.id);
    const all = await img('GET', '/v2/images?tag=paging&sort=name:asc,id:desc', u.token);
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(ids(all), expected);
    const classic = await img('GET', '/v2/images?tag=paging&sort_key=name&sort_key=id&sort_dir=asc&sort_dir=desc', u.token);
    assert.deepEqual(ids(classic), expected);
    assert.equal((await img('GET', '/v2/images?sort=name:asc&sort_key=name', u.token)).status, 400);
    assert.equal((await img('GET', '/v2/images?sort=bogus:asc', u.token)).status, 400);
    assert.equal((await img('GET', '/v2/images?sort_key=name&sort_key=id&sort_dir=asc&sort_dir=desc&sort_dir=asc', u.token)).status, 400);
    assert.equal((await img('GET', '/v2/images?limit=-1', u.token)).status, 400);
    assert.equal((await img('GET', '/v2/images?limit=x', u.token)).status, 400);
    // Page by 2 following `next`: every image once, in order; the last full page has a `next` to an empty one (Glance).
    const seen: string[] = [];
    let url: string | undefined = '/v2/images?tag=paging&sort=name:asc,id:desc&limit=2';
    const firsts: unknown[] = [];
    for (let pages = 0; url && pages < 10; pages++) {
      const page = await img('GET', url, u.token);
      assert.equal(page.status, 200, page.text);
      firsts.push(page.json['first']);
      seen.push(...ids(page));
      url = page.json['next'] as string | undefined;
      if (url) assert.match(url, /^\/v2\/images\?.*marker=/);
    }
    assert.deepEqual(seen, expected);
    assert.deepEqual(new Set(firsts), new Set(['/v2/images?tag=paging&sort=name%3Aasc%2Cid%3Adesc&limit=2']));
    const full = await img('GET', '/v2/images?tag=paging&limit=5', u.token);
    assert.equal(ids(full).length, 5);
    const empty = await img('GET', full.json['next'] as string, u.token);
    assert.deepEqual(ids(empty), []);
    assert.equal(empty.json['next'], undefined);
    // Custom-property filter, several tags (all must match), size range.
    const arm = await img('GET', '/v2/images?tag=paging&architecture=aarch64&sort_key=name&sort_dir=asc', u.token);
    assert.deepEqual((arm.json['images'] as { name: string }[]).map((i) => i.name), ['p-a', 'p-b']);
    assert.deepEqual(ids(await img('GET', '/v2/images?tag=paging&tag=aarch64&name=p-a', u.token)), made.filter((x) => x.name === 'p-a' && x.arch === 'aarch64').map((x) => x.id));
    assert.deepEqual(ids(await img('GET', '/v2/images?tag=paging&architecture=sparc', u.token)), []);
    const sized = made[0]!.id;
    assert.equal((await upload(sized, u.token, randomBytes(777), true)).status, 204);
    assert.deepEqual(ids(await img('GET', '/v2/images?tag=paging&size_min=700&size_max=800', u.token)), [sized]);
    assert.deepEqual(ids(await img('GET', '/v2/images?tag=paging&size_min=778', u.token)), []);
    assert.equal((await img('GET', '/v2/images?changes-since=2020-01-01', u.token)).status, 400);
    // Another project sees none of them, whatever it asks for.
    assert.deepEqual(ids(await img('GET', '/v2/images?tag=paging&visibility=all&member_status=all', tok.other!.token)), []);
    // The create answer carries the image's Location.
    const created = await img('POST', '/v2/images', u.token, { name: 'located' });
    assert.equal(created.headers.get('location'), `/v2/images/${created.json['id'] as string}`);
  });

  test('token cache: a revoked token never writes or downloads; metadata reads may pass within 30 s', async () => {
    const fresh = await v3Login('tester', 'testing', 'test');
    const data = randomBytes(100);
    const id = await createImage(fresh.token, { name: 'revocation' });
    assert.equal((await upload(id, fresh.token, data, true)).status, 204);
    assert.equal((await img('GET', `/v2/images/${id}`, fresh.token)).status, 200);
    const revoke = await fetch(`${swift.url}/v3/auth/tokens`, { method: 'DELETE', headers: { 'x-auth-token': fresh.token, 'x-subject-token': fresh.token } });
    assert.equal(revoke.status, 204);
    // The documented window: a metadata read validated less than 30 s ago is served from the cache.
    assert.equal((await img('GET', `/v2/images/${id}`, fresh.token)).status, 200);
    // Writes and downloads validate afresh.
    assert.equal((await img('GET', `/v2/images/${id}/file`, fresh.token)).status, 401);
    assert.equal((await img('PATCH', `/v2/images/${id}`, fresh.token, [{ op: 'replace', path: '/name', value: 'x' }], patchHeaders)).status, 401);
    assert.equal((await img('DELETE', `/v2/images/${id}`, fresh.token)).status, 401);
    assert.equal((await img('POST', '/v2/images', fresh.token, { name: 'after-revoke' })).status, 401);
    // Validated afresh above, the revoked token is out of the cache: metadata reads are refused too.
    assert.equal((await img('GET', `/v2/images/${id}`, fresh.token)).status, 401);
    assert.equal((await img('GET', '/v2/images', fresh.token)).status, 401);
    assert.equal((await img('GET', `/v2/images/${id}`, tok.user!.token)).json['name'], 'revocation');
  });

  test('token cache: with token_cache_time = 3 a revoked token reads metadata from the cache, then not after 3 s', async () => {
    const cached = await startImageService(swift.url, workDir, 'images-cache1', 'token_cache_time = 3\n');
    try {
      const base = cached.url;
      const t = await v3Login('tester', 'testing', 'test');
      const list = () => fetch(`${base}/v2/images`, { headers: { 'x-auth-token': t.token } }).then(async (r) => { await r.arrayBuffer(); return r.status; });
      assert.equal(await list(), 200);
      const revoke = await fetch(`${swift.url}/v3/auth/tokens`, { method: 'DELETE', headers: { 'x-auth-token': t.token, 'x-subject-token': t.token } });
      assert.equal(revoke.status, 204);
      assert.equal(await list(), 200, 'served from the cache entry made a moment ago');
      await new Promise((r) => setTimeout(r, 3200));
      assert.equal(await list(), 401);
    } finally {
      await cached.stop();
    }
  });
});

describe('image service lifecycle edges', () => {
  test('an image deleted while its data is uploading keeps no bytes', async () => {
    const u = tok.user!;
    const id = await createImage(u.token, { name: 'deleted-mid-upload' });
    const done = new Promise<number>((resolve, reject) => {
      const req = request(`${imagesUrl}/v2/images/${id}/file`, { method: 'PUT', headers: { 'x-auth-token': u.token, 'content-type': 'application/octet-stream' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.write(randomBytes(5000));
      const finish = async () => {
        for (let i = 0; i < 50 && (await img('GET', `/v2/images/${id}`, u.token)).json['status'] !== 'saving'; i++) await new Promise((r) => setTimeout(r, 100));
        assert.equal((await img('DELETE', `/v2/images/${id}`, u.token)).status, 204);
        req.end(randomBytes(5000));
      };
      finish().catch(reject);
    });
    assert.equal(await done, 409);
    assert.equal((await img('GET', `/v2/images/${id}`, u.token)).status, 404);
    assert.equal((await call(svc(u.projectId, `/images/${id}`), { method: 'HEAD', token: tok.admin!.token })).status, 404);
  });

  /** Starts `swiftlet images serve` with a config that must fail at start-up; its exit code and stderr. */
  function serveImagesWith(config: string): Promise<{ code: number; err: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, 'images', 'serve', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      child.on('exit', (code) => resolve({ code: code ?? -1, err }));
    });
  }

  test('a misspelled [images] key is a start-up error naming the right one', async () => {
    const bad = join(workDir, 'bad.toml');
    writeFileSync(bad, '[images]\nprot = 9393\n');
    const r = await serveImagesWith(bad);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown key "images\.prot"; did you mean "images\.port"/);
  });

  test('token_cache_time above 30 s is a start-up error', async () => {
    const bad = join(workDir, 'cache.toml');
    writeFileSync(bad, '[images]\ntoken_cache_time = 31\n');
    const r = await serveImagesWith(bad);
    assert.equal(r.code, 2);
    assert.match(r.err, /"images\.token_cache_time" must be at most 30/);
  });
});

describe('images audit', () => {
  test('clean store: exit 0, table and JSON', async () => {
    const table = await runAudit();
    assert.equal(table.code, 0, table.stdout + table.stderr);
    assert.match(table.stdout, /clean/);
    // Progress on stderr (not a terminal here: plain lines), ending with every account and image done.
    assert.match(table.stderr, /^images audit: (?:100% )?(\d+)\/\1 accounts, (\d+)\/\2 images, \d+ objects, 0 findings, [\d.]+ images\/s, took \d+s$/m, table.stderr);
    assert.doesNotMatch(table.stderr, /\r/);
    const json = await runAudit('--json');
    assert.equal(json.code, 0, json.stdout + json.stderr);
    const report = JSON.parse(json.stdout) as { clean: boolean; findings: unknown[]; objects: number };
    assert.equal(report.clean, true);
    assert.deepEqual(report.findings, []);
    assert.ok(report.objects >= 3);
  });

  test('finds a deleted object, a planted orphan, a size mismatch and an upload stuck in saving; --repair kills what is safe', async () => {
    const u = tok.user!;
    const R = tok.admin!.token; // the reseller admin tampers with the store behind the image service's back
    const gone = await createImage(u.token, { name: 'will-lose-bytes' });
    assert.equal((await upload(gone, u.token, randomBytes(2000), true)).status, 204);
    const changed = await createImage(u.token, { name: 'will-change-size' });
    assert.equal((await upload(changed, u.token, randomBytes(2000), true)).status, 204);
    assert.equal((await call(svc(u.projectId, `/images/${gone}`), { method: 'DELETE', token: R })).status, 204);
    assert.equal((await call(svc(u.projectId, `/images/${changed}`), { method: 'PUT', body: 'short', token: R })).status, 201);
    // A segmented image loses its second segment.
    const segLost = await createImage(u.token, { name: 'will-lose-a-segment' });
    assert.equal((await upload(segLost, u.token, randomBytes(2 * MAX + 1), true)).status, 204);
    assert.equal((await call(svc(u.projectId, `/images_segments/${segLost}/00000002`), { method: 'DELETE', token: R })).status, 204);
    const orphan = randomUUID();
    assert.equal((await call(svc(u.projectId, `/images/${orphan}`), { method: 'PUT', body: 'nobody knows me', token: R })).status, 201);

    // An upload that is still open: the image is in saving.
    const slow = await createImage(u.token, { name: 'slow' });
    const req = request(`${imagesUrl}/v2/images/${slow}/file`, { method: 'PUT', headers: { 'x-auth-token': u.token, 'content-type': 'application/octet-stream' } });
    req.on('error', () => undefined);
    req.write(randomBytes(1000));
    for (let i = 0; i < 50 && (await img('GET', `/v2/images/${slow}`, u.token)).json['status'] !== 'saving'; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal((await img('GET', `/v2/images/${slow}`, u.token)).json['status'], 'saving');

    const res = await runAudit('--json', '--stale-after', '0');
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.notEqual(res.stdout, '', res.stderr);
    const report = JSON.parse(res.stdout) as { clean: boolean; findings: { kind: string; image_id: string | null; object: string; account: string }[] };
    assert.equal(report.clean, false);
    const kinds = (id: string | null, object?: string) => report.findings.filter((f) => (object ? f.object === object : f.image_id === id)).map((f) => f.kind).sort();
    assert.deepEqual(kinds(gone), ['missing']);
    assert.deepEqual(kinds(changed), ['checksum_mismatch', 'size_mismatch']);
    assert.deepEqual(kinds(null, `images/${orphan}`), ['orphan']);
    assert.deepEqual(kinds(slow), ['stuck_saving']);
    assert.deepEqual(kinds(segLost), ['checksum_mismatch', 'missing_segments', 'size_mismatch']);
    assert.ok(report.findings.filter((f) => f.image_id === segLost).every((f) => f.object === `images_segments/${segLost}/`));
    assert.ok(report.findings.every((f) => f.account === `SERVICE_${u.projectId}`));
    assert.equal(report.findings.length, 8, JSON.stringify(report.findings));
    // The run is recorded: the image service answers it to an administrator as the CLI printed it.
    const latest = await img('GET', '/v2/audit/latest', tok.admin!.token);
    assert.equal(latest.status, 200, latest.text);
    const run = (latest.json['audit'] ?? {}) as { clean?: boolean; error?: unknown; repair?: boolean; stale_after?: number; findings?: unknown[] };
    assert.deepEqual(run.findings, report.findings);
    assert.equal(run.clean, false);
    assert.equal(run.error, null);
    assert.equal(run.repair, false);
    assert.equal(run.stale_after, 0);
    // Without --stale-after 0 the open upload is not (yet) stuck.
    const table = await runAudit();
    assert.equal(table.code, 1);
    for (const kind of ['missing', 'missing_segments', 'size_mismatch', 'checksum_mismatch', 'orphan']) assert.match(table.stdout, new RegExp(kind));
    assert.doesNotMatch(table.stdout, /stuck_saving/);

    const repaired = await runAudit('--json', '--repair');
    assert.equal(repaired.code, 1, 'mismatch and orphan are not repaired automatically');
    const after1 = JSON.parse(repaired.stdout) as { findings: { kind: string; repaired: boolean; image_id: string | null }[] };
    assert.deepEqual(after1.findings.filter((f) => f.repaired).map((f) => f.image_id).sort(), [gone, segLost].sort());
    assert.equal((await img('GET', `/v2/images/${segLost}`, u.token)).json['status'], 'killed');
    assert.equal((await img('GET', `/v2/images/${gone}`, u.token)).json['status'], 'killed');
    assert.equal((await img('GET', `/v2/images/${changed}`, u.token)).json['status'], 'active');

    // The client gives up on the open upload: the image is killed and no bytes are kept.
    req.destroy();
    for (let i = 0; i < 50 && (await img('GET', `/v2/images/${slow}`, u.token)).json['status'] === 'saving'; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal((await img('GET', `/v2/images/${slow}`, u.token)).json['status'], 'killed');
    assert.equal((await call(svc(u.projectId, `/images/${slow}`), { method: 'HEAD', token: R })).status, 404);

    // Put things right by hand (a write credential): the audit is clean again.
    assert.equal((await call(svc(u.projectId, `/images/${orphan}`), { method: 'DELETE', token: R })).status, 204);
    assert.equal((await img('DELETE', `/v2/images/${changed}`, u.token)).status, 204);
    // Deleting the killed segmented image removes its manifest and remaining segments.
    assert.equal((await img('DELETE', `/v2/images/${segLost}`, u.token)).status, 204);
    assert.deepEqual(await segmentNames(u.projectId, segLost), []);
    const clean = await runAudit();
    assert.equal(clean.code, 0, clean.stdout);
  });

  test('GET /v2/audit/latest: image administrators and audit_roles only, CORS for the console origin only', async () => {
    const before = Date.now();
    assert.equal((await runAudit()).code, 0);
    const latest = await img('GET', '/v2/audit/latest', tok.admin!.token);
    assert.equal(latest.status, 200, latest.text);
    const run = latest.json['audit'] as { clean: boolean; findings: unknown[]; finished_at: string; images: number };
    assert.equal(run.clean, true);
    assert.deepEqual(run.findings, []);
    assert.ok(Date.parse(run.finished_at) >= Math.floor(before / 1000) * 1000, run.finished_at);
    assert.ok(run.images >= 1);
    // A project user (operator of its own project), a member and the service users are refused.
    for (const who of ['user', 'member', 'other', 'glance'] as const) {
      const r = await img('GET', '/v2/audit/latest', tok[who]!.token);
      assert.equal(r.status, 403, `${who}: ${r.text}`);
      assert.equal(r.json['audit'], undefined);
    }
    assert.equal((await img('GET', '/v2/audit/latest')).status, 401);
    assert.equal((await img('DELETE', '/v2/audit/latest', tok.admin!.token)).status, 405);

    // CORS: the console's origin (Swiftlet's) may read it from a browser, another origin may not.
    const preflight = (origin: string) => fetch(`${imagesUrl}/v2/audit/latest`, {
      method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-auth-token' },
    });
    const ok = await preflight(swift.url);
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), swift.url);
    assert.match(ok.headers.get('access-control-allow-headers') ?? '', /x-auth-token/i);
    const evil = await preflight('http://evil.example');
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    const refused = await img('GET', '/v2/audit/latest', tok.user!.token, undefined, { origin: swift.url });
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('access-control-allow-origin'), swift.url, 'the console can read the refusal');
    // Other routes answer no CORS.
    assert.equal((await img('GET', '/v2/images', tok.user!.token, undefined, { origin: swift.url })).headers.get('access-control-allow-origin'), null);

    // audit_roles: a reader role that is no image administrator; before any run the answer is null.
    const other = await startImageService(swift.url, workDir, 'images-audit-roles', 'audit_roles = "member"\n');
    try {
      const r = await fetch(`${other.url}/v2/audit/latest`, { headers: { 'x-auth-token': tok.member!.token } });
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { audit: null });
      assert.equal((await fetch(`${other.url}/v2/audit/latest`, { headers: { 'x-auth-token': tok.user!.token } })).status, 403);
    } finally {
      await other.stop();
    }
  });
});
