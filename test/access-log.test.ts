/**
 * The access log through HTTP against a real `swiftlet serve`: Swift's proxy-logging line parsed
 * back field by field, secrets cut or left out, one client line per request with its sub-requests
 * marked by source under the same transaction id, bytes sent as they went out (ranged and aborted
 * GETs), reopening after logrotate's rename (one process and two workers), JSON on stdout, and off.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';
import { parseSwiftLine, readLines, waitForLines } from './helpers/access-log.js';

const SECRET_PASSWORD = 'Pw-never-in-logs-7f3a9c';
const PASSWORD_USER = `
[[identity.users]]
project = "logged"
name = "secretive"
password = "${SECRET_PASSWORD}"
roles = [".admin"]
`;

const dir = mkdtempSync(join(tmpdir(), 'swiftlet-access-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const byTxid = (txid: string) => (line: string) => line.includes(` ${txid} `);

describe('access log to a file, Swift format, headers logged', () => {
  const file = join(dir, 'access.log');
  let server: TestServer;
  let s: Session;
  const lines = () => readLines(file);
  /** The client line (no source) of the transaction, parsed. */
  const clientLine = async (txid: string) => {
    const [line] = await waitForLines(lines, (l) => byTxid(txid)(l) && l.split(' ')[16] === '-');
    return parseSwiftLine(line ?? '');
  };

  before(async () => {
    server = await startServer({
      extraToml: `[logging]\naccess_log = "${file}"\naccess_log_headers = true\n`,
      extraUsersToml: PASSWORD_USER,
    });
    s = await login(server.url, 'test:tester', 'testing');
    assert.equal((await call(`${s.storageUrl}/logc`, { method: 'PUT', token: s.token })).status, 201);
  });
  after(async () => { await server.stop(); });

  test('a PUT is one line with Swift\'s 21 fields in Swift\'s order and quoting', async () => {
    const body = Buffer.alloc(1234, 'a');
    const etag = createHash('md5').update(body).digest('hex');
    const res = await call(`${s.storageUrl}/logc/my%20obj`, {
      method: 'PUT', token: s.token, body,
      headers: { ETag: etag, 'User-Agent': 'log test/1.0', Referer: 'http://example.com/page', 'X-Forwarded-For': '203.0.113.7, 10.0.0.1' },
    });
    assert.equal(res.status, 201);
    const txid = res.headers.get('x-trans-id') ?? '';
    const f = await clientLine(txid);
    assert.equal(f.client_ip, '203.0.113.7', 'client_ip: the first X-Forwarded-For address, as Swift');
    assert.equal(f.remote_addr, '127.0.0.1');
    assert.match(f.datetime, /^\d{2}\/[A-Z][a-z]{2}\/\d{4}\/\d{2}\/\d{2}\/\d{2}$/);
    assert.equal(f.method, 'PUT');
    // swob's path re-quoted (%20), then the log field quoted again: %2520, as Swift's lines read.
    assert.equal(f.path, '/v1/AUTH_test/logc/my%2520obj');
    assert.equal(f.protocol, 'HTTP/1.1');
    assert.equal(f.status_int, '201');
    assert.equal(f.referer, 'http://example.com/page');
    assert.equal(f.user_agent, 'log%20test/1.0');
    assert.equal(f.auth_token, `${s.token.slice(0, 16)}...`);
    assert.equal(f.bytes_recvd, '1234');
    assert.equal(f.bytes_sent, res.bytes.length === 0 ? '-' : String(res.bytes.length));
    assert.equal(f.client_etag, etag);
    assert.equal(f.transaction_id, txid);
    assert.match(f.headers, /^[^ ]*User-Agent:%20log%20test\/1.0[^ ]*$/);
    assert.match(f.request_time, /^\d+\.\d{4}$/);
    assert.equal(f.source, '-');
    assert.equal(f.log_info, '-');
    assert.match(f.start_time, /^\d+\.\d{9}$/);
    assert.match(f.end_time, /^\d+\.\d{9}$/);
    assert.ok(Number(f.end_time) >= Number(f.start_time));
    assert.ok(Math.abs(Number(f.start_time) - Date.now() / 1000) < 60);
    assert.equal(f.policy_index, '0', 'the container\'s storage policy');
    const d = new Date(Number(f.end_time) * 1000);
    assert.ok(f.datetime.startsWith(`${String(d.getUTCDate()).padStart(2, '0')}/`));
  });

  test('tokens are cut to 16 characters: X-Auth-Token and X-Service-Token, in the token field and the headers', async () => {
    const service = await login(server.url, 'test5:tester5', 'testing5');
    const res = await call(`${s.storageUrl}/logc`, { method: 'HEAD', token: s.token, serviceToken: service.token });
    const f = await clientLine(res.headers.get('x-trans-id') ?? '');
    assert.equal(f.auth_token, `${s.token.slice(0, 16)}...`);
    assert.match(f.headers, new RegExp(`X-Service-Token:%20${service.token.slice(0, 16)}\\.\\.\\.(%0A|$)`));
    const all = lines().join('\n');
    assert.ok(!all.includes(s.token), 'no user token in full');
    assert.ok(!all.includes(service.token), 'no service token in full');
    assert.ok(!all.includes(s.token.slice(0, 17)));
  });

  test('no password: /auth/v1.0 keys and /v3 password bodies never reach the log', async () => {
    const v1 = await fetch(`${server.url}/auth/v1.0`, { headers: { 'X-Auth-User': 'logged:secretive', 'X-Auth-Key': SECRET_PASSWORD } });
    assert.equal(v1.status, 200);
    const v1b = await fetch(`${server.url}/auth/v1.0`, { headers: { 'X-Storage-User': 'logged:secretive', 'X-Storage-Pass': SECRET_PASSWORD } });
    assert.equal(v1b.status, 200);
    const v3 = await fetch(`${server.url}/v3/auth/tokens`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'secretive', domain: { id: 'default' }, password: SECRET_PASSWORD } } } } }),
    });
    await v3.arrayBuffer();
    const issued = v3.headers.get('x-subject-token') ?? '';
    const txids = [v1, v1b, v3].map((r) => r.headers.get('x-trans-id') ?? '');
    for (const txid of txids) await clientLine(txid);
    const all = lines().join('\n');
    assert.ok(!all.includes(SECRET_PASSWORD), 'the password is nowhere in the log');
    assert.ok(!all.includes(encodeURIComponent(SECRET_PASSWORD)));
    const f = await clientLine(txids[0] ?? '');
    assert.match(f.headers, /X-Auth-Key:%20redacted/);
    assert.equal((await clientLine(txids[2] ?? '')).bytes_recvd !== '-', true, 'the v3 body was received (and counted), not logged');
    if (issued !== '') assert.ok(!all.includes(issued));
  });

  test('a temporary URL\'s signature is cut to 16 characters, the rest of the query kept', async () => {
    const key = 'tempurl-key-for-log';
    assert.equal((await call(s.storageUrl, { method: 'POST', token: s.token, headers: { 'X-Account-Meta-Temp-URL-Key': key } })).status, 204);
    assert.equal((await call(`${s.storageUrl}/logc/t`, { method: 'PUT', token: s.token, body: 'temp' })).status, 201);
    const expires = Math.floor(Date.now() / 1000) + 3600;
    const path = '/v1/AUTH_test/logc/t';
    const sig = createHmac('sha256', key).update(`GET\n${expires}\n${path}`).digest('hex');
    const res = await call(`${server.url}${path}?temp_url_sig=${sig}&temp_url_expires=${expires}`);
    assert.equal(res.status, 200);
    const f = await clientLine(res.headers.get('x-trans-id') ?? '');
    assert.equal(f.path, `${path}%3Ftemp_url_sig%3D${sig.slice(0, 16)}...%26temp_url_expires%3D${expires}`);
    assert.equal(f.auth_token, '-');
    const all = lines().join('\n');
    assert.ok(!all.includes(sig), 'the signature is nowhere in full');
    assert.ok(!all.includes(key), 'the temp URL key (set by POST) is not logged');
  });

  test('an SLO GET is one client line with the bytes sent; its segment reads are lines marked SLO with the same transaction id', async () => {
    const segs = [Buffer.alloc(3000, 'x'), Buffer.alloc(2000, 'y')];
    const manifest = [];
    for (const [i, seg] of segs.entries()) {
      assert.equal((await call(`${s.storageUrl}/logc/seg${i}`, { method: 'PUT', token: s.token, body: seg })).status, 201);
      manifest.push({ path: `/logc/seg${i}`, etag: createHash('md5').update(seg).digest('hex'), size_bytes: seg.length });
    }
    assert.equal((await call(`${s.storageUrl}/logc/slo?multipart-manifest=put`, { method: 'PUT', token: s.token, body: JSON.stringify(manifest) })).status, 201);
    const res = await call(`${s.storageUrl}/logc/slo`, { token: s.token });
    assert.equal(res.status, 200);
    assert.equal(res.bytes.length, 5000);
    const txid = res.headers.get('x-trans-id') ?? '';
    const f = await clientLine(txid);
    assert.equal(f.bytes_sent, '5000');
    assert.equal(f.status_int, '200');
    const parts = (await waitForLines(lines, (l) => byTxid(txid)(l) && l.split(' ')[16] === 'SLO', 2)).map(parseSwiftLine);
    const clientLines = lines().filter(byTxid(txid)).map(parseSwiftLine).filter((l) => l.source === '-');
    assert.equal(clientLines.length, 1, 'one client line');
    const segmentReads = parts.filter((p) => /\/logc\/seg[01](%3F|$)/.test(p.path) && p.method === 'GET');
    assert.equal(segmentReads.length, 2, `both segments read, marked SLO: ${parts.map((p) => `${p.method} ${p.path}`).join(', ')}`);
    for (const p of parts) assert.equal(p.transaction_id, txid);
  });

  test('a copy\'s source read is marked SSC', async () => {
    const res = await call(`${s.storageUrl}/logc/copied`, { method: 'PUT', token: s.token, headers: { 'X-Copy-From': 'logc/t' } });
    assert.equal(res.status, 201);
    const txid = res.headers.get('x-trans-id') ?? '';
    await clientLine(txid);
    const [read] = (await waitForLines(lines, (l) => byTxid(txid)(l) && l.split(' ')[16] === 'SSC')).map(parseSwiftLine);
    assert.equal(read?.method, 'GET');
    assert.equal(read?.path, '/v1/AUTH_test/logc/t');
  });

  test('a ranged GET logs the bytes of the range', async () => {
    assert.equal((await call(`${s.storageUrl}/logc/ranged`, { method: 'PUT', token: s.token, body: Buffer.alloc(100, 'r') })).status, 201);
    const res = await call(`${s.storageUrl}/logc/ranged`, { token: s.token, headers: { Range: 'bytes=10-19' } });
    assert.equal(res.status, 206);
    const f = await clientLine(res.headers.get('x-trans-id') ?? '');
    assert.equal(f.status_int, '206');
    assert.equal(f.bytes_sent, '10');
  });

  test('a GET the client abandons logs 499 and the bytes that went out, not the object\'s size', async () => {
    const size = 48 * 1024 * 1024;
    assert.equal((await call(`${s.storageUrl}/logc/big`, { method: 'PUT', token: s.token, body: Buffer.alloc(size, 'b') })).status, 201);
    const url = new URL(`${s.storageUrl}/logc/big`);
    let txid = '';
    let received = 0;
    await new Promise<void>((done, fail) => {
      const sock = connect(Number(url.port), url.hostname, () => {
        sock.write(`GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nX-Auth-Token: ${s.token}\r\n\r\n`);
      });
      sock.on('data', (d: Buffer) => {
        received += d.length;
        const m = /X-Trans-Id: (\S+)/i.exec(d.toString('latin1'));
        if (m?.[1] && txid === '') {
          txid = m[1];
          // Stop reading: the server fills the socket buffers and waits; then the client goes away.
          sock.pause();
          setTimeout(() => { sock.destroy(); done(); }, 500);
        }
      });
      sock.on('error', fail);
    });
    const f = await clientLine(txid);
    assert.equal(f.status_int, '499');
    const sent = f.bytes_sent === '-' ? 0 : Number(f.bytes_sent);
    assert.ok(sent >= received - 1024, `bytes_sent ${sent} covers what the client got (${received} with headers)`);
    assert.ok(sent < size, `bytes_sent ${sent} is less than the object (${size})`);
  });

  test('SIGHUP after logrotate\'s rename: new lines go to a new file at the configured path', async () => {
    const before = await call(`${s.storageUrl}/logc`, { method: 'HEAD', token: s.token });
    await clientLine(before.headers.get('x-trans-id') ?? '');
    renameSync(file, `${file}.1`);
    server.process.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 300));
    const res = await call(`${s.storageUrl}/logc`, { method: 'HEAD', token: s.token });
    assert.equal(res.status, 204);
    const txid = res.headers.get('x-trans-id') ?? '';
    await waitForLines(lines, byTxid(txid));
    assert.ok(!readLines(`${file}.1`).some(byTxid(txid)), 'not in the rotated file');
    assert.ok(readLines(`${file}.1`).some(byTxid(before.headers.get('x-trans-id') ?? '')), 'earlier lines stay in the rotated file');
    assert.equal(server.process.exitCode, null, 'SIGHUP does not stop the server');
  });
});

