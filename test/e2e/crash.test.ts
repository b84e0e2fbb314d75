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
