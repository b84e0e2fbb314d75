import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../relay/db/sql.js';
import { startViberFake, type FakeViberUser, type ViberFake } from '../fakes/viber.js';
import { startVkFake, type FakeVkUser, type VkFake } from '../fakes/vk.js';
import { ERRORS, startWhatsAppFake, type WhatsAppFake } from '../fakes/whatsapp.js';
import { buildFlow } from '../helpers/flows.js';
import { startRelay, type Relay } from '../helpers/relay.js';
import { ownerCalls } from '../relay/channels/fixtures.js';
import { viberBot, viberRelay, type ViberBot } from '../relay/channels/viber-fixtures.js';
import { vkBot, type VkBot } from '../relay/channels/vk-fixtures.js';
import { waUser, whatsappBot, type WhatsAppBot } from '../relay/channels/whatsapp-fixtures.js';
import { orderOptin, widgetShop, type WidgetShop } from '../relay/public/fixtures.js';
import { quickRetries, secretKeyOf, waitFor } from './messenger-shop.js';

/**
 * A person who left the bot in their messenger (Viber's `unsubscribed`, VK's `message_deny`, a
 * WhatsApp send that came back undeliverable) and later writes to it again is subscribed
 * again — the messenger lets the bot answer them again — so the next order message reaches
 * them, and staff hear of the returning subscriber; the welcome flow does not run a second
 * time. A person a manager switched off through the API stays off when they write, until a
 * manager switches them on or they follow the shop's link again.
 */

const WELCOME = 'Welcome to Sofa Shop!';

/** The shop's welcome flow: one message on every start. */
const welcomeFlow = (relay: Relay, shop: WidgetShop, botId: number) =>
  buildFlow(
    relay.api,
    { token: shop.token, shopId: shop.shopId, botId },
    [{ key: 'hi', type: 'message', text: WELCOME }],
    { welcome: true },
  );

/** How often `bot_user.subscribed` was raised for this bot user (the shop's event log). */
const subscribedEvents = async (relay: Relay, botUserId: number) =>
  (
    await relay.db.all(
      sql<[], { data: string }>(`SELECT data FROM shop_events WHERE type = 'bot_user.subscribed'`),
    )
  ).filter((e) => JSON.parse(e.data).bot_user_id === botUserId).length;

/** Deliveries queued for this bot user so far: an order message refused queues none. */
const deliveriesTo = async (relay: Relay, botUserId: number) =>
  (await relay.db.value(
    sql<[number], { n: number }>(`SELECT count(*) AS n FROM deliveries WHERE bot_user_id = ?`),
    [botUserId],
  ))!;

/**
 * What a shop's backend and manager do around one messenger's bot: move an order on, send a
 * message to a bot user (answered 409 while they are unsubscribed), switch a bot user's
 * subscription, read a bot user.
 */
const shopCalls = (suite: () => { relay: Relay; shop: WidgetShop; botId: number; sk: string }) => {
  const owner = ownerCalls(() => {
    const { relay, shop, botId } = suite();
    return { relay, owner: shop, botId };
  });
  return {
    ...owner,
    orderStatus: async (orderId: number, status: string) => {
      const { relay, sk } = suite();
      const r = await relay.api.patch(`/api/store/orders/${orderId}/`, { status }, { token: sk });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    },
    switchTo: async (botUserId: number, on: boolean) => {
      const { relay, shop } = suite();
      const r = await relay.api.patch(
        `/api/bot/bot_users/${botUserId}/`,
        { store: { subscribed_to_bot: on } },
        { token: shop.token },
      );
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.result.store.subscribed_to_bot).toBe(on);
    },
    /**
     * Refused while the bot user is unsubscribed: a message is answered 409, and the order
     * moving on to `status` queues nothing for them.
     */
    expectRefused: async (botUserId: number, orderId: number, status = 'packed') => {
      const { relay } = suite();
      const before = await deliveriesTo(relay, botUserId);
      const sent = await owner.send(botUserId, { text: 'Are you there?' });
      expect(sent.status, JSON.stringify(sent.body)).toBe(409);
      const r = await relay.api.patch(
        `/api/store/orders/${orderId}/`,
        { status },
        { token: suite().sk },
      );
      expect(r.status).toBe(200);
      expect(await deliveriesTo(relay, botUserId)).toBe(before);
    },
  };
};

