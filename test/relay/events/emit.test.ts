import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tx } from '../../../relay/db/sql.js';
import { sql } from '../../../relay/db/sql.js';
import { emitInTx } from '../../../relay/events/emit.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { eventually, startReceiver, verify, type Receiver } from '../webhooks/receiver.js';

type DeliveryRow = {
  id: number;
  event: string;
  kind: string;
  channel_id: number | null;
  endpoint_id: number | null;
  bot_id: number | null;
  chat_id: string | null;
  payload: string;
  status: string;
};

describe('event fan-out', () => {
  let relay: Relay;
  let receiver: Receiver;
  let a: Owner;
  let b: Owner;
  let tgBot: number;
  let sandboxBot: number;
  const ids: Record<string, number> = {};
  let secret: string;

  beforeAll(async () => {
    // No Telegram adapter runs against a real server here: telegram rows are only inspected.
    relay = await startRelay({ webhookAllowPrivate: true, telegramApiUrl: 'http://127.0.0.1:9' });
    receiver = await startReceiver();
    a = await userWithShop(relay, 'A');
    b = await userWithShop(relay, 'B');
    const bot = async (shop_id: number, bot_type: 'telegram' | 'sandbox') =>
      (
        await relay.stores.bots.create({
          shop_id,
          bot_type,
          name: 'Alerts',
          credential: null,
          tg_bot_nickname: null,
        })
      ).id;
    tgBot = await bot(a.shop.id, 'telegram');
    sandboxBot = await bot(a.shop.id, 'sandbox');
    const channel = async (owner: Owner, body: Record<string, unknown>) => {
      const r = await relay.api.post(
        '/api/notifications/channels/',
        { shop_id: owner.shop.id, ...body },
        { token: owner.token },
      );
      expect(r.status).toBe(201);
      return r.body.result.id as number;
    };
    const all = ['lead.created', 'order.created', 'order.status_changed'];
    ids.telegram = await channel(a, {
      type: 'telegram',
      bot_id: tgBot,
      chat_id: '-100777',
      events: all,
    });
    ids.sandbox = await channel(a, {
      type: 'telegram',
      bot_id: sandboxBot,
      chat_id: '5',
      events: ['lead.created'],
    });
    ids.hook = await channel(a, { type: 'webhook', url: `${receiver.url}/alerts`, events: all });
    ids.off = await channel(a, {
      type: 'webhook',
      url: `${receiver.url}/off`,
      events: all,
      enabled: false,
    });
    ids.ordersOnly = await channel(a, {
      type: 'webhook',
      url: `${receiver.url}/orders`,
      events: ['order.created'],
    });
    const botB = (
      await relay.stores.bots.create({
        shop_id: b.shop.id,
        bot_type: 'telegram',
        name: 'B',
        credential: null,
        tg_bot_nickname: null,
      })
    ).id;
    ids.ofB = await channel(b, { type: 'telegram', bot_id: botB, chat_id: '1', events: all });
    const ep = await relay.api.post(
      '/api/webhooks/endpoints/',
      { shop_id: a.shop.id, url: `${receiver.url}/endpoint`, events: all },
      { token: a.token },
    );
    ids.endpoint = ep.body.result.id;
    secret = ep.body.result.secret;
    await relay.api.post(
      '/api/store/forms/',
      {
        shop_id: a.shop.id,
        name: 'callback',
        fields: [
          { name: 'name', label: { en: 'Your name' }, type: 'text', required: true },
          { name: 'comment', label: { en: 'Comment' }, type: 'textarea' },
        ],
      },
      { token: a.token },
    );
  });
  afterAll(async () => {
    await relay.close();
    await receiver.close();
  });

  const rowsSince = async (id: number, shopId = a.shop.id) =>
    (
      (await relay.db.all(
        sql('SELECT * FROM deliveries WHERE id > ? AND shop_id = ? ORDER BY id'),
        [id, shopId],
      )) as DeliveryRow[]
    ).map((r) => ({ ...r, payload: JSON.parse(r.payload) }));
  const lastId = async () =>
    (await relay.db.value(
      sql<undefined, { id: number }>('SELECT coalesce(max(id), 0) AS id FROM deliveries'),
    ))!;

  it('queues a lead’s alerts and webhooks for every enabled, subscribed target of the shop', async () => {
    const since = await lastId();
    const r = await relay.api.post(
      '/api/store/leads/',
      {
        shop_id: a.shop.id,
        form: 'callback',
        fields: { name: '<script>x</script>', comment: 'Fish & chips' },
      },
      { token: a.token },
    );
    expect(r.status).toBe(201);
    const lead = r.body.result;
    const rows = await rowsSince(since);
    expect(rows.map((d) => [d.kind, d.channel_id ?? `endpoint ${d.endpoint_id}`])).toEqual([
      ['telegram', ids.telegram],
      ['sandbox', ids.sandbox],
      ['webhook', ids.hook],
      ['webhook', `endpoint ${ids.endpoint}`],
    ]);
    expect(rows.every((d) => d.event === 'lead.created')).toBe(true);
    const [tg, , hook, endpoint] = rows;
    expect(tg).toMatchObject({ bot_id: tgBot, chat_id: '-100777' });
    expect(tg.payload.parse_mode).toBe('HTML');
    expect(tg.payload.text).toContain('<b>Your name:</b> &lt;script&gt;x&lt;/script&gt;');
    expect(tg.payload.text).toContain('<b>Comment:</b> Fish &amp; chips');
    expect(tg.payload.text).toContain(`<b>New lead #${lead.id}: callback</b>`);
    expect(hook.payload).toEqual({
      url: `${receiver.url}/alerts`,
      body: {
        event: 'lead.created',
        text: expect.stringContaining('Your name: <script>x</script>'),
        data: lead,
      },
    });
    expect(endpoint.payload).toEqual({
      type: 'lead.created',
      timestamp: lead.created_at,
      data: lead,
    });
    expect(await rowsSince(since, b.shop.id)).toEqual([]);

    // Both webhooks arrive: the endpoint's signed, the alert channel's with `text` for people.
    const reqs = await receiver.waitFor(2);
    const byPath = Object.fromEntries(reqs.map((q) => [q.path, q]));
    expect(verify(secret, byPath['/endpoint']).data.id).toBe(lead.id);
    const alert = JSON.parse(byPath['/alerts'].body);
    expect(alert.event).toBe('lead.created');
    expect(alert.text.split('\n')[0]).toBe(`New lead #${lead.id}: callback`);
    expect(byPath['/alerts'].headers['webhook-id']).toBe(`msg_${hook.id}`);
    expect(byPath['/alerts'].headers).not.toHaveProperty('webhook-signature');
  });

  it('queues nothing for a spam lead', async () => {
    const since = await lastId();
    await relay.api.post(
      '/api/store/leads/',
      { shop_id: a.shop.id, fields: { name: 'bot' }, spam: true },
      { token: a.token },
    );
    expect(await rowsSince(since)).toEqual([]);
  });

  it('queues order.created on create and order.status_changed on a new status only', async () => {
    let since = await lastId();
    const created = await relay.api.post(
      '/api/store/orders/',
      {
        shop_id: a.shop.id,
        external_id: 'o-1',
        number: '1001',
        items: [{ name: 'Mug', qty: 2, price: 9.5 }],
        currency: 'USD',
      },
      { token: a.token },
    );
    expect(created.status).toBe(201);
    const order = created.body.result;
    let rows = await rowsSince(since);
    expect(rows.map((d) => d.channel_id ?? 'endpoint')).toEqual([
      ids.telegram,
      ids.hook,
      ids.ordersOnly,
      'endpoint',
    ]);
    expect(rows[0].payload.text).toContain('<b>Mug:</b> 2 × $9.50');
    expect(rows[0].payload.text).toContain('<b>Total:</b> $19.00');

    since = await lastId();
    await relay.api.patch(`/api/store/orders/${order.id}/`, { status: 'paid' }, { token: a.token });
    rows = await rowsSince(since);
    expect(rows.map((d) => d.event)).toEqual([
      'order.status_changed',
      'order.status_changed',
      'order.status_changed',
    ]);
    expect(rows[0].payload.text.split('\n')[0]).toBe('<b>Order #1001: new → paid</b>');
    expect(rows[2].payload.data).toMatchObject({
      id: order.id,
      status: 'paid',
      previous_status: 'new',
    });

    since = await lastId();
    await relay.api.patch(
      `/api/store/orders/${order.id}/`,
      { status: 'paid', number: '1001b' },
      { token: a.token },
    );
    expect(await rowsSince(since)).toEqual([]);

    // The store backend repeating its POST with the same external_id and a new status.
    since = await lastId();
    await relay.api.post(
      '/api/store/orders/',
      { shop_id: a.shop.id, external_id: 'o-1', number: '1001b', status: 'shipped' },
      { token: a.token },
    );
    rows = await rowsSince(since);
    expect(rows).toHaveLength(3);
    expect(rows[0].payload.text.split('\n')[0]).toBe('<b>Order #1001b: paid → shipped</b>');
  });

  it('queues in the caller’s transaction: a rollback leaves no delivery, and outside one it throws', async () => {
    const since = await lastId();
    const event = {
      shop_id: a.shop.id,
      event: 'lead.created' as const,
      data: { id: 0, fields: {} },
    };
    const failing = relay.db.tx(async (tx) => {
      expect(await emitInTx(tx, relay.stores, event)).toHaveLength(4);
      throw new Error('the lead could not be stored');
    });
    await expect(failing).rejects.toThrow('could not be stored');
    expect(await rowsSince(since)).toEqual([]);
    await expect(emitInTx(relay.db as unknown as Tx, relay.stores, event)).rejects.toThrow(
      /inside the event's write transaction/,
    );
  });

  it('queues bot_user.subscribed for channels subscribed to it', async () => {
    const hook = await relay.api.post(
      '/api/notifications/channels/',
      {
        shop_id: a.shop.id,
        type: 'webhook',
        url: `${receiver.url}/subs`,
        events: ['bot_user.subscribed'],
      },
      { token: a.token },
    );
    const since = await lastId();
    await relay.db.tx((tx) =>
      emitInTx(tx, relay.stores, {
        shop_id: a.shop.id,
        event: 'bot_user.subscribed',
        data: { id: 5, name: 'Ann', bot: { id: tgBot, name: 'Alerts', bot_type: 'telegram' } },
      }),
    );
    const rows = await rowsSince(since);
    expect(rows.map((d) => d.channel_id)).toEqual([hook.body.result.id]);
    expect(rows[0].payload.body.text).toBe(
      'New subscriber\nName: Ann\nMessenger: telegram (Alerts)',
    );
    await eventually(() => receiver.received.some((r) => r.path === '/subs'));
  });
});
