import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
  const dir = mkdtempSync(join(tmpdir(), 'touchpoint-crash-'));
  const dbPath = join(dir, 'touchpoint.db');
  const env = {
    TOUCHPOINT_DB: dbPath,
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
    rmSync(dir, { recursive: true, force: true });
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
      const db = new Database(dbPath, { readonly: true });
      inFlight = (
        db.prepare(`SELECT count(*) AS n FROM deliveries WHERE status = 'sending'`).get() as {
          n: number;
        }
      ).n;
      db.close();
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

    const db = new Database(dbPath, { readonly: true });
    const names = db.prepare(`SELECT json_extract(fields, '$.name') AS name FROM leads`).all() as {
      name: string;
    }[];
    db.close();
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
  const dir = mkdtempSync(join(tmpdir(), 'touchpoint-inflight-'));
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
    rmSync(dir, { recursive: true, force: true });
  });
  /** A receiver that holds the first request open (never answers it) and accepts the rest. */
  const holdingFirst = async () => {
    receiver = await startReceiver((_req, n) => (n === 1 ? 'hang' : { status: 200 }));
    receivers.push(receiver);
  };

  const start = async (dbPath: string) => {
    const relay = await spawnRelay({ ...env, TOUCHPOINT_DB: dbPath });
    relays.push(relay);
    return relay;
  };
  const read = <T>(dbPath: string, sql: string, ...params: unknown[]) => {
    const db = new Database(dbPath, { readonly: true });
    try {
      return db.prepare(sql).get(...params) as T;
    } finally {
      db.close();
    }
  };
  const claimOf = (dbPath: string) =>
    read<{ id: number; status: string; claimed_by: string | null; lease_until: string | null }>(
      dbPath,
      `SELECT id, status, claimed_by, lease_until FROM deliveries WHERE kind = 'webhook'`,
    );
  const instanceOf = (dbPath: string, pid: number) =>
    read<{ id: string; heartbeat_at: string } | undefined>(
      dbPath,
      `SELECT id, heartbeat_at FROM relay_instances WHERE pid = ? AND stopped_at IS NULL`,
      pid,
    );
  const until = async <T>(check: () => T, timeoutMs: number): Promise<NonNullable<T>> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
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
    const dbPath = join(dir, 'restart.db');
    const first = await start(dbPath);
    await leadInFlight(first.url);
    const claim = claimOf(dbPath);
    expect(claim.status).toBe('sending');
    expect(claim.claimed_by).toBe(instanceOf(dbPath, first.child.pid!)!.id);
    expect(Date.parse(claim.lease_until!) - Date.now()).toBeGreaterThan(LEASE_MS / 2);

    await stop(first.child, 'SIGKILL');
    const killedAt = Date.now();
    await start(dbPath);
    const [, again] = await receiver.waitFor(2, LEASE_MS / 2);
    const took = Date.now() - killedAt;
    expect(again.headers['webhook-id']).toBe(`msg_${claim.id}`);
    await until(() => claimOf(dbPath).status === 'sent', 5_000);
    // Restarting takes a second or two; the redelivery is not waiting for the lease.
    expect(took, `redelivered ${took} ms after the kill`).toBeLessThan(LEASE_MS / 4);
  }, 60_000);

  it('is left to its live relay by a second relay on the database, which takes it when that relay is killed', async () => {
    await holdingFirst();
    const dbPath = join(dir, 'shared.db');
    const first = await start(dbPath);
    await leadInFlight(first.url);
    const claim = claimOf(dbPath);
    const owner = instanceOf(dbPath, first.child.pid!)!;
    expect(claim.claimed_by).toBe(owner.id);

    // A second relay starts on the same database and sweeps (at start and each beat).
    const second = await start(dbPath);
    const mine = await until(() => instanceOf(dbPath, second.child.pid!), 10_000);
    await until(
      () => instanceOf(dbPath, second.child.pid!)!.heartbeat_at > mine.heartbeat_at,
      10_000,
    );
    expect(receiver.received).toHaveLength(1);
    expect(claimOf(dbPath)).toMatchObject({ status: 'sending', claimed_by: owner.id });

    await stop(first.child, 'SIGKILL');
    const killedAt = Date.now();
    const [, again] = await receiver.waitFor(2, LEASE_MS / 2);
    const took = Date.now() - killedAt;
    expect(again.headers['webhook-id']).toBe(`msg_${claim.id}`);
    await until(() => claimOf(dbPath).status === 'sent', 5_000);
    expect(took, `redelivered ${took} ms after the kill`).toBeLessThan(LEASE_MS / 4);
    expect(instanceOf(dbPath, first.child.pid!)).toBeUndefined(); // forgotten
  }, 60_000);
});
