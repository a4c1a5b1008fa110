/**
 * The pure policy, table-driven against docs/auth-rules.md: one case per rule (ids in the names). The same
 * rules are exercised through HTTP in auth-composite, auth-acl and auth-expired tests.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { authorize, isResellerRequest, type AuthzRequest, type Decision } from '../src/auth/policy.js';
import { compilePolicy } from '../src/auth/policy-config.js';
import { accountBelongsTo, parsePrefixes, prefixOf } from '../src/auth/prefixes.js';
import { cleanAcl, parseAcl, referrerAllowed, parseAccountAcl, formatAccountAcl, AclError } from '../src/auth/acl.js';
import type { Identity } from '../src/auth/identity.js';
import { storedAccountAcl } from '../src/auth/authorize-request.js';
import { DEFAULT_CONFIG, type AuthConfig } from '../src/config/schema.js';

const auth = (over: Partial<AuthConfig> = {}) => compilePolicy({ ...DEFAULT_CONFIG.auth, ...over });
const cfg = auth({ system_reader_roles: 'system_reader', project_reader_roles: 'reader', per_prefix: { SERVICE_service_roles: 'service', SERVICE_reader_roles: 'auditor' } });

const who = (projectId: string | undefined, roles: string[], serviceRoles: string[] = [], extra: Partial<Identity> = {}): Identity => ({
  userId: `u-${projectId ?? 'none'}`, userName: 'alice', userDomainId: 'default', roles, serviceRoles,
  ...(projectId ? { projectId, projectName: `name-${projectId}`, projectDomainId: 'default' } : {}), ...extra,
});
const req = (method: string, account: string, container?: string, object?: string, extra: Partial<AuthzRequest> = {}): AuthzRequest =>
  ({ method, account, ...(container !== undefined ? { container } : {}), ...(object !== undefined ? { object } : {}), ...extra });
const outcome = (d: Decision) => (d.allow ? (d.owner ? 'owner' : 'allow') : d.status);

describe('section 1: reseller prefixes', () => {
  test('R1.1 parsing', () => {
    assert.deepEqual(parsePrefixes('AUTH'), ['AUTH_']);
    assert.deepEqual(parsePrefixes('AUTH_'), ['AUTH_']);
    assert.deepEqual(parsePrefixes('   '), ['']);
    assert.deepEqual(parsePrefixes("  ''  "), ['']);
    assert.deepEqual(parsePrefixes(" '', TEST"), ['', 'TEST_']);
    assert.deepEqual(parsePrefixes('AUTH, SERVICE, AUTH'), ['AUTH_', 'SERVICE_']);
  });
  test('R1.3 first match, empty prefix as fallback', () => {
    assert.equal(prefixOf('AUTH_1234', ['AUTH_']), 'AUTH_');
    assert.equal(prefixOf('JUNK_1234', ['AUTH_']), undefined);
    assert.equal(prefixOf('JUNK_1234', ['', 'PRE2_']), '');
    assert.equal(prefixOf('PRE2_1234', ['', 'PRE2_']), 'PRE2_');
  });
  test('R1.4 ownership by any configured prefix', () => {
    assert.ok(accountBelongsTo('SERVICE_p', 'p', ['AUTH_', 'SERVICE_']));
    assert.ok(!accountBelongsTo('SERVICE_p', 'q', ['AUTH_', 'SERVICE_']));
    assert.ok(accountBelongsTo('p', 'p', ['']));
  });
  test('R1.2 per-prefix options override the unprefixed ones; empty counts as unset', () => {
    const c = auth({ operator_roles: 'a', per_prefix: { SERVICE_operator_roles: 'b', SERVICE_service_roles: '' } });
    assert.deepEqual(c.rules.get('AUTH_')?.operatorRoles, ['a']);
    assert.deepEqual(c.rules.get('SERVICE_')?.operatorRoles, ['b']);
    assert.deepEqual(c.rules.get('SERVICE_')?.serviceRoles, []);
    const everywhere = auth({ service_roles: 'svc', per_prefix: {} });
    assert.deepEqual(everywhere.rules.get('AUTH_')?.serviceRoles, ['svc']);
  });
  test('R1.5 unknown prefix: anonymous 401, identified non-admin 403, reseller admin allowed', () => {
    assert.equal(outcome(authorize(undefined, req('GET', 'BLAH_foo'), cfg)), 401);
    assert.equal(outcome(authorize(who('foo', ['admin']), req('GET', 'BLAH_foo'), cfg)), 403);
    assert.equal(outcome(authorize(who('x', ['ResellerAdmin']), req('GET', 'BLAH_foo'), cfg)), 'owner');
  });
});

describe('section 3: decision order', () => {
  const table: [string, Identity | undefined, AuthzRequest, ReturnType<typeof outcome>][] = [
    ['S1 OPTIONS anonymous', undefined, req('OPTIONS', 'AUTH_p', 'c'), 'allow'],
    ['S4 reseller admin, any account incl. SERVICE_ without service token', who('x', ['ResellerAdmin']), req('PUT', 'SERVICE_p', 'c'), 'owner'],
    ['S4 case-insensitive', who('x', ['reselleradmin']), req('DELETE', 'AUTH_p'), 'owner'],
    ['S5 system reader GET anywhere', who('x', ['system_reader']), req('GET', 'SERVICE_p', 'c', 'o'), 'allow'],
    ['S5 system reader PUT falls through', who('x', ['system_reader']), req('PUT', 'AUTH_p', 'c'), 403],
    ['S6 operator cannot delete own account', who('p', ['admin']), req('DELETE', 'AUTH_p'), 403],
    ['S9 other project', who('q', ['admin']), req('GET', 'AUTH_p'), 403],
    ['S10 operator on AUTH_ is owner', who('p', ['admin']), req('PUT', 'AUTH_p', 'c'), 'owner'],
    ['S10 swiftoperator case-insensitive', who('p', ['SwiftOperator']), req('GET', 'AUTH_p'), 'owner'],
    ['S10 SERVICE_ needs a service role', who('p', ['admin']), req('GET', 'SERVICE_p'), 403],
    ['S10 operator + service role on SERVICE_', who('p', ['admin'], ['service']), req('PUT', 'SERVICE_p', 'c', 'o'), 'owner'],
    ['C15 service role in X-Auth-Token does not count', who('p', ['admin', 'service']), req('GET', 'SERVICE_p'), 403],
    ['C15 operator role in X-Service-Token does not count', who('p', ['member'], ['service', 'admin']), req('GET', 'SERVICE_p'), 403],
    ['S11 project reader GET own account', who('p', ['reader']), req('GET', 'AUTH_p', 'c'), 'allow'],
    ['S11 project reader no PUT', who('p', ['reader']), req('PUT', 'AUTH_p', 'c'), 403],
    ['S11 project reader bypasses the service token (as Swift)', who('p', ['reader']), req('GET', 'SERVICE_p', 'c'), 'allow'],
    ['D6 prefix reader in X-Auth-Token reads any SERVICE_', who('audit', ['auditor']), req('GET', 'SERVICE_p', 'c', 'o'), 'allow'],
    ['D6 prefix reader in X-Service-Token reads any SERVICE_', who('q', ['member'], ['service', 'auditor']), req('HEAD', 'SERVICE_p'), 'allow'],
    ['D6 prefix reader never writes', who('audit', ['auditor']), req('DELETE', 'SERVICE_p', 'c', 'o'), 403],
    ['D6 prefix reader does not reach AUTH_', who('audit', ['auditor']), req('GET', 'AUTH_p'), 403],
    ['S14 anonymous', undefined, req('GET', 'AUTH_p'), 401],
  ];
  for (const [name, id, r, expected] of table) {
    test(name, () => assert.equal(outcome(authorize(id, r, cfg)), expected));
  }
});

describe('section 5: container ACLs', () => {
  test('R5.1 clean_acl examples', () => {
    assert.equal(cleanAcl('x-container-read', ' .r : one , ,, .r:two , .r : - three '), '.r:one,.r:two,.r:-three');
    assert.equal(cleanAcl('x-container-read', '.ref:*.example.com'), '.r:.example.com');
    assert.equal(cleanAcl('x-container-read', 'proj:user,.rlistings'), 'proj:user,.rlistings');
    for (const bad of ['.r:', '.r:-', '.r:*.', '.unknown:x']) assert.throws(() => cleanAcl('x-container-read', bad), AclError, bad);
    assert.throws(() => cleanAcl('x-container-write', '.r:*'), /Referrers not allowed in write ACL/);
  });
  test('R5.3 referrer matching, last match wins', () => {
    assert.equal(referrerAllowed('http://thief.example.com/', ['*', '-thief.example.com']), false);
    assert.equal(referrerAllowed('http://www.example.com/', ['-.example.com', 'www.example.com']), true);
    assert.equal(referrerAllowed('http://example.com/', ['.example.com']), false);
    assert.equal(referrerAllowed(undefined, ['.example.com']), false);
    assert.equal(referrerAllowed(undefined, ['*']), true);
  });
  const acl = (read?: string, write?: string) => ({ ...(read ? { containerRead: read } : {}), ...(write ? { containerWrite: write } : {}) });
  const table: [string, Identity | undefined, AuthzRequest, ReturnType<typeof outcome>][] = [
    ['R5.4 .r:* object GET anonymous', undefined, req('GET', 'AUTH_p', 'c', 'o', acl('.r:*')), 'allow'],
    ['R5.4 .r:* container GET anonymous needs .rlistings', undefined, req('GET', 'AUTH_p', 'c', undefined, acl('.r:*')), 401],
    ['R5.4 .r:*,.rlistings listing', undefined, req('GET', 'AUTH_p', 'c', undefined, acl('.r:*,.rlistings')), 'allow'],
    ['S12 referrer-denied listing for an identified stranger → 403', who('q', ['admin']), req('GET', 'AUTH_p', 'c', undefined, acl('.r:*')), 403],
    ['R5.5 project:user by id', who('q', ['member']), req('GET', 'AUTH_p', 'c', 'o', acl('q:u-q')), 'allow'],
    ['R5.5 project:user by name', who('q', ['member']), req('GET', 'AUTH_p', 'c', 'o', { ...acl('name-q:alice'), accountDomain: 'default' }), 'allow'],
    ['R4.7 names on an account of another domain are not matched', who('q', ['member']), req('GET', 'AUTH_p', 'c', 'o', { ...acl('name-q:alice'), accountDomain: 'dom2' }), 403],
    ['R4.7 names on an account of unknown domain are not matched; ids still are', who('q', ['member']), req('GET', 'AUTH_p', 'c', 'o', { ...acl('name-q:alice,q:u-q'), accountDomain: '_unknown' }), 'allow'],
    ['R4.7 names on an account with no recorded domain match', who('q', ['member']), req('GET', 'AUTH_p', 'c', 'o', { ...acl('name-q:alice'), accountDomain: '' }), 'allow'],
    ['R4.7 names not allowed outside the default domain', who('q', ['member'], [], { userDomainId: 'other' }), req('GET', 'AUTH_p', 'c', 'o', acl('name-q:alice')), 403],
    ['R5.5 *:* any identity, listings too', who('q', []), req('GET', 'AUTH_p', 'c', undefined, acl('*:*')), 'allow'],
    ['R5.5 write ACL does not grant container GET', who('q', []), req('GET', 'AUTH_p', 'c', undefined, acl(undefined, 'q:*')), 403],
    ['R5.5 write ACL grants object PUT', who('q', []), req('PUT', 'AUTH_p', 'c', 'o', acl(undefined, 'q:*')), 'allow'],
    ['S13 role-name ACL only for the own project', who('p', ['member']), req('GET', 'AUTH_p', 'c', 'o', acl('member')), 'allow'],
    ['S13 role-name ACL not across projects', who('q', ['member']), req('GET', 'AUTH_p', 'c', 'o', acl('member')), 403],
    ['R5.7 ACL on SERVICE_ grants without a service token (as Swift)', who('q', []), req('GET', 'SERVICE_p', 'c', 'o', acl('q:*')), 'allow'],
  ];
  for (const [name, id, r, expected] of table) {
    test(name, () => assert.equal(outcome(authorize(id, r, cfg)), expected));
  }
  test('D5 SERVICE_acl_requires_service_token seals SERVICE_ accounts against ACL grants', () => {
    const sealed = auth({ per_prefix: { SERVICE_service_roles: 'service', SERVICE_acl_requires_service_token: 'true' } });
    assert.equal(outcome(authorize(who('q', []), req('GET', 'SERVICE_p', 'c', 'o', acl('q:*')), sealed)), 403);
    assert.equal(outcome(authorize(undefined, req('GET', 'SERVICE_p', 'c', 'o', acl('.r:*')), sealed)), 401);
    assert.equal(outcome(authorize(who('q', [], ['service']), req('GET', 'SERVICE_p', 'c', 'o', acl('q:*')), sealed)), 'allow');
    assert.equal(outcome(authorize(who('q', []), req('GET', 'AUTH_p', 'c', 'o', acl('q:*')), sealed)), 'allow');
  });
});

describe('section 6: account ACLs (D8)', () => {
  test('R6.2 validation reasons', () => {
    assert.throws(() => parseAccountAcl('{"admin":"x"}'), /Value for key "admin" must be a list/);
    assert.throws(() => parseAccountAcl('{"admin":[1]}'), /Elements of "admin" list must be strings/);
    assert.throws(() => parseAccountAcl('{"owner":[]}'), /Key "owner" not recognized/);
    assert.throws(() => parseAccountAcl('[]'), /Syntax error in input/);
    assert.equal(parseAccountAcl(''), undefined);
  });
  test('R6.3 compact sorted JSON; all-empty counts as no ACL', () => {
    assert.equal(formatAccountAcl(parseAccountAcl('{"read-only": ["b"], "admin": ["a"]}')), '{"admin":["a"],"read-only":["b"]}');
    assert.equal(formatAccountAcl(parseAccountAcl('{"admin": []}')), '');
  });
  const accountAcl = { admin: ['adm'], 'read-write': ['rw'], 'read-only': ['ro'] };
  const table: [string, Identity, AuthzRequest, ReturnType<typeof outcome>][] = [
    ['R6.4 admin is owner', who('adm', []), req('POST', 'AUTH_p', undefined, undefined, { accountAcl }), 'owner'],
    ['R6.4 read-write writes objects', who('rw', []), req('PUT', 'AUTH_p', 'c', 'o', { accountAcl }), 'allow'],
    ['R6.4 read-write cannot POST the account', who('rw', []), req('POST', 'AUTH_p', undefined, undefined, { accountAcl }), 403],
    ['R6.4 read-only reads', who('ro', []), req('GET', 'AUTH_p', 'c', undefined, { accountAcl }), 'allow'],
    ['R6.4 read-only cannot write', who('ro', []), req('PUT', 'AUTH_p', 'c', 'o', { accountAcl }), 403],
    ['R6.4 not listed', who('zz', []), req('GET', 'AUTH_p', undefined, undefined, { accountAcl }), 403],
  ];
  for (const [name, id, r, expected] of table) {
    test(name, () => assert.equal(outcome(authorize(id, r, cfg)), expected));
  }
});

describe('section 11 acceptance items (pure policy)', () => {
  const objReq = (acl: string, extra: Partial<AuthzRequest> = {}) => req('GET', 'AUTH_p', 'c', 'o', { containerRead: acl, ...extra });
  const stranger = who('q', ['member']);

  test('R5.5 test_cross_tenant_authorization_success / _failure / _allow_names: the 9 id/name/* combinations', () => {
    const forms = { idId: 'q:u-q', nameId: 'name-q:u-q', idName: 'q:alice', nameName: 'name-q:alice', starId: '*:u-q', starName: '*:alice', idStar: 'q:*', nameStar: 'name-q:*', starStar: '*:*' };
    const usesName = (acl: string) => acl.includes('name-q') || acl.endsWith(':alice');
    for (const [form, acl] of Object.entries(forms)) {
      // names allowed: the account's domain is the default one
      assert.equal(outcome(authorize(stranger, objReq(acl, { accountDomain: 'default' }), cfg)), 'allow', `${form} with names`);
      // names not allowed (the account's project is in another domain): only id and * forms match
      assert.equal(outcome(authorize(stranger, objReq(acl, { accountDomain: 'dom2' }), cfg)), usesName(acl) ? 403 : 'allow', `${form} without names`);
    }
    for (const acl of ['r:u-q', 'q:u-r', 'name-r:alice', 'q:bob', '*:bob', 'r:*']) {
      assert.equal(outcome(authorize(stranger, objReq(acl, { accountDomain: 'default' }), cfg)), 403, `failure ${acl}`);
    }
  });

  test('R4.7 test_names_disallowed_outside_default_domain / _disallowed_inside: a user or project outside the default domain matches by id only', () => {
    const outside = who('q', ['member'], [], { projectDomainId: 'dom2' });
    assert.equal(outcome(authorize(outside, objReq('name-q:alice', { accountDomain: 'default' }), cfg)), 403);
    assert.equal(outcome(authorize(outside, objReq('q:u-q', { accountDomain: 'default' }), cfg)), 'allow');
    assert.equal(outcome(authorize(stranger, objReq('name-q:alice', { accountDomain: 'default' }), cfg)), 'allow');
    // an account that does not exist yet (no recorded domain known) matches ids only
    assert.equal(outcome(authorize(stranger, objReq('name-q:alice'), cfg)), 403);
  });

  test('S8 test_authorize_succeeds_for_container_sync / tempauth test_sync_request_*: key + X-Timestamp on object PUT/DELETE → allow (never owner); anything missing fails closed', () => {
    const sync = (method: string, presentedKey: string | undefined, timestamp: boolean, storedKey = 'sekrit', level: 'object' | 'container' = 'object') =>
      req(method, 'AUTH_p', 'c', level === 'object' ? 'o' : undefined, { containerSync: { storedKey, timestamp, ...(presentedKey !== undefined ? { presentedKey } : {}) } });
    for (const id of [undefined, stranger]) {
      assert.equal(outcome(authorize(id, sync('PUT', 'sekrit', true), cfg)), 'allow');
      assert.equal(outcome(authorize(id, sync('DELETE', 'sekrit', true), cfg)), 'allow');
      const denied = id ? 403 : 401;
      assert.equal(outcome(authorize(id, sync('PUT', 'sekrit', false), cfg)), denied, 'no X-Timestamp');
      assert.equal(outcome(authorize(id, sync('PUT', 'wrong', true), cfg)), denied, 'wrong key');
      assert.equal(outcome(authorize(id, sync('PUT', 'sekri', true), cfg)), denied, 'prefix of the key');
      assert.equal(outcome(authorize(id, sync('PUT', undefined, true), cfg)), denied, 'no key presented');
      assert.equal(outcome(authorize(id, sync('PUT', '', true, ''), cfg)), denied, 'empty stored and presented keys');
      assert.equal(outcome(authorize(id, sync('GET', 'sekrit', true), cfg)), denied, 'GET is not a sync request');
      assert.equal(outcome(authorize(id, sync('POST', 'sekrit', true), cfg)), denied, 'POST is not a sync request');
      assert.equal(outcome(authorize(id, sync('PUT', 'sekrit', true, 'sekrit', 'container'), cfg)), denied, 'container PUT');
    }
    assert.equal(outcome(authorize(undefined, { ...sync('PUT', 'sekrit', true), account: 'BLAH_p' }, cfg)), 401, 'unknown prefix first');
    assert.equal(authorize(stranger, sync('PUT', 'sekrit', true), cfg).rule, 'S8');
  });

  test('R4.4 test_detect_reseller_request: only the reseller admin role (any case) makes a reseller request', () => {
    assert.equal(isResellerRequest(who('x', ['ResellerAdmin']), cfg), true);
    assert.equal(isResellerRequest(who('x', ['reselleradmin']), cfg), true);
    assert.equal(isResellerRequest(who('p', ['admin']), cfg), false);
    assert.equal(isResellerRequest(who('p', ['member'], ['ResellerAdmin']), cfg), false);
    assert.equal(isResellerRequest(undefined, cfg), false);
  });

  test('R7.1 TestAuthorizeReaderSystem reader_none / reader_get (CSV) / reader_put / reader_put_to_own / reader_put_elsewhere_fails', () => {
    const none = auth({ system_reader_roles: '' });
    assert.equal(outcome(authorize(who('x', ['system_reader']), req('GET', 'AUTH_p'), none)), 403);
    const csv = auth({ system_reader_roles: 'foo, System_Reader ,bar' });
    assert.equal(outcome(authorize(who('x', ['SYSTEM_READER']), req('GET', 'AUTH_p', 'c', 'o'), csv)), 'allow');
    assert.equal(outcome(authorize(who('x', ['bar']), req('HEAD', 'SERVICE_p'), csv)), 'allow');
    for (const m of ['PUT', 'POST', 'DELETE']) assert.equal(outcome(authorize(who('x', ['system_reader']), req(m, 'AUTH_p', 'c', 'o'), csv)), 403, m);
    assert.equal(outcome(authorize(who('p', ['system_reader', 'admin']), req('PUT', 'AUTH_p', 'c', 'o'), csv)), 'owner');
    assert.equal(outcome(authorize(who('p', ['system_reader', 'admin']), req('PUT', 'AUTH_q', 'c', 'o'), csv)), 403);
  });

  test('ResellerInInfo test_defaults / test_multiple (AUTH, \'\', PRE2): every prefix gets the default rules', () => {
    const multi = auth({ reseller_prefix: "AUTH, '', PRE2", per_prefix: {} });
    assert.deepEqual(multi.prefixes, ['AUTH_', '', 'PRE2_']);
    for (const p of multi.prefixes) {
      assert.deepEqual(multi.rules.get(p)?.operatorRoles, ['admin', 'swiftoperator'], p);
      assert.deepEqual(multi.rules.get(p)?.serviceRoles, [], p);
    }
    assert.deepEqual(auth({ per_prefix: {} }).rules.get('AUTH_')?.operatorRoles, ['admin', 'swiftoperator']);
  });

  test('PrefixAccount default / same_as_default / blank_reseller / multiple_resellers / blank_plus_other_reseller (R1.3, R1.4)', () => {
    assert.equal(prefixOf('AUTH_1234', parsePrefixes('AUTH')), 'AUTH_');
    assert.equal(prefixOf('AUTH_1234', parsePrefixes('AUTH_')), 'AUTH_');
    assert.equal(prefixOf('1234', parsePrefixes("''")), '');
    assert.equal(prefixOf('PRE2_1234', parsePrefixes('AUTH, PRE2')), 'PRE2_');
    assert.equal(prefixOf('JUNK_1234', parsePrefixes('AUTH, PRE2')), undefined);
    assert.equal(prefixOf('JUNK_1234', parsePrefixes("'', PRE2")), '');
    assert.ok(accountBelongsTo('PRE2_1234', '1234', parsePrefixes('AUTH, PRE2')));
    assert.ok(accountBelongsTo('1234', '1234', parsePrefixes("'', PRE2")));
    assert.ok(!accountBelongsTo('JUNK_1234', '1234', parsePrefixes("'', PRE2")));
  });

  test('R1.5 keystoneauth: ACLs are checked before the prefix (S7 before S9), so a cross-project ACL on an unknown prefix still grants', () => {
    assert.equal(outcome(authorize(stranger, req('GET', 'BLAH_p', 'c', 'o', { containerRead: 'q:*' }), cfg)), 'allow');
    assert.equal(outcome(authorize(stranger, req('GET', 'BLAH_p', 'c', 'o'), cfg)), 403);
  });

  test('test_acl.py test_parse_acl / test_parse_v2_acl: referrers and groups; "" and "{}" are empty, arrays, null, strings and numbers are not ACLs', () => {
    assert.deepEqual(parseAcl('.r:*,.r:-bad.com,proj:user,.rlistings,role%20x'), { referrers: ['*', '-bad.com'], groups: ['proj:user', '.rlistings', 'role x'] });
    assert.deepEqual(parseAcl(''), { referrers: [], groups: [] });
    assert.equal(formatAccountAcl(parseAccountAcl('{}')), '');
    assert.equal(formatAccountAcl(parseAccountAcl('{ }')), '');
    assert.equal(parseAccountAcl(''), undefined);
    for (const bad of ['[]', 'null', '"admin"', '1', '{"admin":']) assert.throws(() => parseAccountAcl(bad), /Syntax error in input/, bad);
  });

  test('R4.1 test_existing_swift_owner_ignored: a decision depends only on its inputs (no prior owner flag exists to reuse)', () => {
    // A non-operator of P and an admin of P on SERVICE_P without a service token: denied however often asked.
    for (let i = 0; i < 2; i++) {
      assert.equal(outcome(authorize(who('p', ['member']), req('GET', 'AUTH_p'), cfg)), 403);
      assert.equal(outcome(authorize(who('p', ['admin']), req('GET', 'SERVICE_p'), cfg)), 403);
    }
  });

  test('R6 tempauth TestAccountAcls test_bad_acls_get_denied: a stored account ACL that does not parse grants nothing', () => {
    assert.equal(storedAccountAcl('{"admin": "not a list"}'), undefined);
    assert.equal(storedAccountAcl('not json'), undefined);
    assert.equal(storedAccountAcl(undefined), undefined);
    assert.deepEqual(storedAccountAcl('{"read-only":["q"]}'), { admin: [], 'read-write': [], 'read-only': ['q'] });
    const damaged = storedAccountAcl('{"admin": ["q"], "bogus": []}');
    assert.equal(outcome(authorize(stranger, req('POST', 'AUTH_p', undefined, undefined, damaged ? { accountAcl: damaged } : {}), cfg)), 403);
  });
});

describe('section 3: two passes (amended 2026-12-07)', () => {
  const pub = { containerRead: '.r:*,.rlistings' };
  test('S10 before S8: an operator is owner of their container under .r:*,.rlistings', () => {
    const d = authorize(who('p', ['admin']), req('HEAD', 'AUTH_p', 'c', undefined, pub), cfg);
    assert.deepEqual(d, { allow: true, owner: true, rule: 'S10' });
  });
  test('S4 before S7: the reseller admin is owner where a *:* ACL matches too', () => {
    const d = authorize(who('x', ['ResellerAdmin']), req('GET', 'AUTH_p', 'c', undefined, { containerRead: '*:*' }), cfg);
    assert.deepEqual(d, { allow: true, owner: true, rule: 'S4' });
  });
  test('S8 in the second pass: anonymous and other projects are admitted by the ACL, never owner', () => {
    assert.equal(outcome(authorize(undefined, req('GET', 'AUTH_p', 'c', undefined, pub), cfg)), 'allow');
    assert.equal(outcome(authorize(who('q', ['admin']), req('GET', 'AUTH_p', 'c', 'o', pub), cfg)), 'allow');
    assert.equal(outcome(authorize(who('q', ['admin']), req('PUT', 'AUTH_p', 'c', 'o', pub), cfg)), 403);
  });
  test('S7 in the second pass: a member without an operator role is admitted by a *:* ACL, not owner', () => {
    assert.deepEqual(authorize(who('p', ['member']), req('GET', 'AUTH_p', 'c', undefined, { containerRead: '*:*' }), cfg),
      { allow: true, owner: false, rule: 'S7' });
  });
});

describe('R5.6: account names as grantees (built-in identity)', () => {
  test('an operator of the named account\'s project is admitted, not owner', () => {
    assert.deepEqual(authorize(who('q', ['admin']), req('GET', 'AUTH_p', 'c', 'o', { containerRead: 'AUTH_q' }), cfg),
      { allow: true, owner: false, rule: 'R5.6' });
  });
  test('an ACL naming the project admits each of its users (tempauth\'s <account> group), default domain only', () => {
    assert.deepEqual(authorize(who('q', ['member']), req('GET', 'AUTH_p', 'c', 'o', { containerRead: 'name-q' }), cfg),
      { allow: true, owner: false, rule: 'R5.6' });
    assert.equal(outcome(authorize(who('q', ['member'], [], { projectDomainId: 'other' }), req('GET', 'AUTH_p', 'c', 'o', { containerRead: 'name-q' }), cfg)), 403);
    assert.equal(outcome(authorize(who('q', ['member']), req('PUT', 'AUTH_p', 'c', 'o', { containerRead: 'name-q' }), cfg)), 403);
  });
  test('not a non-operator of that project, not another project, not with an external Keystone', () => {
    assert.equal(outcome(authorize(who('q', ['member']), req('GET', 'AUTH_p', 'c', 'o', { containerRead: 'AUTH_q' }), cfg)), 403);
    assert.equal(outcome(authorize(who('r', ['admin']), req('GET', 'AUTH_p', 'c', 'o', { containerRead: 'AUTH_q' }), cfg)), 403);
    const keystone = compilePolicy(DEFAULT_CONFIG.auth, 'keystone');
    assert.equal(outcome(authorize(who('q', ['admin']), req('GET', 'AUTH_p', 'c', 'o', { containerRead: 'AUTH_q' }), keystone)), 403);
  });
});
