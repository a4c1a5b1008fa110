/**
 * The Ceph cluster scripts/ceph/start.sh promises, checked on the running cluster: three OSDs on
 * file-backed BlueStore, every pool replicated size 3 / min_size 2 with replicas placed per OSD, and
 * RGW's own Swift API usable with the Swift subuser from the env file (for benchmarking RGW later).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cephEnv, cephScriptsAvailable } from './helpers/ceph.js';

const run = promisify(execFile);
const skip = cephScriptsAvailable() ? false : 'needs the Ceph cluster of scripts/ceph/start.sh on this machine';

async function cephJson<T>(...args: string[]): Promise<T> {
  const { stdout } = await run('ceph', [...args, '-f', 'json'], { env: { ...process.env, CEPH_CONF: cephEnv().CEPH_CONF }, timeout: 30_000 });
  return JSON.parse(stdout) as T;
}

test('three OSDs on file-backed BlueStore; every pool size 3, min_size 2, one replica per OSD', { skip, timeout: 60_000 }, async () => {
  const osds = await cephJson<{ id: number; osd_objectstore: string; bluestore_bdev_access_mode: string }[]>('osd', 'metadata');
  assert.deepEqual(osds.map((o) => o.id).sort(), [0, 1, 2]);
  for (const o of osds) {
    assert.equal(o.osd_objectstore, 'bluestore');
    assert.equal(o.bluestore_bdev_access_mode, 'file', `osd.${o.id} keeps its data in a block file`);
  }
  const pools = await cephJson<{ pool_name: string; size: number; min_size: number; crush_rule: number }[]>('osd', 'pool', 'ls', 'detail');
  assert.ok(pools.some((p) => p.pool_name === 'default.rgw.buckets.data'), 'RGW data pool');
  const rules = await cephJson<{ rule_id: number; steps: { op: string; type?: string }[] }[]>('osd', 'crush', 'rule', 'dump');
  for (const p of pools) {
    assert.deepEqual([p.size, p.min_size], [3, 2], p.pool_name);
    const rule = rules.find((r) => r.rule_id === p.crush_rule);
    assert.ok(rule?.steps.some((s) => s.op.startsWith('choose') && s.type === 'osd'), `${p.pool_name}: replicas spread over OSDs`);
  }
});

test("RGW's Swift API answers the Swift subuser: auth, container and object round trip", { skip, timeout: 60_000 }, async () => {
  const env = cephEnv();
  const auth = await fetch(env.RGW_SWIFT_AUTH_URL ?? '', { headers: { 'x-auth-user': env.RGW_SWIFT_USER ?? '', 'x-auth-key': env.RGW_SWIFT_KEY ?? '' } });
  assert.equal(auth.status, 204);
  const token = auth.headers.get('x-auth-token') ?? '';
  const storage = auth.headers.get('x-storage-url') ?? '';
  assert.ok(token && storage.startsWith('http://127.0.0.1:'));
  const headers = { 'x-auth-token': token };
  const container = `${storage}/swift-check-${process.pid}`;
  assert.equal((await fetch(container, { method: 'PUT', headers })).status, 201);
  try {
    assert.equal((await fetch(`${container}/o`, { method: 'PUT', headers, body: 'hello swift' })).status, 201);
    const got = await fetch(`${container}/o`, { headers });
    assert.equal(got.status, 200);
    assert.equal(await got.text(), 'hello swift');
    assert.equal((await fetch(`${container}/o`, { method: 'DELETE', headers })).status, 204);
  } finally {
    await fetch(container, { method: 'DELETE', headers });
  }
});
