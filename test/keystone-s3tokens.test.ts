/**
 * S3 signatures checked at Keystone's /v3/s3tokens (Swift's s3token), against a small fake Keystone
 * that checks signatures as Keystone's s3tokens does (written from its documented behaviour): what
 * is posted (s3token's body, with Swiftlet's service token), how each answer maps to S3 errors, the
 * 401 that may be about Swiftlet's own token, and the cache. The real Keystone: test-keystone/s3-ec2tokens.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeystoneClient } from '../src/identity/keystone/client.js';
import { TokenCache } from '../src/identity/keystone/resolver.js';
import { S3TokenValidator, s3TokenField } from '../src/identity/keystone/s3-tokens.js';
import { keystoneAuthority } from '../src/s3/keystone-authority.js';
import type { S3Authority, SignedRequest } from '../src/s3/authority.js';
import { S3Error } from '../src/s3/errors.js';
import type { KeystoneConfig } from '../src/config/schema.js';
import { freePort } from './helpers/server.js';

const SECRETS: Record<string, string> = { AKID: 'the-secret' };

interface Posted { token: string | undefined; body: { credentials: { access: string; token: string; signature: string } } }

class FakeKeystone {
  server!: Server;
  logins = 0;
  confirms = 0;
  posted: Posted[] = [];
  valid = new Set<string>();
  /** Forced status for /s3tokens (403, 500…); 0: behave. */
  force = 0;
  /** Lifetime of the tokens /s3tokens issues. */
  issuedLife = 3600;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(([status, headers, body]) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(body);
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v3`;
  }

  private async handle(req: IncomingMessage): Promise<[number, Record<string, string>, string]> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString();
    const auth = req.headers['x-auth-token'] as string | undefined;
    const err = (code: number, message: string): [number, Record<string, string>, string] => [code, {}, JSON.stringify({ error: { code, message } })];
    const expires = (life: number) => new Date(Date.now() + life * 1000).toISOString();
    if (req.url?.startsWith('/v3/auth/tokens') && req.method === 'POST') {
      const token = `svc-${++this.logins}`;
      this.valid.add(token);
      return [201, { 'x-subject-token': token }, JSON.stringify({ token: { expires_at: expires(3600), issued_at: new Date().toISOString() } })];
    }
    if (req.url?.startsWith('/v3/auth/tokens') && req.method === 'HEAD') {
      this.confirms++;
      return auth !== undefined && this.valid.has(auth) ? [200, {}, ''] : err(401, 'The request you have made requires authentication.');
    }
    if (req.url === '/v3/s3tokens' && req.method === 'POST') {
      const body = JSON.parse(text) as Posted['body'];
      this.posted.push({ token: auth, body });
      // Keystone hides why: every 401 reads the same.
      if (auth === undefined || !this.valid.has(auth)) return err(401, 'The request you have made requires authentication.');
      if (this.force) return err(this.force, 'forced');
      const c = body.credentials;
      const secret = SECRETS[c.access];
      if (secret === undefined) return err(404, `Could not find credential: ${c.access}.`);
      // Python's urlsafe_b64decode wants its padding.
      if (c.token.length % 4 !== 0 || /[+/]/.test(c.token)) return err(400, 'bad base64');
      const toSign = Buffer.from(c.token, 'base64url');
      let expected: string;
      if (toSign.subarray(0, 4).toString() !== 'AWS4') {
        expected = createHmac('sha1', secret).update(toSign).digest('base64');
      } else {
        const parts = toSign.toString().split('\n');
        const scope = (parts[2] ?? '').split('/');
        if (parts.length !== 4 || scope.length !== 4) return err(401, 'The request you have made requires authentication.');
        let k = createHmac('sha256', `AWS4${secret}`).update(scope[0] ?? '').digest();
        for (const piece of [scope[1] ?? '', scope[2] ?? '', 'aws4_request']) k = createHmac('sha256', k).update(piece).digest();
        expected = createHmac('sha256', k).update(toSign).digest('hex');
      }
      if (expected !== c.signature) return err(401, 'The request you have made requires authentication.');
      return [200, {}, JSON.stringify({ token: {
        methods: ['ec2credential'], expires_at: expires(this.issuedLife), issued_at: new Date().toISOString(), audit_ids: ['a'],
        user: { id: 'u1', name: 'alice', domain: { id: 'default', name: 'Default' } },
        project: { id: 'p1', name: 'proj', domain: { id: 'default', name: 'Default' } },
        roles: [{ id: 'r1', name: 'member' }, { id: 'r2', name: 'swiftoperator' }],
      } })];
    }
    return err(404, 'not found');
  }
}

const v2 = (stringToSign: string, secret = 'the-secret', access = 'AKID'): SignedRequest => ({
  version: 2, accessKey: access, signature: createHmac('sha1', secret).update(stringToSign).digest('base64'), stringsToSign: [stringToSign],
});

function v4(canonicalRequests: string[], signedOver: number, secret = 'the-secret'): SignedRequest {
  const scope = { date: '20261207', region: 'us-east-1', service: 's3' };
  const sts = canonicalRequests.map((cr) => `AWS4-HMAC-SHA256\n20261207T120000Z\n20261207/us-east-1/s3/aws4_request\n${createHash('sha256').update(cr).digest('hex')}`);
  let k = createHmac('sha256', `AWS4${secret}`).update(scope.date).digest();
  for (const piece of [scope.region, scope.service, 'aws4_request']) k = createHmac('sha256', k).update(piece).digest();
  const signature = createHmac('sha256', k).update(sts[signedOver] ?? '').digest('hex').toUpperCase();
  return { version: 4, accessKey: 'AKID', signature, scope, stringsToSign: sts };
}

async function s3Code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof S3Error) return `${err.status} ${err.code}`;
    throw err;
  }
}

let fake: FakeKeystone;
let url: string;
const cfg = (over: Partial<KeystoneConfig> = {}): KeystoneConfig => ({
  auth_url: url, username: 'swiftlet', password: 'pw', project_name: 'service', user_domain_name: 'Default', project_domain_name: 'Default',
  token_cache_time: 300, timeout: 2, ...over,
});
function authority(over: Partial<KeystoneConfig> = {}): S3Authority {
  const c = cfg(over);
  return keystoneAuthority(new S3TokenValidator(new KeystoneClient(c), new TokenCache(c.token_cache_time)));
}

before(async () => {
  fake = new FakeKeystone();
  url = await fake.start();
});
after(() => new Promise<void>((r) => fake.server.close(() => r())));

describe('what is posted to /v3/s3tokens', () => {
  test('s3token\'s body: access, the string to sign as URL-safe base64 with padding, the signature; with Swiftlet\'s service token', async () => {
    // A string to sign whose base64 needs padding and holds `+` and `/` in the standard alphabet.
    const toSign = 'GET\n\n\n1700000000\n/b/\u00ff\u00fe?>';
    assert.match(Buffer.from(toSign).toString('base64'), /[+/].*=$/);
    assert.equal(s3TokenField(toSign), Buffer.from(toSign).toString('base64').replace(/\+/g, '-').replace(/\//g, '_'));
    const a = authority();
    const before = fake.posted.length;
    const v = await a(v2(toSign));
    const posted = fake.posted.slice(before);
    assert.equal(posted.length, 1);
    const p = posted[0];
    assert.ok(p);
    assert.match(p.token ?? '', /^svc-\d+$/);
    assert.deepEqual(Object.keys(p.body), ['credentials']);
    assert.deepEqual(Object.keys(p.body.credentials).sort(), ['access', 'signature', 'token']);
    assert.equal(Buffer.from(p.body.credentials.token, 'base64url').toString(), toSign);
    assert.deepEqual(v.identity, {
      userId: 'u1', userName: 'alice', userDomainId: 'default', roles: ['member', 'swiftoperator'], serviceRoles: [],
      projectId: 'p1', projectName: 'proj', projectDomainId: 'default',
    });
    assert.equal(v.secret, undefined, 'the secret never leaves Keystone');
  });

  test('V4: the four-line string to sign (the canonical request\'s SHA-256 in it), signature lower-cased; the second canonical path asked only after the first is refused', async () => {
    const a = authority({ token_cache_time: -1 });
    const before = fake.posted.length;
    await a(v4(['canonical-encoded', 'canonical-as-sent'], 0));
    assert.equal(fake.posted.length - before, 1);
    const first = fake.posted[fake.posted.length - 1]?.body.credentials;
    assert.ok(first);
    assert.match(first.signature, /^[0-9a-f]{64}$/);
    const lines = Buffer.from(first.token, 'base64url').toString().split('\n');
    assert.equal(lines.length, 4);
    assert.equal(lines[3], createHash('sha256').update('canonical-encoded').digest('hex'));
    const before2 = fake.posted.length;
    await a(v4(['canonical-encoded', 'canonical-as-sent'], 1));
    assert.equal(fake.posted.length - before2, 2);
  });
});

describe('Keystone\'s answers as S3 errors', () => {
  test('unknown key (404) → InvalidAccessKeyId; wrong signature (401) → SignatureDoesNotMatch, for V2 and V4', async () => {
    const a = authority();
    assert.equal(await s3Code(a(v2('GET\n\n\n1\n/x', 'the-secret', 'NOPE'))), '403 InvalidAccessKeyId');
    assert.equal(await s3Code(a(v2('GET\n\n\n1\n/x', 'wrong'))), '403 SignatureDoesNotMatch');
    assert.equal(await s3Code(a(v4(['cr'], 0, 'wrong'))), '403 SignatureDoesNotMatch');
    assert.equal(await s3Code(a({ ...v2('GET\n\n\n1\n/x'), stringsToSign: [] })), '403 SignatureDoesNotMatch');
  });

  test('Keystone refusing Swiftlet (403), failing (500) or unreachable → 503 ServiceUnavailable, never AccessDenied', async () => {
    const a = authority({ token_cache_time: -1 });
    for (const status of [403, 500, 502]) {
      fake.force = status;
      try {
        assert.equal(await s3Code(a(v2('GET\n\n\n2\n/x'))), '503 ServiceUnavailable', String(status));
      } finally {
        fake.force = 0;
      }
    }
    const dead = keystoneAuthority(new S3TokenValidator(new KeystoneClient(cfg({ auth_url: `http://127.0.0.1:${await freePort()}/v3` })), new TokenCache(300)));
    assert.equal(await s3Code(dead(v2('GET\n\n\n2\n/x'))), '503 ServiceUnavailable');
  });

  test('a 401 about Swiftlet\'s own token: checked (HEAD), logged in again, asked again; a wrong signature costs one check a second at most', async () => {
    const client = new KeystoneClient(cfg());
    const a = keystoneAuthority(new S3TokenValidator(client, new TokenCache(-1)));
    await a(v2('GET\n\n\n3\n/x'));
    const token = await client.serviceToken();
    fake.valid.delete(token); // revoked at Keystone
    const before = { logins: fake.logins, confirms: fake.confirms, posted: fake.posted.length };
    assert.equal(await s3Code(a(v2('GET\n\n\n3\n/x'))), 'ok');
    assert.equal(fake.logins - before.logins, 1);
    assert.equal(fake.confirms - before.confirms, 1);
    assert.equal(fake.posted.length - before.posted, 2);
    assert.notEqual(await client.serviceToken(), token);
    // Wrong signatures with a good token: refused; concurrent ones share one check.
    const wrong = { confirms: fake.confirms, logins: fake.logins };
    const codes = await Promise.all([1, 2, 3, 4].map(() => s3Code(a(v2('GET\n\n\n3\n/x', 'wrong')))));
    assert.deepEqual(codes, Array(4).fill('403 SignatureDoesNotMatch'));
    assert.equal(await s3Code(a(v2('GET\n\n\n3\n/y', 'wrong'))), '403 SignatureDoesNotMatch');
    assert.equal(fake.confirms - wrong.confirms, 1);
    assert.equal(fake.logins - wrong.logins, 0);
  });
});

