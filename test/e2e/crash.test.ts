import { afterAll, describe, expect, it } from 'vitest';
import { dialect } from '../../relay/db/dialect.js';
import { testDatabase, testEngine, type TestDatabase } from '../helpers/engine.js';
import { spawnRelay, stop } from '../helpers/process.js';
import { client } from '../helpers/relay.js';
import { CALLBACK_FORM, leadBody, ORIGIN } from '../relay/public/fixtures.js';
import { startReceiver, type Receiver } from '../relay/webhooks/receiver.js';

const TOTAL = 1_000;
const KILL_AFTER = 300;
const CONCURRENCY = 16;

/**
 * The relay as its own process, killed with SIGKILL while 1,000 leads are being posted and
 * their alerts delivered (to a webhook alert channel: a receiver in this process that counts
 * what arrives). After a restart on the same database every lead that was acknowledged (202)
 * is stored once, every one of their alerts arrives, and duplicates are no more than the
 * deliveries that were in flight (`sending`) when the process died.
 */
describe('a relay killed mid-flight', () => {
  let database: TestDatabase;
  const env = {
    TOUCHPOINT_WEBHOOK_ALLOW_PRIVATE: '1',
    TOUCHPOINT_PUBLIC_RATE_LIMIT: '0',
    TOUCHPOINT_ADMIN_EMAIL: 'crash@example.test',
    TOUCHPOINT_ADMIN_PASSWORD: 'crash test password',
  };
  let receiver: Receiver;
  let relay: Awaited<ReturnType<typeof spawnRelay>> | undefined;
  afterAll(async () => {
    if (relay) await stop(relay.child, 'SIGKILL');
    await receiver?.close();
    await database?.drop();
  });

  /** A shop with a publishable key, the callback form and a webhook alert channel, over HTTP. */
  async function setUp(base: string) {
    const api = client(base);
    const login = await api.post('/api/auth/login/', {
      email: env.TOUCHPOINT_ADMIN_EMAIL,
      password: env.TOUCHPOINT_ADMIN_PASSWORD,
    });
    const token = login.body.result.token;
    const shop = await api.post(
      '/api/shop/shops/',
      { name: 'Crash', settings: { public_key_rate_limit: 0 } },
      { token },
    );
    const shop_id = shop.body.result.id;
    const key = await api.post(
      '/api/shop/keys/',
      { shop_id, kind: 'publishable', allowed_origins: [ORIGIN] },
      { token },
    );
    expect(
      (await api.post('/api/store/forms/', { shop_id, ...CALLBACK_FORM }, { token })).status,
    ).toBe(201);
    const channel = await api.post(
      '/api/notifications/channels/',
      { shop_id, type: 'webhook', url: `${receiver.url}/alerts`, events: ['lead.created'] },
      { token },
    );
    expect(channel.status, JSON.stringify(channel.body)).toBe(201);
    return key.body.result.key as string;
  }

  it('keeps every acknowledged lead and delivers every one of their alerts', async () => {
    receiver = await startReceiver();
    database = await testDatabase({ prefix: 'crash' });
    Object.assign(env, database.env);
    relay = await spawnRelay(env);
    const pk = await setUp(relay.url);
    const bodies = Array.from({ length: TOTAL }, (_, i) =>
      leadBody(pk, { fields: { name: `lead-${i}`, phone: '+7 912 345-67-89' } }),
    );

    const acked = new Set<number>();
    let base = relay.url;
    let down: Promise<void> | null = null;
    let inFlight = -1;
    let next = 0;
    const retry: number[] = [];

    /** SIGKILL once, count what the dead process left `sending`, start a new one. */
    const crash = async () => {
      await stop(relay!.child, 'SIGKILL');
      const [{ n }] = await database.query<{ n: number }>(
        `SELECT count(*) AS n FROM deliveries WHERE status = 'sending'`,
      );
      inFlight = n;
      relay = await spawnRelay(env);
      base = relay.url;
    };

    const post = async (i: number) => {
      try {
        const res = await fetch(`${base}/public/v1/leads`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: ORIGIN },
          body: JSON.stringify(bodies[i]),
        });
        await res.text();
        if (res.status === 202) acked.add(i);
        else retry.push(i);
      } catch {
        retry.push(i); // the process was gone: not acknowledged
      }
      if (acked.size >= KILL_AFTER && !down) down = crash();
      if (down) await down;
    };
    const workers = Array.from({ length: CONCURRENCY }, async () => {
      while (next < TOTAL) await post(next++);
    });
    await Promise.all(workers);
    if (!down) throw new Error('the relay was not killed: raise TOTAL or lower KILL_AFTER');
    await down;
    // Unacknowledged ones again, with the same submission_id: stored at most once.
    while (retry.length) await post(retry.shift()!);
    expect(acked.size).toBe(TOTAL);

    const alerts = () =>
      receiver.received.map((r) => ({
        id: r.headers['webhook-id'],
        name: JSON.parse(r.body).data.fields.name as string,
      }));
    const deadline = Date.now() + 30_000;
    while (new Set(alerts().map((a) => a.name)).size < TOTAL && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));

    const names = await database.query<{ name: string }>(
      `SELECT ${dialect(testEngine).jsonText('fields', 'name')} AS name FROM leads`,
    );
    const stored = new Map<string, number>();
    for (const { name } of names) stored.set(name, (stored.get(name) ?? 0) + 1);
    for (const i of acked) expect(stored.get(`lead-${i}`), `lead-${i} stored once`).toBe(1);

    const got = alerts();
    const received = new Set(got.map((a) => a.name));
    for (const i of acked) expect(received.has(`lead-${i}`), `alert for lead-${i}`).toBe(true);
    const duplicates = got.length - received.size;
    expect(inFlight).toBeGreaterThanOrEqual(0);
    expect(
      duplicates,
      `duplicates ${duplicates}, in flight at the crash ${inFlight}`,
    ).toBeLessThanOrEqual(inFlight);
    // Each duplicate is a redelivery of the same delivery (same webhook-id), never a new row.
    expect(new Set(got.map((a) => a.id)).size).toBe(received.size);
  }, 100_000);
});

