import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderOrderMessage } from '../../../relay/orders/notify.js';
import type { Order } from '../../../relay/orders/schemas.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { sql } from '../../../relay/db/sql.js';

const order = (over: Partial<Order> = {}) =>
  ({ id: 1, number: '1001', status: 'shipped', total: 49.9, currency: 'USD', ...over }) as Order;

describe('buyer message templates', () => {
  it('uses the built-in text for common statuses and a generic one otherwise', () => {
    expect(renderOrderMessage(order(), undefined)).toBe('Your order 1001 has shipped.');
    expect(renderOrderMessage(order({ status: 'packing' }), {})).toBe(
      'Your order 1001 is now: packing.',
    );
  });

  it('fills the shop’s template per status, its `*` text for the others, escaping every value once', () => {
    const templates = {
      shipped:
        'Order {order.number} ({order.total} {order.currency}) is {order.status} & on its way',
      '*': 'Order {order.number}: {order.status} {unknown}',
    };
    expect(renderOrderMessage(order({ number: '<b>7</b>' }), templates)).toBe(
      'Order &lt;b&gt;7&lt;/b&gt; (49.90 USD) is shipped &amp; on its way',
    );
    expect(
      renderOrderMessage(order({ status: 'paid', total: 1200, currency: 'JPY' }), templates),
    ).toBe('Order 1001: paid {unknown}');
    expect(
      renderOrderMessage(order({ total: 1200, currency: 'JPY' }), { shipped: '{order.total}' }),
    ).toBe('1200');
  });
});

/** Order status changes → messages to the order's subscribers, through the sandbox messenger. */
describe('buyer messages on order status changes', () => {
  let relay: Relay;
  let owner: Owner;
  let bot: { id: number; shop_id: number; bot_type: 'sandbox' };

  beforeAll(async () => {
    relay = await startRelay({ demo: true });
    owner = await userWithShop(relay, 'Shop', { demo: true });
    bot = (
      await relay.api.post(
        '/api/bot/bots/',
        { shop_id: owner.shop.id, bot_type: 'sandbox', name: 'Buyer bot' },
        { token: owner.token },
      )
    ).body.result;
  });
  afterAll(() => relay.close());

  const newOrder = async (external_id: string) =>
    (
      await relay.api.post(
        '/api/store/orders/',
        { shop_id: owner.shop.id, external_id, number: external_id, total: 10, currency: 'EUR' },
        { token: owner.token },
      )
    ).body.result as Order;
  /** A person who subscribed through an opt-in naming the order. */
  const subscriber = async (o: Order, b = bot) => {
    const { token } = await relay.stores.optins.create({
      shop_id: owner.shop.id,
      bot_id: null,
      lead_id: null,
      order_id: o.id,
      visitor_id: null,
    });
    const id = String(Math.floor(Math.random() * 1e9) + 1);
    const r = await relay.channels.inbound.start(
      b,
      { messenger_user_id: id, chat_id: id, name: 'Buyer', lang_code: '', messenger_user_url: '' },
      token,
      { remoteId: null },
    );
    expect(r!.linked).toBe(true);
    return r!.botUser.id;
  };
  const setStatus = (o: Order, status: string) =>
    relay.api.patch(`/api/store/orders/${o.id}/`, { status }, { token: owner.token });
  const buyerDeliveries = (botUserId: number) =>
    relay.db.all(
      sql<[number], { kind: string; payload: string; chat_id: string }>(
        `SELECT * FROM deliveries WHERE bot_user_id = ? AND event = 'order.status_changed' ORDER BY id`,
      ),
      [botUserId],
    );

  it('queues the message in the order’s own transaction, with a history row', async () => {
    await relay.api.patch(
      `/api/shop/shops/${owner.shop.id}/`,
      { settings: { order_templates: { shipped: 'Parcel {order.number} left the warehouse' } } },
      { token: owner.token },
    );
    const o = await newOrder('N-1');
    const buyer = await subscriber(o);
    expect((await setStatus(o, 'shipped')).status).toBe(200);
    // Already there when the PATCH answers: written with the status change, not after it.
    const [d] = await buyerDeliveries(buyer);
    expect(d).toMatchObject({ kind: 'sandbox' });
    expect(JSON.parse(d.payload)).toEqual({
      text: 'Parcel N-1 left the warehouse',
      parse_mode: 'HTML',
    });
    const history = await relay.api.get(
      `/api/bot/messages/?shop_id=${owner.shop.id}&bot_user_id=${buyer}&direction=out`,
      {
        token: owner.token,
      },
    );
    expect(history.body.result.results[0].payload.text).toBe('Parcel N-1 left the warehouse');
  });

  it('reaches every subscribed buyer of the order, and nobody else', async () => {
    const o = await newOrder('N-2');
    const other = await newOrder('N-3');
    const one = await subscriber(o);
    const two = await subscriber(o);
    const gone = await subscriber(o);
    const elsewhere = await subscriber(other);
    await relay.api.patch(
      `/api/bot/bot_users/${gone}/`,
      { store: { subscribed_to_bot: false } },
      { token: owner.token },
    );
    await setStatus(o, 'delivered');
    expect(await buyerDeliveries(one)).toHaveLength(1);
    expect(await buyerDeliveries(two)).toHaveLength(1);
    expect(await buyerDeliveries(gone)).toHaveLength(0);
    expect(await buyerDeliveries(elsewhere)).toHaveLength(0);
    expect(JSON.parse((await buyerDeliveries(one))[0].payload).text).toBe(
      'Your order N-2 has been delivered.',
    );
  });

  it('sends nothing when the status stays the same or the bot is stopped', async () => {
    const o = await newOrder('N-4');
    const buyer = await subscriber(o);
    await relay.api.patch(`/api/store/orders/${o.id}/`, { number: 'N-4b' }, { token: owner.token });
    expect(await buyerDeliveries(buyer)).toHaveLength(0);
    await relay.api.post(`/api/bot/bot/${bot.id}/stop/`, undefined, { token: owner.token });
    await setStatus(o, 'paid');
    expect(await buyerDeliveries(buyer)).toHaveLength(0);
    await relay.api.post(`/api/bot/bot/${bot.id}/restart/`, undefined, { token: owner.token });
    await setStatus(o, 'shipped');
    expect(await buyerDeliveries(buyer)).toHaveLength(1);
  });
});
