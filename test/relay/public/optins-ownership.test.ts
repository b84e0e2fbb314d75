import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { eventually } from '../webhooks/receiver.js';
import { counts, leadBody, ORIGIN, postLead, widgetShop, type WidgetShop } from './fixtures.js';
import { sql } from '../../../relay/db/sql.js';

/**
 * Who may subscribe to what, as an attacker holding only the shop's publishable key (it is in
 * every page's HTML) would try it: through the real HTTP server, with the sandbox messenger
 * (its inbox API is the messenger's side) standing in for Telegram.
 */
describe('opt-in ownership', () => {
  let relay: Relay;
  let shop: WidgetShop;
  let botId: number;

  const optin = (body: Record<string, unknown>) =>
    relay.api.post(
      '/public/v1/optins',
      { key: shop.pk, bot_id: botId, ...body },
      { headers: { origin: ORIGIN } },
    );
  /** A person presses Start on the link with `token` in the messenger. */
  const start = async (token: string, name: string) => {
    const r = await relay.api.post('/demo/inbox/api/start', { bot_id: botId, name, token });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.result as { user_id: string; bot_user_id: number; linked: boolean };
  };
  const chat = async (userId: string) =>
    (await relay.api.get(`/demo/inbox/api/messages?bot_id=${botId}&chat_id=${userId}`)).body
      .result as { direction: string; payload: { text: string } }[];
  const order = async (body: Record<string, unknown>) => {
    const r = await relay.api.post(
      '/api/store/orders/',
      { shop_id: shop.shopId, ...body },
      { token: shop.token },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.result as { id: number; number: string; optin_ref: string };
  };
  const subscribersOf = async (orderId: number) =>
    (
      await relay.db.all(
        sql<[number], { bot_user_id: number }>(
          `SELECT bot_user_id FROM bot_user_orders WHERE order_id = ? ORDER BY bot_user_id`,
        ),
        [orderId],
      )
    ).map((r) => r.bot_user_id);

  beforeAll(async () => {
    relay = await startRelay({ demo: true, publicRateLimit: 0 });
    shop = await widgetShop(relay, { demo: true });
    const bot = await relay.api.post(
      '/api/bot/bots/',
      { shop_id: shop.shopId, bot_type: 'sandbox', name: 'Shop bot' },
      { token: shop.token },
    );
    expect(bot.status).toBe(201);
    botId = bot.body.result.id;
  });
  afterAll(() => relay.close());

  it('links nothing to someone who guesses order numbers or external ids as order_ref', async () => {
    const orders = [];
    for (let n = 1001; n <= 1005; n++)
      orders.push(await order({ number: String(n), external_id: `SHOP-${n}` }));
    const before = (await counts(relay)).optins;
    for (const o of orders) {
      for (const guess of [o.number, `SHOP-${o.number}`, String(o.id)]) {
        const r = await optin({ order_ref: guess });
        expect(r.status, guess).toBe(400);
        expect(r.body.errors.order_ref).toEqual([
          'No order has this reference: use the order’s optin_ref.',
        ]);
      }
    }
    expect((await counts(relay)).optins).toBe(before);
    for (const o of orders) expect(await subscribersOf(o.id)).toEqual([]);
  });

  it('refuses a lead_id the visitor did not send', async () => {
    const victim = leadBody(shop.pk, { visitor_id: 'victim-visitor' });
    const lead = (await postLead(relay, victim)).body.result.lead_id as number;
    const before = (await counts(relay)).optins;
    for (const body of [
      { lead_id: lead, visitor_id: 'attacker-visitor' },
      { lead_id: lead + 1, visitor_id: 'victim-visitor' },
      { lead_id: lead },
    ]) {
      const r = await optin(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    expect((await optin({ lead_id: lead })).body.errors.visitor_id).toBeDefined();
    expect(
      (await optin({ lead_id: lead, visitor_id: 'attacker-visitor' })).body.errors.lead_id,
    ).toEqual(['This visitor sent no lead with this id.']);
    expect((await counts(relay)).optins).toBe(before);
    // The visitor who sent it may.
    expect((await optin({ lead_id: lead, visitor_id: 'victim-visitor' })).status).toBe(201);
  });

  it('adds a second person to an order’s subscribers, and tells both when it ships', async () => {
    const o = await order({ number: '2001', external_id: 'GIFT-1' });
    const first = await start((await optin({ order_ref: o.optin_ref })).body.result.token, 'Ann');
    const second = await start((await optin({ order_ref: o.optin_ref })).body.result.token, 'Ben');
    expect([first.linked, second.linked]).toEqual([true, true]);
    expect(await subscribersOf(o.id)).toEqual([first.bot_user_id, second.bot_user_id]);
    const read = await relay.api.get(`/api/store/orders/${o.id}/`, { token: shop.token });
    expect(read.body.result.subscribers_count).toBe(2);

    const shipped = await relay.api.patch(
      `/api/store/orders/${o.id}/`,
      { status: 'shipped' },
      { token: shop.token },
    );
    expect(shipped.status).toBe(200);
    for (const person of [first, second]) {
      const message = await eventually(async () =>
        (await chat(person.user_id)).find((m) => m.payload.text === 'Your order 2001 has shipped.'),
      );
      expect(message.direction).toBe('out');
    }
  });

  it('keeps a lead with the first person who subscribed to it', async () => {
    const visitor = 'shared-laptop';
    const lead = (await postLead(relay, leadBody(shop.pk, { visitor_id: visitor }))).body.result
      .lead_id as number;
    const leadNow = async () =>
      (await relay.api.get(`/api/store/leads/${lead}/`, { token: shop.token })).body.result;
    const webVisitor = (await leadNow()).bot_user_id;

    const first = await start(
      (await optin({ lead_id: lead, visitor_id: visitor })).body.result.token,
      'Ann',
    );
    expect(first.linked).toBe(true);
    // The widget's visitor record gives way to the person's messenger chat.
    expect(first.bot_user_id).not.toBe(webVisitor);
    expect((await leadNow()).bot_user_id).toBe(first.bot_user_id);

    // A second token of the same visitor, redeemed by somebody else: the lead stays Ann's.
    const second = await start(
      (await optin({ lead_id: lead, visitor_id: visitor })).body.result.token,
      'Mallory',
    );
    expect(second.bot_user_id).not.toBe(first.bot_user_id);
    expect((await leadNow()).bot_user_id).toBe(first.bot_user_id);
    const replies = await relay.api.get(
      `/api/store/leads/?shop_id=${shop.shopId}&bot_user_id=${second.bot_user_id}`,
      { token: shop.token },
    );
    expect(replies.body.result.count).toBe(0);
  });
});