/**
 * A delivery in flight when its relay is killed: taken over at once by a relay that knows the
 * killer relay is gone — a restarted relay, or another relay on the same database — rather
 * than after the claim's lease; and never taken over while its relay lives.
 */
describe('a delivery in flight when its relay is killed', () => {
  const LEASE_MS = 60_000; // the worker's default lease (relay/delivery/worker.ts)
  const databases: TestDatabase[] = [];
  const env = {
    TOUCHPOINT_WEBHOOK_ALLOW_PRIVATE: '1',
    TOUCHPOINT_ADMIN_EMAIL: 'inflight@example.test',
    TOUCHPOINT_ADMIN_PASSWORD: 'in flight password',
  };
  const relays: Awaited<ReturnType<typeof spawnRelay>>[] = [];
  const receivers: Receiver[] = [];
  let receiver!: Receiver;
  afterAll(async () => {
    for (const r of relays) await stop(r.child, 'SIGKILL');
    for (const r of receivers) await r.close();
    for (const d of databases) await d.drop();
  });
  /** A receiver that holds the first request open (never answers it) and accepts the rest. */
  const holdingFirst = async () => {
    receiver = await startReceiver((_req, n) => (n === 1 ? 'hang' : { status: 200 }));
    receivers.push(receiver);
  };

  const newDatabase = async () => {
    const database = await testDatabase({ prefix: 'inflight' });
    databases.push(database);
    return database;
  };
  const start = async (database: TestDatabase) => {
    const relay = await spawnRelay({ ...env, ...database.env });
    relays.push(relay);
    return relay;
  };
  const claimOf = async (database: TestDatabase) =>
    (
      await database.query<{
        id: number;
        status: string;
        claimed_by: string | null;
        lease_until: string | null;
      }>(`SELECT id, status, claimed_by, lease_until FROM deliveries WHERE kind = 'webhook'`)
    )[0];
  const instanceOf = async (database: TestDatabase, pid: number) =>
    (
      await database.query<{ id: string; heartbeat_at: string }>(
        `SELECT id, heartbeat_at FROM relay_instances WHERE pid = ? AND stopped_at IS NULL`,
        pid,
      )
    )[0] as { id: string; heartbeat_at: string } | undefined;
  const until = async <T>(check: () => Promise<T>, timeoutMs: number): Promise<NonNullable<T>> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value) return value as NonNullable<T>;
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  /** A shop with a webhook alert channel, and a lead whose alert the receiver holds open. */
  async function leadInFlight(base: string) {
    const api = client(base);
    const login = await api.post('/api/auth/login/', {
      email: env.TOUCHPOINT_ADMIN_EMAIL,
      password: env.TOUCHPOINT_ADMIN_PASSWORD,
    });
    const token = login.body.result.token;
    const shop = await api.post('/api/shop/shops/', { name: 'In flight' }, { token });
    const shop_id = shop.body.result.id;
    const channel = await api.post(
      '/api/notifications/channels/',
      { shop_id, type: 'webhook', url: `${receiver.url}/alerts`, events: ['lead.created'] },
      { token },
    );
    expect(channel.status, JSON.stringify(channel.body)).toBe(201);
    const lead = await api.post(
      '/api/store/leads/',
      { shop_id, fields: { name: 'Ann' } },
      { token },
    );
    expect(lead.status).toBe(201);
    await receiver.waitFor(1, 10_000); // the relay is sending it: the receiver does not answer
  }

  it('is sent by a restarted relay at once, not after the lease', async () => {
    await holdingFirst();
    const db = await newDatabase();
    const first = await start(db);
    await leadInFlight(first.url);
    const claim = (await claimOf(db))!;
    expect(claim.status).toBe('sending');
    expect(claim.claimed_by).toBe((await instanceOf(db, first.child.pid!))!.id);
    expect(Date.parse(claim.lease_until!) - Date.now()).toBeGreaterThan(LEASE_MS / 2);

    await stop(first.child, 'SIGKILL');
    const killedAt = Date.now();
    await start(db);
    const [, again] = await receiver.waitFor(2, LEASE_MS / 2);
    const took = Date.now() - killedAt;
    expect(again.headers['webhook-id']).toBe(`msg_${claim.id}`);
    await until(async () => (await claimOf(db))!.status === 'sent', 5_000);
    // Restarting takes a second or two; the redelivery is not waiting for the lease.
    expect(took, `redelivered ${took} ms after the kill`).toBeLessThan(LEASE_MS / 4);
  }, 60_000);

  it('is left to its live relay by a second relay on the database, which takes it when that relay is killed', async () => {
    await holdingFirst();
    const db = await newDatabase();
    const first = await start(db);
    await leadInFlight(first.url);
    const claim = (await claimOf(db))!;
    const owner = (await instanceOf(db, first.child.pid!))!;
    expect(claim.claimed_by).toBe(owner.id);

    // A second relay starts on the same database and sweeps (at start and each beat).
    const second = await start(db);
    const mine = await until(() => instanceOf(db, second.child.pid!), 10_000);
    await until(
      async () => (await instanceOf(db, second.child.pid!))!.heartbeat_at > mine.heartbeat_at,
      10_000,
    );
    expect(receiver.received).toHaveLength(1);
    expect(await claimOf(db)).toMatchObject({ status: 'sending', claimed_by: owner.id });

    await stop(first.child, 'SIGKILL');
    const killedAt = Date.now();
    const [, again] = await receiver.waitFor(2, LEASE_MS / 2);
    const took = Date.now() - killedAt;
    expect(again.headers['webhook-id']).toBe(`msg_${claim.id}`);
    await until(async () => (await claimOf(db))!.status === 'sent', 5_000);
    expect(took, `redelivered ${took} ms after the kill`).toBeLessThan(LEASE_MS / 4);
    expect(await instanceOf(db, first.child.pid!)).toBeUndefined(); // forgotten
  }, 60_000);
});