describe('access log with two workers', () => {
  const file = join(dir, 'workers.log');
  let server: TestServer;
  let s: Session;
  before(async () => {
    server = await startServer({ workers: 2, extraToml: `[logging]\naccess_log = "${file}"\n` });
    s = await login(server.url, 'test:tester', 'testing');
  });
  after(async () => { await server.stop(); });

  test('every request is one whole line in the shared file, and SIGHUP to the primary reopens it in every worker', async () => {
    const send = async (n: number) => {
      const txids: string[] = [];
      // Concurrent, on separate connections, so both workers serve some.
      await Promise.all(Array.from({ length: n }, async () => {
        const res = await fetch(`${s.storageUrl}`, { method: 'HEAD', headers: { 'X-Auth-Token': s.token, Connection: 'close' } });
        txids.push(res.headers.get('x-trans-id') ?? '');
      }));
      return txids;
    };
    const first = await send(40);
    await waitForLines(() => readLines(file), (l) => first.some((t) => byTxid(t)(l)), first.length);
    for (const line of readLines(file)) parseSwiftLine(line); // every line whole: 21 fields
    renameSync(file, `${file}.1`);
    server.process.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 500));
    const second = await send(40);
    await waitForLines(() => readLines(file), (l) => second.some((t) => byTxid(t)(l)), second.length);
    const rotated = readLines(`${file}.1`);
    assert.ok(!rotated.some((l) => second.some((t) => byTxid(t)(l))), 'no worker still writes to the rotated file');
    for (const line of readLines(file)) parseSwiftLine(line);
    assert.equal(server.process.exitCode, null);
  });
});

