/**
 * The real `openstack image …` commands (Debian's python3-openstackclient 6.0 with openstacksdk and
 * glanceclient) against Swiftlet's image service (`swiftlet images serve`), found through the `image`
 * entry of the catalog of Swiftlet's built-in Keystone. Image bytes land in SERVICE_<project>; images
 * larger than the object size limit (1 MiB here) are stored in segments. Saved files are compared with
 * the uploaded ones by sha256.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestServer } from '../test/helpers/server.js';
import { call } from '../test/helpers/swift.js';
import { startImageStack, type ImageStack } from '../test/helpers/images.js';
import { parseOscJson, passwordAuth, runOpenstack, type OpenstackUser, type OscRun } from './openstack.js';

const MAX = 1024 * 1024;
let server: TestServer;
let stack: ImageStack;
let imagesUrl = '';
let work: string;

type Credentials = OpenstackUser;
const USER: Credentials = { user: 'tester', password: 'testing', project: 'test' };
const OTHER: Credentials = { user: 'tester2', password: 'testing2', project: 'test2' };
const IMAGE_ADMIN: Credentials = { user: 'tester6', password: 'testing6', project: 'test6' };

before(async () => {
  stack = await startImageStack(MAX);
  ({ swift: server, imagesUrl, workDir: work } = stack);
});

after(async () => { await stack?.stop(); });

function osc(creds: Credentials, args: string[]): Promise<OscRun> {
  return runOpenstack(server.url, work, { ...passwordAuth(creds), OS_IMAGE_API_VERSION: '2' }, args);
}

async function ok(creds: Credentials, args: string[]): Promise<string> {
  const r = await osc(creds, args);
  assert.equal(r.code, 0, `openstack ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}\n--- image service:\n${stack.imagesOutput()}`);
  return r.stdout;
}

type Row = Record<string, unknown>;

async function okJson<T>(creds: Credentials, args: string[]): Promise<T> {
  return parseOscJson<T>(args, await ok(creds, [...args, '-f', 'json']));
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');
const small = randomBytes(300_000);
const large = randomBytes(2 * MAX + 4321);
let smallId = '';
let largeId = '';
let projectId = '';

const ADMIN: Credentials = { user: 'admin', password: 'adminpw', project: 'admin' };

test('endpoint list shows the image service from the catalog', async () => {
  const endpoints = await okJson<Row[]>(ADMIN, ['endpoint', 'list', '--service', 'image']);
  assert.ok(endpoints.length > 0);
  for (const e of endpoints) {
    assert.equal(e.URL, imagesUrl);
    assert.equal(e['Service Type'], 'image');
  }
});

test('image create --file (small and larger than the object size limit), image show, image list', async () => {
  writeFileSync(join(work, 'small.img'), small);
  writeFileSync(join(work, 'large.img'), large);
  const [s, l] = await Promise.all([
    okJson<Row>(USER, ['image', 'create', '--file', 'small.img', '--disk-format', 'qcow2', '--container-format', 'bare',
      '--property', 'os_distro=cirros', '--tag', 'cli', 'cli-small']),
    okJson<Row>(USER, ['image', 'create', '--file', 'large.img', '--disk-format', 'raw', '--container-format', 'bare', 'cli-large']),
  ]);
  smallId = String(s.id);
  largeId = String(l.id);
  assert.match(smallId, /^[0-9a-f-]{36}$/);
  assert.equal(s.name, 'cli-small');
  assert.equal(s.disk_format, 'qcow2');
  const [shownS, shownL, list] = await Promise.all([
    okJson<Row>(USER, ['image', 'show', 'cli-small']),
    okJson<Row>(USER, ['image', 'show', largeId]),
    okJson<Row[]>(USER, ['image', 'list']),
  ]);
  projectId = String(shownS.owner);
  assert.equal(shownS.status, 'active');
  assert.equal(shownS.size, small.length);
  assert.equal(shownS.checksum, md5(small));
  assert.equal(shownS.visibility, 'shared');
  assert.deepEqual(shownS.tags, ['cli']);
  const props = shownS.properties as Record<string, unknown>;
  assert.equal(props.os_distro, 'cirros');
  assert.equal(props.os_hash_algo, 'sha512');
  assert.equal(props.os_hash_value, sha512(small));
  assert.equal(shownL.status, 'active');
  assert.equal(shownL.size, large.length);
  assert.equal(shownL.checksum, md5(large));
  assert.deepEqual(list.map((x) => x.Name).sort(), ['cli-large', 'cli-small']);
  assert.ok(list.every((x) => x.Status === 'active'));
  // The bytes are in SERVICE_<project>: one object, and three segments behind a manifest.
  const reseller = (await fetch(`${server.url}/auth/v1.0`, { headers: { 'X-Auth-User': 'test6:tester6', 'X-Auth-Key': 'testing6' } })).headers.get('x-auth-token') ?? '';
  const obj = await call(`${server.url}/v1/SERVICE_${projectId}/images/${smallId}`, { token: reseller });
  assert.equal(obj.status, 200);
  assert.ok(obj.bytes.equals(small));
  const segs = await call(`${server.url}/v1/SERVICE_${projectId}/images_segments?prefix=${largeId}/`, { token: reseller });
  assert.deepEqual(segs.text.trim().split('\n'), [1, 2, 3].map((n) => `${largeId}/0000000${n}`));
  const auth = await call(`${server.url}/v1/AUTH_${projectId}?format=json`, { token: reseller });
  assert.deepEqual(JSON.parse(auth.text || '[]'), [], 'nothing in the AUTH_ account');
});

test('image save: the same bytes (sha256), small and segmented', async () => {
  assert.ok(smallId && largeId);
  await Promise.all([
    ok(USER, ['image', 'save', '--file', 'small.out', smallId]),
    ok(USER, ['image', 'save', '--file', 'large.out', 'cli-large']),
  ]);
  assert.equal(sha256(readFileSync(join(work, 'small.out'))), sha256(small));
  assert.equal(sha256(readFileSync(join(work, 'large.out'))), sha256(large));
});

test('image set --property --tag --name --min-disk; image unset', async () => {
  assert.ok(smallId);
  await ok(USER, ['image', 'set', '--property', 'hw_disk_bus=scsi', '--tag', 'second', '--name', 'cli-small-renamed', '--min-disk', '2', smallId]);
  let shown = await okJson<Row>(USER, ['image', 'show', smallId]);
  assert.equal(shown.name, 'cli-small-renamed');
  assert.equal(shown.min_disk, 2);
  assert.deepEqual((shown.tags as string[]).sort(), ['cli', 'second']);
  assert.equal((shown.properties as Row).hw_disk_bus, 'scsi');
  await ok(USER, ['image', 'unset', '--property', 'hw_disk_bus', '--tag', 'cli', smallId]);
  shown = await okJson<Row>(USER, ['image', 'show', smallId]);
  assert.equal((shown.properties as Row).hw_disk_bus, undefined);
  assert.deepEqual(shown.tags, ['second']);
  const tagged = await okJson<Row[]>(USER, ['image', 'list', '--tag', 'second']);
  assert.deepEqual(tagged.map((x) => x.ID), [smallId]);
});

test('members: image add project, image set --accept by the member, who then lists and saves it; others cannot', async () => {
  assert.ok(smallId);
  const before = await osc(OTHER, ['image', 'show', smallId, '-f', 'json']);
  assert.notEqual(before.code, 0, 'not visible to another project before sharing');
  const member = await okJson<Row>(USER, ['image', 'add', 'project', smallId, 'test2']);
  assert.equal(member.status, 'pending');
  assert.equal(member.member_id, 'test2');
  await ok(OTHER, ['image', 'set', '--accept', smallId]);
  const [members, listed] = await Promise.all([
    okJson<Row[]>(USER, ['image', 'member', 'list', smallId]),
    okJson<Row[]>(OTHER, ['image', 'list']),
  ]);
  assert.deepEqual(members.map((x) => `${String(x['Member ID'])} ${String(x.Status)}`), ['test2 accepted']);
  assert.deepEqual(listed.map((x) => x.ID), [smallId]);
  await ok(OTHER, ['image', 'save', '--file', 'shared.out', smallId]);
  assert.equal(sha256(readFileSync(join(work, 'shared.out'))), sha256(small));
  const del = await osc(OTHER, ['image', 'delete', smallId]);
  assert.notEqual(del.code, 0, 'a member cannot delete the image');
  assert.match(del.stderr, /403/);
});

test('image set --public: refused for the owner, done by an image admin; another project saves the public image', async () => {
  assert.ok(largeId);
  const refused = await osc(USER, ['image', 'set', '--public', largeId]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /403/);
  await ok(IMAGE_ADMIN, ['image', 'set', '--public', largeId]);
  const shown = await okJson<Row>(OTHER, ['image', 'show', largeId]);
  assert.equal(shown.visibility, 'public');
  await ok(OTHER, ['image', 'save', '--file', 'public.out', largeId]);
  assert.equal(sha256(readFileSync(join(work, 'public.out'))), sha256(large));
});

test('image set --deactivate / --activate (admin), --hidden / image list --hidden', async () => {
  assert.ok(largeId);
  // openstacksdk does not check the answer to an image action, so the CLI exits 0 even when refused (403):
  // the image stays active.
  await osc(USER, ['image', 'set', '--deactivate', largeId]);
  assert.equal((await okJson<Row>(USER, ['image', 'show', largeId])).status, 'active', 'the owner may not deactivate');
  await ok(IMAGE_ADMIN, ['image', 'set', '--deactivate', largeId]);
  assert.equal((await okJson<Row>(USER, ['image', 'show', largeId])).status, 'deactivated');
  const blocked = await osc(USER, ['image', 'save', '--file', 'blocked.out', largeId]);
  assert.notEqual(blocked.code, 0, 'deactivated data is not downloadable by the owner');
  await ok(IMAGE_ADMIN, ['image', 'save', '--file', 'admin.out', largeId]);
  assert.equal(sha256(readFileSync(join(work, 'admin.out'))), sha256(large));
  await ok(IMAGE_ADMIN, ['image', 'set', '--activate', largeId]);
  assert.equal((await okJson<Row>(USER, ['image', 'show', largeId])).status, 'active');

  await ok(USER, ['image', 'set', '--hidden', largeId]);
  const [plain, hidden] = await Promise.all([
    okJson<Row[]>(USER, ['image', 'list']),
    okJson<Row[]>(USER, ['image', 'list', '--hidden']),
  ]);
  assert.deepEqual(plain.map((x) => x.ID), [smallId]);
  assert.deepEqual(hidden.map((x) => x.ID), [largeId]);
  await ok(USER, ['image', 'set', '--unhidden', largeId]);
});

test('image list --sort, --limit/--marker paging, --property, --status', async () => {
  // The CLI sorts and filters properties itself; --limit and --marker go to the image service.
  const sorted = await okJson<Row[]>(USER, ['image', 'list', '--sort', 'name:asc']);
  assert.deepEqual(sorted.map((x) => x.Name), ['cli-large', 'cli-small-renamed']);
  const page1 = await okJson<Row[]>(USER, ['image', 'list', '--limit', '1']);
  assert.equal(page1.length, 1);
  const page2 = await okJson<Row[]>(USER, ['image', 'list', '--limit', '1', '--marker', String(page1[0]?.ID)]);
  assert.equal(page2.length, 1);
  assert.deepEqual([page1[0]?.ID, page2[0]?.ID].sort(), [smallId, largeId].sort());
  const page3 = await okJson<Row[]>(USER, ['image', 'list', '--limit', '1', '--marker', String(page2[0]?.ID)]);
  assert.deepEqual(page3, []);
  const byProp = await okJson<Row[]>(USER, ['image', 'list', '--property', 'os_distro=cirros']);
  assert.deepEqual(byProp.map((x) => x.ID), [smallId]);
  const queued = await okJson<Row[]>(USER, ['image', 'list', '--status', 'queued']);
  assert.deepEqual(queued, []);
});

test('image delete removes the images, their objects and segments', async () => {
  assert.ok(smallId && largeId);
  await ok(USER, ['image', 'delete', smallId, largeId]);
  const gone = await osc(USER, ['image', 'show', smallId, '-f', 'json']);
  assert.notEqual(gone.code, 0);
  assert.deepEqual(await okJson<Row[]>(USER, ['image', 'list']), []);
  const reseller = (await fetch(`${server.url}/auth/v1.0`, { headers: { 'X-Auth-User': 'test6:tester6', 'X-Auth-Key': 'testing6' } })).headers.get('x-auth-token') ?? '';
  assert.equal((await call(`${server.url}/v1/SERVICE_${projectId}/images/${smallId}`, { method: 'HEAD', token: reseller })).status, 404);
  assert.equal((await call(`${server.url}/v1/SERVICE_${projectId}/images/${largeId}`, { method: 'HEAD', token: reseller })).status, 404);
  const segs = await call(`${server.url}/v1/SERVICE_${projectId}/images_segments?prefix=${largeId}/`, { token: reseller });
  assert.equal(segs.text.trim(), '');
});