describe('cache (token cache rules)', () => {
  test('a confirmed request is reused; refusals never; -1: none; an expired issued token is asked again', async () => {
    const a = authority();
    const n = () => fake.posted.length;
    let before = n();
    for (let i = 0; i < 3; i++) await a(v2('GET\n\n\n4\n/cached'));
    assert.equal(n() - before, 1);
    // Another string to sign, or another signature, is another entry.
    before = n();
    await a(v2('GET\n\n\n4\n/cached2'));
    assert.equal(await s3Code(a({ ...v2('GET\n\n\n4\n/cached'), signature: v2('GET\n\n\n4\n/cached', 'wrong').signature })), '403 SignatureDoesNotMatch');
    assert.equal(await s3Code(a({ ...v2('GET\n\n\n4\n/cached'), signature: v2('GET\n\n\n4\n/cached', 'wrong').signature })), '403 SignatureDoesNotMatch');
    assert.equal(n() - before, 3);
    const none = authority({ token_cache_time: -1 });
    before = n();
    for (let i = 0; i < 2; i++) await none(v2('GET\n\n\n4\n/cached'));
    assert.equal(n() - before, 2);
    fake.issuedLife = -1; // Keystone issues an already expired token: never reused
    try {
      const b = authority();
      before = n();
      for (let i = 0; i < 2; i++) await b(v2('GET\n\n\n4\n/expiring'));
      assert.equal(n() - before, 2);
    } finally {
      fake.issuedLife = 3600;
    }
  });
});
