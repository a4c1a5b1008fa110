/**
 * Answers that differed from OpenStack Swift 2.30 when tried with other clients (issue 18), each
 * checked side by side against the real Swift (the SAIO): metadata names with underscores, the
 * metadata a copy's 201 carries, owners under public ACLs (docs/auth-rules.md section 3, "Two passes"), and an
 * account name as an ACL grantee (R5.6).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

let server: TestServer;
let owner: Session;
let other: Session;
let member: Session;
before(async () => {
  server = await startServer();
  owner = await login(server.url, 'test:tester', 'testing');
  other = await login(server.url, 'test2:tester2', 'testing2');
  member = await login(server.url, 'test:tester3', 'testing3');
});
after(async () => { await server.stop(); });

const accountOf = (s: Session) => decodeURIComponent(s.storageUrl.split('/').pop() ?? '');

test('underscores in metadata names come back as dashes, as through WSGI (container, account, object)', async () => {
  const c = `${owner.storageUrl}/under_scores`;
  assert.equal((await call(c, { method: 'PUT', token: owner.token, headers: { 'X-Container-Meta-test_container_meta': 'Meta1' } })).status, 201);
  const head = await call(c, { method: 'HEAD', token: owner.token });
  assert.equal(head.headers.get('x-container-meta-test-container-meta'), 'Meta1');
  assert.equal(head.headers.get('x-container-meta-test_container_meta'), null);

  assert.equal((await call(c, { method: 'POST', token: owner.token, headers: { 'X-Container-Meta-second_one': 'Meta2' } })).status, 204);
  assert.equal((await call(c, { method: 'HEAD', token: owner.token })).headers.get('x-container-meta-second-one'), 'Meta2');

  assert.equal((await call(owner.storageUrl, { method: 'POST', token: owner.token, headers: { 'X-Account-Meta-acct_meta': 'A' } })).status, 204);
  assert.equal((await call(owner.storageUrl, { method: 'HEAD', token: owner.token })).headers.get('x-account-meta-acct-meta'), 'A');

  assert.equal((await call(`${c}/o`, { method: 'PUT', token: owner.token, body: 'x', headers: { 'X-Object-Meta-obj_meta': 'O' } })).status, 201);
  assert.equal((await call(`${c}/o`, { method: 'HEAD', token: owner.token })).headers.get('x-object-meta-obj-meta'), 'O');
  assert.equal((await call(`${c}/o`, { method: 'POST', token: owner.token, headers: { 'X-Object-Meta-post_meta': 'P' } })).status, 202);
  assert.equal((await call(`${c}/o`, { method: 'HEAD', token: owner.token })).headers.get('x-object-meta-post-meta'), 'P');

  // X-Remove-… with underscores removes the dashed name.
  assert.equal((await call(c, { method: 'POST', token: owner.token, headers: { 'X-Remove-Container-Meta-test_container_meta': 'x' } })).status, 204);
  assert.equal((await call(c, { method: 'HEAD', token: owner.token })).headers.get('x-container-meta-test-container-meta'), null);
});

test('a copy\'s 201 carries the new object\'s user metadata: the source\'s and the request\'s', async () => {
  const c = `${owner.storageUrl}/copies`;
  assert.equal((await call(c, { method: 'PUT', token: owner.token })).status, 201);
  assert.equal((await call(`${c}/src`, { method: 'PUT', token: owner.token, body: 'bytes', headers: { 'X-Object-Meta-Src': 'from-source' } })).status, 201);

  const copy = await call(`${c}/src`, { method: 'COPY', token: owner.token, headers: { Destination: 'copies/dst', 'X-Object-Meta-Test': 'x' } });
  assert.equal(copy.status, 201);
  assert.equal(copy.headers.get('x-object-meta-test'), 'x');
  assert.equal(copy.headers.get('x-object-meta-src'), 'from-source');
  assert.equal(copy.headers.get('x-copied-from'), 'copies/src');

  const put = await call(`${c}/dst2`, { method: 'PUT', token: owner.token, headers: { 'X-Copy-From': 'copies/src', 'Content-Length': '0', 'X-Object-Meta-Test': 'y' } });
  assert.equal(put.status, 201);
  assert.equal(put.headers.get('x-object-meta-test'), 'y');
  assert.equal(put.headers.get('x-object-meta-src'), 'from-source');

  // X-Fresh-Metadata: only the request's metadata, in the answer as in the copy.
  const fresh = await call(`${c}/src`, { method: 'COPY', token: owner.token, headers: { Destination: 'copies/dst3', 'X-Fresh-Metadata': 'true', 'X-Object-Meta-New': 'n' } });
  assert.equal(fresh.status, 201);
  assert.equal(fresh.headers.get('x-object-meta-new'), 'n');
  assert.equal(fresh.headers.get('x-object-meta-src'), null);
  assert.equal((await call(`${c}/dst3`, { method: 'HEAD', token: owner.token })).headers.get('x-object-meta-src'), null);
});

for (const acl of ['.r:*', '.r:*,.rlistings']) {
  test(`the owner stays owner under X-Container-Read: ${acl}: owner-only headers shown to them, hidden from readers the ACL admits`, async () => {
    const name = `public${acl.length}`;
    const c = `${owner.storageUrl}/${name}`;
    const ownerOnly = {
      'X-Container-Read': acl, 'X-Container-Write': `${accountOf(other).slice('AUTH_'.length)}:*`,
      'X-Container-Meta-Temp-URL-Key': 'secret1', 'X-Container-Sync-Key': 'syncsecret',
    };
    assert.equal((await call(c, { method: 'PUT', token: owner.token, headers: ownerOnly })).status, 201);
    assert.equal((await call(`${c}/o`, { method: 'PUT', token: owner.token, body: 'public bytes' })).status, 201);

    for (const method of ['HEAD', 'GET']) {
      const res = await call(c, { method, token: owner.token });
      assert.equal(res.status, method === 'HEAD' ? 204 : 200, method);
      assert.equal(res.headers.get('x-container-read'), acl, method);
      assert.equal(res.headers.get('x-container-write'), ownerOnly['X-Container-Write'], method);
      assert.equal(res.headers.get('x-container-meta-temp-url-key'), 'secret1', method);
      assert.equal(res.headers.get('x-container-sync-key'), 'syncsecret', method);
    }
    // The owner can still change the ACL (an owner-only write) on a public container.
    assert.equal((await call(c, { method: 'POST', token: owner.token, headers: { 'X-Container-Meta-Temp-URL-Key': 'secret2' } })).status, 204);
    assert.equal((await call(c, { method: 'HEAD', token: owner.token })).headers.get('x-container-meta-temp-url-key'), 'secret2');

    // Anonymous readers (and an object read by a non-owner) never see them.
    const anonymousContainer = await call(c, { method: 'HEAD' });
    if (acl.includes('.rlistings')) {
      assert.equal(anonymousContainer.status, 204);
      for (const h of ['x-container-read', 'x-container-write', 'x-container-meta-temp-url-key', 'x-container-sync-key']) {
        assert.equal(anonymousContainer.headers.get(h), null, h);
      }
      const memberHead = await call(c, { method: 'HEAD', token: member.token });
      assert.equal(memberHead.status, 204);
      assert.equal(memberHead.headers.get('x-container-read'), null);
      assert.equal(memberHead.headers.get('x-container-meta-temp-url-key'), null);
    } else {
      assert.equal(anonymousContainer.status, 401);
    }
    const anonymousObject = await call(`${c}/o`);
    assert.equal(anonymousObject.status, 200);
    assert.equal(anonymousObject.text, 'public bytes');
  });
}

test('R5.6: an ACL naming an account admits that account\'s admins (tempauth groups), and no one else by it', async () => {
  const c = `${owner.storageUrl}/shared_by_account`;
  assert.equal((await call(c, { method: 'PUT', token: owner.token, headers: { 'X-Container-Read': accountOf(other), 'X-Container-Meta-Temp-URL-Key': 'k' } })).status, 201);
  assert.equal((await call(`${c}/o`, { method: 'PUT', token: owner.token, body: 'for test2' })).status, 201);

  const head = await call(c, { method: 'HEAD', token: other.token });
  assert.equal(head.status, 204);
  assert.equal(head.headers.get('x-container-meta-temp-url-key'), null, 'temp URL keys are hidden from ACL readers');
  assert.equal(head.headers.get('x-container-read'), null);
  assert.equal((await call(`${c}/o`, { token: other.token })).text, 'for test2');
  // Read, not write.
  assert.equal((await call(`${c}/p`, { method: 'PUT', token: other.token, body: 'x' })).status, 403);

  // The bare account (project) name admits every user of it, as tempauth's `<account>` group.
  assert.equal((await call(c, { method: 'POST', token: owner.token, headers: { 'X-Container-Read': 'test2' } })).status, 204);
  const byName = await call(c, { method: 'HEAD', token: other.token });
  assert.equal(byName.status, 204);
  assert.equal(byName.headers.get('x-container-meta-temp-url-key'), null);

  // An ACL naming another account admits nobody of test2.
  assert.equal((await call(c, { method: 'POST', token: owner.token, headers: { 'X-Container-Read': 'AUTH_someone_else' } })).status, 204);
  assert.equal((await call(c, { method: 'HEAD', token: other.token })).status, 403);
});