describe('JSON access log on stdout', () => {
  let server: TestServer;
  let s: Session;
  before(async () => {
    server = await startServer({ extraToml: '[logging]\naccess_log = "stdout"\naccess_log_format = "json"\n' });
    s = await login(server.url, 'test:tester', 'testing');
  });
  after(async () => { await server.stop(); });

  test('one JSON object per line with Swift\'s field names', async () => {
    const res = await call(`${s.storageUrl}/jc?x=1`, { method: 'PUT', token: s.token });
    assert.equal(res.status, 201);
    const txid = res.headers.get('x-trans-id') ?? '';
    const [line] = await waitForLines(() => server.output().split('\n'), (l) => l.startsWith('{') && l.includes(txid));
    const j = JSON.parse(line ?? '') as Record<string, unknown>;
    assert.equal(j['method'], 'PUT');
    assert.equal(j['path'], '/v1/AUTH_test/jc?x=1');
    assert.equal(j['status_int'], 201);
    assert.equal(j['transaction_id'], txid);
    assert.equal(j['auth_token'], `${s.token.slice(0, 16)}...`);
    assert.equal(j['client_ip'], '127.0.0.1');
    assert.equal(j['source'], null);
    assert.equal(typeof j['request_time'], 'number');
    assert.equal(typeof j['start_time'], 'number');
    assert.match(String(j['datetime']), /^\d{4}-\d{2}-\d{2}T/);
    assert.ok(!server.output().includes(s.token));
  });
});

describe('access log off', () => {
  let server: TestServer;
  const file = join(dir, 'never.log');
  before(async () => {
    server = await startServer({ extraToml: '[logging]\naccess_log = "off"\n' });
  });
  after(async () => { await server.stop(); });

  test('writes nothing', async () => {
    const s = await login(server.url, 'test:tester', 'testing');
    const res = await call(`${s.storageUrl}/offc`, { method: 'PUT', token: s.token });
    assert.equal(res.status, 201);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!server.output().includes(res.headers.get('x-trans-id') ?? 'none'));
    assert.ok(!existsSync(file));
  });
});
