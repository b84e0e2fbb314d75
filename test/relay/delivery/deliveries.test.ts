import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectIsolated } from '../../helpers/checks.js';
import { sql } from '../../../relay/db/sql.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { eventually, startReceiver, type Receiver } from '../webhooks/receiver.js';

const BASE = '/api/notifications/deliveries/';

describe('deliveries API', () => {
  let relay: Relay;
  let receiver: Receiver;
  let a: Owner;
  let b: Owner;
  let endpointA: number;
  let botUser: number;
  beforeAll(async () => {
    relay = await startRelay({ webhookAllowPrivate: true });
    // Answers 200 unless the payload asks for a permanent failure.
    receiver = await startReceiver((req) =>
      req.body.includes('"fail":true') ? { status: 400, body: 'rejected' } : { status: 200 },
    );
    a = await userWithShop(relay, 'A');
    b = await userWithShop(relay, 'B');
    endpointA = (
      await relay.stores.webhooks.create({
        shop_id: a.shop.id,
        url: receiver.url,
        events: ['lead.created'],
      })
    ).id;
    const bot = await relay.stores.bots.create({
      shop_id: a.shop.id,
      bot_type: 'web',
      name: 'Site',
      credential: null,
      tg_bot_nickname: null,
    });
    botUser = (
      (await relay.db.get(
        sql(
          `INSERT INTO bot_users (shop_id, bot_id, messenger_user_id) VALUES (?, ?, 'v1') RETURNING id`,
        ),
        [a.shop.id, bot.id],
      )) as { id: number }
    ).id;
  });
  afterAll(async () => {
    await relay.close();
    await receiver.close();
  });

  const enqueue = async (
    shopId: number,
    opts: {
      event?: string;
      fail?: boolean;
      botUser?: number;
      endpoint?: number;
      /** `nowhere` has no adapter: the row stays queued. */
      kind?: string;
    } = {},
  ) => {
    const [id] = await relay.stores.deliveries.enqueue([
      {
        shop_id: shopId,
        event: opts.event ?? 'lead.created',
        kind: opts.kind ?? 'webhook',
        endpoint_id: opts.endpoint ?? null,
        bot_user_id: opts.botUser ?? null,
        payload: {
          type: 'lead.created',
          timestamp: new Date().toISOString(),
          data: { fail: opts.fail ?? false },
        },
        max_attempts: 1,
      },
    ]);
    return id;
  };
  const status = async (owner: Owner, id: number) =>
    (await relay.api.get(`${BASE}${id}/`, { token: owner.token })).body.result?.status;

  it('lists deliveries newest first and filters by status, event and bot user', async () => {
    const sent = await enqueue(a.shop.id, { endpoint: endpointA });
    const dead = await enqueue(a.shop.id, {
      endpoint: endpointA,
      fail: true,
      event: 'order.created',
    });
    const mine = await enqueue(a.shop.id, { endpoint: endpointA, botUser });
    await eventually(
      async () => (await status(a, sent)) === 'sent' && (await status(a, dead)) === 'dead',
    );
    await eventually(async () => (await status(a, mine)) === 'sent');

    const all = await relay.api.get(`${BASE}?shop_id=${a.shop.id}`, { token: a.token });
    expect(all.status).toBe(200);
    const ids = all.body.result.results.map((d: { id: number }) => d.id);
    expect(ids.slice(0, 3)).toEqual([mine, dead, sent]);
    expect(all.body.result.results[0]).toMatchObject({
      shop_id: a.shop.id,
      kind: 'webhook',
      endpoint_id: endpointA,
      status: 'sent',
      attempts: 1,
      payload: { type: 'lead.created' },
    });
    expect(all.body.result.results[0]).not.toHaveProperty('lease_until');

    const q = (query: string) =>
      relay.api.get(`${BASE}?shop_id=${a.shop.id}&${query}`, { token: a.token });
    const onlyDead = await q('status=dead');
    expect(onlyDead.body.result.results.map((d: { id: number }) => d.id)).toEqual([dead]);
    const orders = await q('event=order.created');
    expect(orders.body.result.results.map((d: { id: number }) => d.id)).toEqual([dead]);
    const ofUser = await q(`bot_user_id=${botUser}`);
    expect(ofUser.body.result.results.map((d: { id: number }) => d.id)).toEqual([mine]);
    expect(ofUser.body.result.count).toBe(1);

    for (const bad of ['status=lost', 'bot_user_id=abc', 'bot_user_id=-1', 'limit=0']) {
      const r = await q(bad);
      expect(r.status, bad).toBe(400);
      expect(Object.keys(r.body.errors), bad).toContain(bad.split('=')[0]);
    }
  });

  it('paginates with absolute next/previous URLs and clamps limit to 100', async () => {
    const owner = await userWithShop(relay, 'Busy');
    await relay.stores.deliveries.enqueue(
      Array.from({ length: 102 }, () => ({
        shop_id: owner.shop.id,
        event: 'lead.created',
        kind: 'nowhere', // no adapter: the rows stay queued
        payload: {},
      })),
    );
    const first = await relay.api.get(`${BASE}?shop_id=${owner.shop.id}&limit=2&status=queued`, {
      token: owner.token,
    });
    expect(first.body.result.count).toBe(102);
    expect(first.body.result.previous).toBeNull();
    expect(Object.fromEntries(new URL(first.body.result.next).searchParams)).toEqual({
      shop_id: String(owner.shop.id),
      limit: '2',
      offset: '2',
      status: 'queued',
    });
    const clamped = await relay.api.get(`${BASE}?shop_id=${owner.shop.id}&limit=500`, {
      token: owner.token,
    });
    expect(clamped.body.result.results).toHaveLength(100);
    const last = await relay.api.get(clamped.body.result.next, { token: owner.token });
    expect(last.body.result.results).toHaveLength(2);
    expect(last.body.result.next).toBeNull();
    expect(new URL(last.body.result.previous).searchParams.get('offset')).toBeNull();
  });

  it('shows a delivery with its attempts', async () => {
    const id = await enqueue(a.shop.id, { endpoint: endpointA, fail: true });
    await eventually(async () => (await status(a, id)) === 'dead');
    const r = await relay.api.get(`${BASE}${id}/?shop_id=${a.shop.id}`, { token: a.token });
    expect(r.status).toBe(200);
    expect(r.body.result).toMatchObject({
      id,
      status: 'dead',
      attempts: 1,
      last_error: 'HTTP 400: rejected',
    });
    expect(r.body.result.attempt_log).toEqual([
      {
        started_at: expect.any(String),
        duration_ms: expect.any(Number),
        outcome: 'permanent_error',
        error: 'HTTP 400: rejected',
        remote_id: null,
      },
    ]);
  });

  it('retries a dead delivery with fresh attempts, and refuses others with 409', async () => {
    const id = await enqueue(a.shop.id, { endpoint: endpointA, fail: true });
    await eventually(async () => (await status(a, id)) === 'dead');
    const before = receiver.received.length;
    receiver.respond(() => ({ status: 200 }));
    try {
      const r = await relay.api.post(`${BASE}${id}/retry/`, undefined, { token: a.token });
      expect(r.status).toBe(200);
      expect(r.body.result).toMatchObject({
        id,
        status: 'queued',
        last_error: null,
        max_attempts: 9,
      });
      await eventually(async () => (await status(a, id)) === 'sent');
      expect(receiver.received.length).toBe(before + 1);
      const d = (await relay.api.get(`${BASE}${id}/`, { token: a.token })).body.result;
      expect(d.attempt_log.map((x: { outcome: string }) => x.outcome)).toEqual([
        'permanent_error',
        'sent',
      ]);

      const again = await relay.api.post(`${BASE}${id}/retry/`, undefined, { token: a.token });
      expect(again.status).toBe(409);
      expect(again.body.errors.common).toMatch(/sent/);
      const queued = await enqueue(a.shop.id, { kind: 'nowhere' });
      expect(
        (await relay.api.post(`${BASE}${queued}/retry/`, undefined, { token: a.token })).status,
      ).toBe(409);
    } finally {
      receiver.respond((req) =>
        req.body.includes('"fail":true') ? { status: 400, body: 'rejected' } : { status: 200 },
      );
    }
    const missing = await relay.api.post(`${BASE}999999/retry/`, undefined, { token: a.token });
    expect(missing.status).toBe(404);
    const badId = await relay.api.post(`${BASE}abc/retry/`, undefined, { token: a.token });
    expect(badId.status).toBe(400);
    const badBody = await relay.api.post(`${BASE}${id}/retry/`, 'x', {
      token: a.token,
      headers: { 'content-type': 'text/plain' },
    });
    expect(badBody.status).toBe(415);
  });

  it("never shows or retries another shop's delivery, also with a secret key", async () => {
    const ofB = await enqueue(b.shop.id, { event: 'order.created', kind: 'nowhere' });
    await relay.db.run(sql(`UPDATE deliveries SET status = 'dead' WHERE id = ?`), [ofB]);
    const sk = (
      await relay.api.post(
        '/api/shop/keys/',
        { shop_id: a.shop.id, kind: 'secret' },
        { token: a.token },
      )
    ).body.result.key;
    for (const tokenA of [a.token, sk]) {
      await expectIsolated(relay.api, {
        base: BASE,
        tokenA,
        shopA: a.shop.id,
        shopB: b.shop.id,
        idOfB: ofB,
        deletable: false,
      });
      const r = await relay.api.post(`${BASE}${ofB}/retry/`, undefined, { token: tokenA });
      expect(r.status).toBe(404);
    }
    const mine = await relay.api.get(`${BASE}?shop_id=${b.shop.id}`, { token: b.token });
    expect(mine.body.result.results.map((d: { id: number }) => d.id)).toContain(ofB);
    expect(await relay.db.get(sql('SELECT status FROM deliveries WHERE id = ?'), [ofB])).toEqual({
      status: 'dead',
    });
  });
});
