/**
 * Rate limiting (Swift's ratelimit middleware) through HTTP: requests over a limit wait their turn,
 * those that would wait max_sleep_time_seconds or more are answered 498 "Slow down", worker processes
 * share the limit, and nothing is limited unless configured.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';
import { request } from 'node:http';

/** A DELETE through node:http, which shows the status line's reason phrase. */
function del(url: string, token: string): Promise<{ status: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'DELETE', headers: { 'X-Auth-Token': token }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '' }));
    });
    req.on('error', reject);
    req.end();
  });
}

const LIMITED = `
[ratelimit]
account_ratelimit = 2.5
container_ratelimit_1 = 5
container_listing_ratelimit_1 = 5
max_sleep_time_seconds = 1
`;

/** Fires `n` requests at once; returns their statuses and how long the whole burst took. */
async function burst(n: number, one: (i: number) => Promise<{ status: number; text: string }>) {
  const started = Date.now();
  const replies = await Promise.all(Array.from({ length: n }, (_, i) => one(i)));
  return { replies, ms: Date.now() - started, count: (status: number) => replies.filter((r) => r.status === status).length };
}

/**
 * What a limit of `rate` per second with 1 s of allowed waiting can let through in `ms`: one burst of
 * `rate` requests, then `rate` a second. A loaded machine only spreads a burst out, so this bound
 * never fails for want of speed; an unlimited server lets the whole burst through.
 */
function assertWithinRate(admitted: number, rate: number, ms: number): void {
  assert.ok(admitted <= Math.ceil(rate * (1 + ms / 1000)) + 1, `admitted ${admitted} in ${ms} ms at ${rate}/s`);
}

async function seeded(server: TestServer, container: string): Promise<Session> {
  const s = await login(server.url, 'test:tester', 'testing');
  assert.equal((await call(`${s.storageUrl}/${container}`, { method: 'PUT', token: s.token })).status, 201);
  // Limits apply from a container size of 1 object: the first object is written before any limit bites.
  assert.equal((await call(`${s.storageUrl}/${container}/first`, { method: 'PUT', token: s.token, body: 'x' })).status, 201);
  return s;
}

describe('configured limits', () => {
  let server: TestServer;
  before(async () => { server = await startServer({ extraToml: LIMITED }); });
  after(async () => { await server.stop(); });

  test('object writes over container_ratelimit wait their turn; beyond max_sleep_time_seconds they get 498 "Slow down"', async () => {
    const s = await seeded(server, 'busy');
    await new Promise((r) => setTimeout(r, 1100)); // let the clock of the seeding writes run out
    const b = await burst(20, (i) => call(`${s.storageUrl}/busy/o${i}`, { method: 'PUT', token: s.token, body: 'y' }));
    // 5 per second with at most 1 s of waiting: about 5 get through (waiting 0, 0.2 … 0.8 s), the rest are refused.
    assert.ok(b.count(201) >= 5, `admitted ${b.count(201)}`);
    assertWithinRate(b.count(201), 5, b.ms);
    assert.ok(b.count(498) > 0);
    assert.equal(b.count(201) + b.count(498), 20);
    assert.ok(b.ms >= 700, `the admitted requests were spread over ${b.ms} ms`);
    const refused = b.replies.find((r) => r.status === 498);
    assert.equal(refused?.text, 'Slow down');
    // Refused writes stored nothing: the listing has the first object and the admitted ones only.
    await new Promise((r) => setTimeout(r, 1100));
    const listing = await call(`${s.storageUrl}/busy?format=json`, { token: s.token });
    assert.equal((JSON.parse(listing.text) as unknown[]).length, 1 + b.count(201));
  });

  test('498 has Swift\'s status line; reads of objects are never limited', async () => {
    const s = await seeded(server, 'statusline');
    await new Promise((r) => setTimeout(r, 1100));
    const replies = await Promise.all(Array.from({ length: 15 }, (_, i) => del(`${s.storageUrl}/statusline/missing${i}`, s.token)));
    const limited = replies.find((r) => r.status === 498);
    assert.ok(limited, 'some DELETE was refused');
    assert.equal(limited.reason, 'Rate Limited');
    assert.ok(replies.every((r) => r.status === 404 || r.status === 498));
    const reads = await burst(30, () => call(`${s.storageUrl}/statusline/first`, { token: s.token }));
    assert.equal(reads.count(200), 30);
  });

  test('account_ratelimit limits container PUT and DELETE; container_listing_ratelimit limits listings', async () => {
    const s = await login(server.url, 'test2:tester2', 'testing2');
    const puts = await burst(10, (i) => call(`${s.storageUrl}/c${i}`, { method: 'PUT', token: s.token }));
    // 2.5 per second, 1 s of waiting at most: 3 at most get through (0, 0.4, 0.8 s).
    assert.ok(puts.count(201) >= 2, `admitted ${puts.count(201)}`);
    assertWithinRate(puts.count(201), 2.5, puts.ms);
    assert.equal(puts.count(201) + puts.count(498), 10);

    const owner = await seeded(server, 'listed');
    await new Promise((r) => setTimeout(r, 1100));
    const lists = await burst(20, () => call(`${owner.storageUrl}/listed`, { token: owner.token }));
    assert.ok(lists.count(200) >= 5, `listings admitted ${lists.count(200)}`);
    assertWithinRate(lists.count(200), 5, lists.ms);
    assert.equal(lists.count(200) + lists.count(498), 20);
  });

  test('/info lists the limits as Swift registers them', async () => {
    const info = JSON.parse((await call(`${server.url}/info`)).text) as { ratelimit?: Record<string, unknown> };
    assert.deepEqual(info.ratelimit, {
      account_ratelimit: 2.5, max_sleep_time_seconds: 1, container_ratelimits: [[1, 5]], container_listing_ratelimits: [[1, 5]],
    });
  });
});

test('two worker processes share one limit: the total is limited, not each process', async () => {
  const server = await startServer({ extraToml: LIMITED, workers: 2 });
  try {
    const s = await seeded(server, 'shared');
    await new Promise((r) => setTimeout(r, 1100));
    // One request after another, each on a new connection (the workers take turns accepting): at 5
    // a second shared, the 2nd to 5th wait 0.2 s each for their turn (0.8 s in all); with a limit per
    // process each worker would see every other request and they would wait about half as long.
    const started = Date.now();
    for (let i = 0; i < 5; i++) {
      const res = await call(`${s.storageUrl}/shared/o${i}`, { method: 'PUT', token: s.token, body: 'z', headers: { Connection: 'close' } });
      assert.equal(res.status, 201);
    }
    const ms = Date.now() - started;
    assert.ok(ms >= 750, `5 writes at 5/s took ${ms} ms`);
  } finally {
    await server.stop();
  }
});

test('without configuration nothing is limited and /info has no ratelimit', async () => {
  const server = await startServer();
  try {
    const s = await seeded(server, 'free');
    const b = await burst(30, (i) => call(`${s.storageUrl}/free/o${i}`, { method: 'PUT', token: s.token, body: 'z' }));
    assert.equal(b.count(201), 30);
    const info = JSON.parse((await call(`${server.url}/info`)).text) as Record<string, unknown>;
    assert.equal(info['ratelimit'], undefined);
  } finally {
    await server.stop();
  }
});