describe('a Viber person who unsubscribed and writes again', () => {
  let fake: ViberFake;
  let relay: Relay;
  let shop: WidgetShop;
  let vb: ViberBot;
  let sk: string;
  const manager = { id: '', name: 'Manager' } as FakeViberUser;

  beforeAll(async () => {
    fake = await startViberFake();
    relay = await viberRelay(fake, {}, quickRetries);
    shop = await widgetShop(relay);
    vb = await viberBot(relay, fake, shop);
    sk = await secretKeyOf(relay, shop);
    await welcomeFlow(relay, shop, vb.bot.id);
    // A manager hears of every new subscriber in Viber.
    Object.assign(manager, fake.user('Manager'));
    expect((await fake.subscribes(vb.account, manager)).status).toBe(200);
    const r = await relay.api.post(
      '/api/notifications/channels/',
      {
        shop_id: shop.shopId,
        type: 'viber',
        bot_id: vb.bot.id,
        chat_id: manager.id,
        events: ['bot_user.subscribed'],
      },
      { token: shop.token },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  });
  afterAll(async () => {
    await relay?.close();
    await fake?.close();
  });

  const calls = shopCalls(() => ({ relay, shop, botId: vb.bot.id, sk }));
  const textsTo = (u: FakeViberUser) => fake.messagesTo(u).map((m) => m.text);
  const alertsOf = (u: FakeViberUser) =>
    fake
      .messagesTo(manager)
      .filter((m) => m.text.startsWith('New subscriber') && m.text.includes(`Name: ${u.name}`));

  /** A buyer who opens the bot from the order page and writes: subscribed and welcomed. */
  const buyer = async (name: string, externalId: string) => {
    const { orderId, token } = await orderOptin(relay, shop, {
      secretKey: sk,
      botId: vb.bot.id,
      externalId,
    });
    const u = fake.user(name);
    expect((await fake.open(vb.account, u, { context: token })).status).toBe(200);
    expect((await fake.says(vb.account, u, 'Start')).status).toBe(200);
    const user = await calls.userOf(u.id);
    expect(user.store.subscribed_to_bot).toBe(true);
    await waitFor(() => textsTo(u).includes(WELCOME));
    return { u, id: user.id as number, orderId };
  };

  it('is subscribed again by their message: the next order message reaches them, the manager hears of them, no second welcome', async () => {
    const { u, id, orderId } = await buyer('Bea', 'VB-R1');
    await waitFor(() => alertsOf(u).length === 1);

    expect((await fake.unsubscribes(vb.account, u)).status).toBe(200);
    expect((await calls.userOf(u.id)).store.subscribed_to_bot).toBe(false);
    await calls.expectRefused(id, orderId);

    // Viber subscribes them with the message they send (a `message` callback, nothing else).
    expect((await fake.says(vb.account, u, 'Is my sofa on its way?')).status).toBe(200);
    expect((await calls.userOf(u.id)).store.subscribed_to_bot).toBe(true);
    expect(await subscribedEvents(relay, id)).toBe(2);
    await waitFor(() => alertsOf(u).length === 2);

    await calls.orderStatus(orderId, 'shipped');
    await waitFor(() => textsTo(u).includes('Your order 42 has shipped.'));
    expect(textsTo(u)).toEqual([WELCOME, 'Your order 42 has shipped.']);
    expect(await calls.historyIn(id)).toEqual([
      ['command', '/start'],
      ['text', 'Start'],
      ['text', 'Is my sofa on its way?'],
    ]);
  });

  it('stays unsubscribed when a manager switched them off, however they write, until a manager switches them on', async () => {
    const { u, id, orderId } = await buyer('Dan', 'VB-R2');
    await calls.switchTo(id, false);

    expect((await fake.says(vb.account, u, 'Hello?')).status).toBe(200);
    expect((await calls.userOf(u.id)).store.subscribed_to_bot).toBe(false);
    await calls.expectRefused(id, orderId);
    // Leaving in Viber and writing again does not undo the manager's decision either.
    expect((await fake.unsubscribes(vb.account, u)).status).toBe(200);
    expect((await fake.says(vb.account, u, 'Still there?')).status).toBe(200);
    expect((await calls.userOf(u.id)).store.subscribed_to_bot).toBe(false);
    await calls.expectRefused(id, orderId, 'paid');
    expect(await subscribedEvents(relay, id)).toBe(1);

    await calls.switchTo(id, true);
    await calls.orderStatus(orderId, 'shipped');
    await waitFor(() => textsTo(u).includes('Your order 42 has shipped.'));
    expect(textsTo(u)).toEqual([WELCOME, 'Your order 42 has shipped.']);
  });

  it('is subscribed again, after a manager switched them off, once they follow the shop’s link and write', async () => {
    const { u, id } = await buyer('Eve', 'VB-R3');
    await calls.switchTo(id, false);
    expect((await fake.unsubscribes(vb.account, u)).status).toBe(200);

    // A new order's link: Viber opens the chat (not subscribed there), then Start is a message.
    const next = await orderOptin(relay, shop, {
      secretKey: sk,
      botId: vb.bot.id,
      externalId: 'VB-R3b',
    });
    const opened = await fake.open(vb.account, u, { context: next.token });
    expect(opened.status).toBe(200);
    expect((await calls.userOf(u.id)).store.subscribed_to_bot).toBe(false);
    expect((await fake.press(vb.account, u, opened.body.keyboard.Buttons[0])).status).toBe(200);
    expect((await calls.userOf(u.id)).store.subscribed_to_bot).toBe(true);

    await calls.orderStatus(next.orderId, 'shipped');
    await waitFor(() => textsTo(u).includes('Your order 42 has shipped.'));
  });
});

describe('a WhatsApp person the messenger said is gone, who writes again', () => {
  let fake: WhatsAppFake;
  let relay: Relay;
  let shop: WidgetShop;
  let wa: WhatsAppBot;
  let sk: string;

  beforeAll(async () => {
    fake = await startWhatsAppFake({ windowErrors: 'async' });
    relay = await startRelay({ whatsappApiUrl: fake.url }, quickRetries);
    shop = await widgetShop(relay);
    wa = await whatsappBot(relay, fake, shop);
    sk = await secretKeyOf(relay, shop);
    await welcomeFlow(relay, shop, wa.bot.id);
  });
  afterAll(async () => {
    await relay?.close();
    await fake?.close();
  });

  const calls = shopCalls(() => ({ relay, shop, botId: wa.bot.id, sk }));
  const textsTo = (waId: string) => fake.messagesTo(waId).map((m) => m.text);

  /** A buyer whose first message carries the wa.me link's token: subscribed and welcomed. */
  const buyer = async (name: string, externalId: string) => {
    const { orderId, url } = await orderOptin(relay, shop, {
      secretKey: sk,
      botId: wa.bot.id,
      externalId,
    });
    const u = waUser(name);
    const prefilled = new URL(url).searchParams.get('text')!;
    expect((await fake.text(wa.number, u, prefilled)).status).toBe(200);
    const user = await calls.userOf(u.waId);
    expect(user.store.subscribed_to_bot).toBe(true);
    await waitFor(() => textsTo(u.waId).includes(WELCOME));
    return { u, id: user.id as number, orderId };
  };

  it('is subscribed again by their message after a send came back undeliverable (131026): the next order message reaches them', async () => {
    const { u, id, orderId } = await buyer('Flo', 'WA-R1');

    // Meta takes the order message, then reports it undeliverable: the person is gone.
    await calls.orderStatus(orderId, 'paid');
    const paid = await waitFor(() =>
      fake.messagesTo(u.waId).find((m) => m.text.startsWith('We have received your payment')),
    );
    // The relay has recorded it as sent (with WhatsApp's id) before the status comes.
    await waitFor(async () => {
      const row = await relay.db.get(
        sql<[string], { status: string }>(`SELECT status FROM deliveries WHERE remote_id = ?`),
        [paid.wamid],
      );
      return row?.status === 'sent';
    });
    expect((await fake.postStatus(paid, 'failed', ERRORS.undeliverable)).status).toBe(200);
    await waitFor(async () => (await calls.userOf(u.waId)).store.subscribed_to_bot === false);
    await calls.expectRefused(id, orderId);

    // They write again: their window is open, the bot may answer.
    expect((await fake.text(wa.number, u, 'Where is my sofa?')).status).toBe(200);
    expect((await calls.userOf(u.waId)).store.subscribed_to_bot).toBe(true);
    expect(await subscribedEvents(relay, id)).toBe(2);

    await calls.orderStatus(orderId, 'shipped');
    await waitFor(() => textsTo(u.waId).includes('Your order 42 has shipped.'));
    expect(textsTo(u.waId).filter((t) => t === WELCOME)).toHaveLength(1);
  });

  it('stays unsubscribed when a manager switched them off and they write', async () => {
    const { u, id, orderId } = await buyer('Gus', 'WA-R2');
    await calls.switchTo(id, false);
    expect((await fake.text(wa.number, u, 'Hello?')).status).toBe(200);
    expect((await calls.userOf(u.waId)).store.subscribed_to_bot).toBe(false);
    await calls.expectRefused(id, orderId);
    expect(await subscribedEvents(relay, id)).toBe(1);
  });
});

describe('a VK person who forbade the community’s messages and writes again', () => {
  let fake: VkFake;
  let relay: Relay;
  let shop: WidgetShop;
  let vk: VkBot;
  let sk: string;

  beforeAll(async () => {
    fake = await startVkFake();
    relay = await startRelay({ vkApiUrl: fake.url }, quickRetries);
    shop = await widgetShop(relay);
    vk = await vkBot(relay, fake, shop);
    sk = await secretKeyOf(relay, shop);
    await welcomeFlow(relay, shop, vk.bot.id);
  });
  afterAll(async () => {
    await relay?.close();
    await fake?.close();
  });

  const calls = shopCalls(() => ({ relay, shop, botId: vk.bot.id, sk }));
  const textsTo = (u: FakeVkUser) => fake.messagesTo(u).map((m) => m.text);

  /** A buyer whose first message carries the vk.me link's ref: subscribed and welcomed. */
  const buyer = async (name: string, externalId: string) => {
    const { orderId, token } = await orderOptin(relay, shop, {
      secretKey: sk,
      botId: vk.bot.id,
      externalId,
      currency: 'RUB',
    });
    const u = fake.user(name, 3);
    expect((await fake.writes(vk.community, u, 'Hi!', { ref: token })).text).toBe('ok');
    const user = await calls.userOf(u.id);
    expect(user.store.subscribed_to_bot).toBe(true);
    await waitFor(() => textsTo(u).includes(WELCOME));
    return { u, id: user.id as number, orderId };
  };

  it('is subscribed again by their message after message_deny: the next order message reaches them', async () => {
    const { u, id, orderId } = await buyer('Hal', 'VK-R1');

    expect((await fake.denies(vk.community, u)).text).toBe('ok');
    expect((await calls.userOf(u.id)).store.subscribed_to_bot).toBe(false);
    await calls.expectRefused(id, orderId);

    // Writing to the community lets it answer them again.
    expect((await fake.writes(vk.community, u, 'Is my sofa coming?')).text).toBe('ok');
    expect((await calls.userOf(u.id)).store.subscribed_to_bot).toBe(true);
    expect(await subscribedEvents(relay, id)).toBe(2);

    await calls.orderStatus(orderId, 'shipped');
    await waitFor(() => textsTo(u).includes('Your order 42 has shipped.'));
    expect(textsTo(u).filter((t) => t === WELCOME)).toHaveLength(1);
  });

  it('stays unsubscribed when a manager switched them off and they write', async () => {
    const { u, id, orderId } = await buyer('Ivy', 'VK-R2');
    await calls.switchTo(id, false);
    expect((await fake.writes(vk.community, u, 'Hello?')).text).toBe('ok');
    expect((await calls.userOf(u.id)).store.subscribed_to_bot).toBe(false);
    await calls.expectRefused(id, orderId);
    expect(await subscribedEvents(relay, id)).toBe(1);
  });
});
