import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVkFake, type FakeVkUser, type VkFake } from '../fakes/vk.js';
import { buildFlow, menuFlow } from '../helpers/flows.js';
import { startRelay, type Relay } from '../helpers/relay.js';
import { outcomesOf, ownerCalls, rowCounts, sendRounds } from '../relay/channels/fixtures.js';
import { vkBot, type VkBot } from '../relay/channels/vk-fixtures.js';
import {
  leadBody,
  orderOptin,
  postLead,
  widgetShop,
  type WidgetShop,
} from '../relay/public/fixtures.js';
import { alertManager, quickRetries, secretKeyOf, waitFor } from './messenger-shop.js';

/**
 * VK as a shop lives it, over real HTTP against the VK API fake and its Callback API events: a
 * lead alerts a manager in VK; a buyer follows the order page's vk.me link, their first
 * message carries the token as `ref`, and they hear about the order; a scenario's buttons are
 * callback buttons whose presses move it on and are answered; an event without the secret
 * changes nothing; an event VK sends twice is handled once; flood control, "too many requests"
 * and answers lost after VK took the message are retried until every message arrives once —
 * the random_id keeps a resent message from being a second one.
 */
describe('end to end: VK', () => {
  let fake: VkFake;
  let relay: Relay;
  let shop: WidgetShop;
  let vk: VkBot;
  let secretKey: string;
  let manager: FakeVkUser;

  beforeAll(async () => {
    fake = await startVkFake();
    relay = await startRelay({ vkApiUrl: fake.url }, quickRetries);
    shop = await widgetShop(relay);
    vk = await vkBot(relay, fake, shop);
    secretKey = await secretKeyOf(relay, shop);
    manager = fake.user('Manager');
    // The manager allowed the community's messages (VK: "Allow messages").
    expect((await fake.allows(vk.community, manager)).text).toBe('ok');
    await alertManager(relay, shop, { type: 'vk', bot_id: vk.bot.id, chat_id: manager.id });
  });
  afterAll(async () => {
    await relay.close();
    await fake.close();
  });

  const { userOf: botUser, historyIn } = ownerCalls(() => ({
    relay,
    owner: shop,
    botId: vk.bot.id,
  }));

  it('alerts a manager of a lead in VK, as plain text, once', async () => {
    const r = await postLead(
      relay,
      leadBody(shop.pk, { fields: { name: '<b>Ann</b> & Sons', phone: '+7 912 345-67-89' } }),
    );
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const alert = await waitFor(() => fake.messagesTo(manager)[0]);
    expect(alert.text).toMatch(
      new RegExp(
        `^New lead #${r.body.result.lead_id}: callback\\nName: <b>Ann</b> & Sons\\nPhone: \\+79123456789`,
      ),
    );
    await new Promise((res) => setTimeout(res, 300));
    expect(fake.messagesTo(manager)).toHaveLength(1);
  });

  it('links a buyer whose first message carries the vk.me link’s ref, then tells them about the order', async () => {
    const { orderId, token, url } = await orderOptin(relay, shop, {
      secretKey,
      botId: vk.bot.id,
      externalId: 'VK-42',
      currency: 'RUB',
    });
    const link = new URL(url);
    expect(`${link.origin}${link.pathname}`).toBe(`https://vk.me/${vk.community.screen_name}`);
    expect(link.searchParams.get('ref')).toBe(token);

    const buyer = fake.user('Bea', 3);
    expect((await fake.writes(vk.community, buyer, 'Hi!', { ref: token })).text).toBe('ok');
    const confirm = await waitFor(() => fake.messagesTo(buyer)[0]);
    expect(confirm.text).toBe('You will get updates about order 42 here.');
    const order = await relay.api.get(`/api/store/orders/${orderId}/`, { token: secretKey });
    expect(order.body.result.subscribers_count).toBe(1);
    const user = await botUser(buyer.id);
    expect(user.store).toMatchObject({ subscribed_to_bot: true, start_parameter: token });

    await relay.api.patch(
      `/api/store/orders/${orderId}/`,
      { status: 'shipped' },
      { token: secretKey },
    );
    const news = await waitFor(() => fake.messagesTo(buyer)[1]);
    expect(news.text).toBe('Your order 42 has shipped.');
    const history = await historyIn(user.id);
    expect(history).toEqual([['command', '/start']]);
    expect(JSON.stringify(history)).not.toContain(token);
  });

  it('runs a scenario whose buttons are callback buttons; a press moves it on and is answered, once however often VK sends it', async () => {
    const flow = await buildFlow(
      relay.api,
      { token: shop.token, shopId: shop.shopId, botId: vk.bot.id },
      menuFlow('Delivery times'),
      { welcome: true },
    );
    const visitor = fake.user('Cleo');
    const hi = await fake.writes(vk.community, visitor, 'Hi');
    // VK sends the same event again (it got no "ok" in time): handled once.
    await fake.post(
      vk.community,
      'message_new',
      {
        message: {
          id: 999_001,
          from_id: visitor.id,
          peer_id: visitor.id,
          text: 'Hi',
          attachments: [],
        },
      },
      { eventId: hi.eventId },
    );
    const menu = await waitFor(() => fake.messagesTo(visitor)[0]);
    expect(menu.text).toBe('Hello! How can we help?');
    expect(menu.keyboard.inline).toBe(true);
    const buttons = menu.keyboard.buttons.flat();
    expect(buttons.map((b: any) => [b.action.type, b.action.label])).toEqual([
      ['callback', 'Delivery times'],
      ['callback', 'Sizes'],
      ['open_link', 'Our prices'],
    ]);
    expect(JSON.parse(buttons[0].action.payload)).toEqual({
      d: expect.stringMatching(new RegExp(`^mi:${flow.items['greet/Delivery times']}:\\d+$`)),
    });
    expect(buttons[2].action.link).toBe('https://sofa.example/prices');

    const press = await fake.press(vk.community, visitor, buttons[0]);
    expect(press.text).toBe('ok');
    // The same press event delivered twice moves the scenario once.
    await fake.post(
      vk.community,
      'message_event',
      {
        user_id: visitor.id,
        peer_id: visitor.id,
        event_id: press.pressId,
        payload: JSON.parse(buttons[0].action.payload),
      },
      { eventId: press.eventId },
    );
    await waitFor(() => fake.messagesTo(visitor)[2]);
    expect(fake.answers.find((a) => a.event_id === press.pressId)).toMatchObject({
      user_id: visitor.id,
      event_data: null,
    });
    // A press on the old menu: answered with a notice, nothing moves.
    const stale = await fake.press(vk.community, visitor, buttons[1]);
    await waitFor(() => fake.answers.find((a) => a.event_id === stale.pressId));
    expect(fake.answers.find((a) => a.event_id === stale.pressId)!.event_data).toMatchObject({
      type: 'show_snackbar',
      text: expect.any(String),
    });
    await new Promise((res) => setTimeout(res, 1_500));
    expect(fake.messagesTo(visitor).map((m) => m.text)).toEqual([
      'Hello! How can we help?',
      'We deliver in 3 days.',
      'Our sofas are 2 or 3 metres long.',
    ]);
    const user = await botUser(visitor.id);
    expect(await historyIn(user.id)).toEqual([
      ['text', 'Hi'],
      ['callback', 'Delivery times'],
      ['callback', 'Sizes'],
    ]);
  });

  it('refuses events without the secret or with a wrong one with 401, and nothing they claim happens', async () => {
    const before = await rowCounts(relay);
    const eve = fake.user('Eve');
    const message = { message: { id: 5, from_id: eve.id, peer_id: eve.id, text: 'hi', ref: 'x' } };
    for (const secret of ['guessed', null, `${vk.secret} `])
      expect((await fake.post(vk.community, 'message_new', message, { secret })).status).toBe(401);
    const deny = await fake.post(
      vk.community,
      'message_deny',
      { user_id: manager.id },
      { secret: 'guessed' },
    );
    expect(deny.status).toBe(401);
    expect(await rowCounts(relay)).toEqual(before);
    expect((await botUser(manager.id)).store.subscribed_to_bot).toBe(true);
  });

  it('retries flood control, too many requests and lost answers until all 45 messages arrive, none twice', async () => {
    const ids: number[] = [];
    const people: FakeVkUser[] = [];
    for (let i = 0; i < 15; i++) {
      const p = fake.user(`P${i}`);
      await fake.allows(vk.community, p);
      await fake.writes(vk.community, p, 'hello');
      people.push(p);
      ids.push((await botUser(p.id)).id);
    }
    // Let the welcome flow's messages go first.
    await waitFor(() => people.every((p) => fake.messagesTo(p).length >= 1), 20_000);
    fake.failNext(6, 9, 6, 10);
    fake.loseNextAnswers(2);
    fake.setFaults({ flood: 0.15, internal: 0.05, lostAnswer: 0.1 });
    let asked: string[];
    try {
      asked = await sendRounds(relay, shop, ids, 3);
    } finally {
      fake.setFaults({});
    }
    const texts = fake.messages.filter((m) => m.text.startsWith('message ')).map((m) => m.text);
    expect(texts.sort()).toEqual(asked.sort());
    const outcomes = outcomesOf(fake.attempts);
    expect(outcomes['6']).toBeGreaterThanOrEqual(2);
    expect(outcomes['9']).toBeGreaterThanOrEqual(1);
    // Sent again after the answer was lost: VK kept one message per random_id.
    expect(outcomes['lost answer']).toBeGreaterThanOrEqual(2);
    expect(outcomes['same random_id']).toBeGreaterThanOrEqual(2);
    expect(outcomes['911'] ?? 0).toBe(0);
    expect(outcomes['901'] ?? 0).toBe(0);
  }, 90_000);
});
