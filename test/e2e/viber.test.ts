import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../relay/db/sql.js';
import { startViberFake, type FakeViberUser, type ViberFake } from '../fakes/viber.js';
import { buildFlow, menuFlow } from '../helpers/flows.js';
import type { Relay } from '../helpers/relay.js';
import {
  deliveryOf,
  outcomesOf,
  ownerCalls,
  rowCounts,
  sendRounds,
} from '../relay/channels/fixtures.js';
import { viberBot, viberRelay, type ViberBot } from '../relay/channels/viber-fixtures.js';
import {
  leadBody,
  orderOptin,
  postLead,
  widgetShop,
  type WidgetShop,
} from '../relay/public/fixtures.js';
import { alertManager, quickRetries, secretKeyOf, waitFor } from './messenger-shop.js';

/**
 * Viber as a shop lives it, over real HTTP against the REST Bot API fake: a lead alerts a
 * manager in Viber; a buyer opens the bot from the order page's deep link, is linked to the
 * order and welcomed, subscribes with their first message and then hears about the order; a
 * scenario's buttons are a keyboard whose presses move it on; a forged callback changes
 * nothing; a callback Viber delivers twice is handled once; "too many requests" is retried
 * until every message arrives, none twice.
 */
describe('end to end: Viber', () => {
  let fake: ViberFake;
  let relay: Relay;
  let shop: WidgetShop;
  let vb: ViberBot;
  let secretKey: string;
  const manager = { id: '', name: 'Manager', language: 'en' } as FakeViberUser;

  beforeAll(async () => {
    fake = await startViberFake();
    relay = await viberRelay(fake, {}, quickRetries);
    shop = await widgetShop(relay);
    vb = await viberBot(relay, fake, shop);
    secretKey = await secretKeyOf(relay, shop);
    Object.assign(manager, fake.user('Manager'));
    // The manager subscribed to the shop's bot; their id is in its bot users.
    expect((await fake.subscribes(vb.account, manager)).status).toBe(200);
    await alertManager(relay, shop, { type: 'viber', bot_id: vb.bot.id, chat_id: manager.id });
  });
  afterAll(async () => {
    await relay.close();
    await fake.close();
  });

  const { userOf: botUser, historyIn } = ownerCalls(() => ({
    relay,
    owner: shop,
    botId: vb.bot.id,
  }));

  it('alerts a manager of a lead in Viber, as plain text, once', async () => {
    const name = '<b>Ann</b> & Sons';
    const r = await postLead(
      relay,
      leadBody(shop.pk, { fields: { name, phone: '+7 912 345-67-89' } }),
    );
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const leadId = r.body.result.lead_id;
    const alert = await waitFor(() => fake.messagesTo(manager)[0]);
    expect(alert.type).toBe('text');
    expect(alert.body.sender.name).toBe(vb.account.name);
    expect(alert.text).toMatch(
      new RegExp(
        `^New lead #${leadId}: callback\\nName: <b>Ann</b> & Sons\\nPhone: \\+79123456789`,
      ),
    );
    await new Promise((res) => setTimeout(res, 300));
    expect(fake.messagesTo(manager)).toHaveLength(1);
  });

  it('links a buyer who opens the bot from the order page, subscribes them with their first message, then tells them about the order', async () => {
    const { orderId, token, url } = await orderOptin(relay, shop, {
      secretKey,
      botId: vb.bot.id,
      externalId: 'VB-42',
    });
    expect(url).toBe(`viber://pa?chatURI=${vb.account.uri}&context=${token}`);

    // Viber opens the chat and sends conversation_started with the link's context.
    const buyer = fake.user('Bea');
    const opened = await fake.open(vb.account, buyer, {
      context: new URL(url.replace('viber://', 'http://')).searchParams.get('context')!,
    });
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({
      type: 'text',
      text: 'You will get updates about order 42 here.\nPress “Start” to subscribe.',
    });
    const order = await relay.api.get(`/api/store/orders/${orderId}/`, { token: secretKey });
    expect(order.body.result.subscribers_count).toBe(1);
    const pending = await botUser(buyer.id);
    expect(pending.store).toMatchObject({ subscribed_to_bot: false, start_parameter: token });

    // Before their first message Viber would refuse any send: none is tried.
    await relay.api.patch(
      `/api/store/orders/${orderId}/`,
      { status: 'paid' },
      { token: secretKey },
    );
    await new Promise((res) => setTimeout(res, 300));
    expect(fake.attempts.filter((a) => a.to === buyer.id)).toEqual([]);

    // The Start button sends their first message: now subscribed.
    const start = opened.body.keyboard.Buttons[0];
    expect((await fake.press(vb.account, buyer, start)).status).toBe(200);
    expect((await botUser(buyer.id)).store.subscribed_to_bot).toBe(true);
    const shipped = await relay.api.patch(
      `/api/store/orders/${orderId}/`,
      { status: 'shipped' },
      { token: secretKey },
    );
    expect(shipped.status).toBe(200);
    const news = await waitFor(() => fake.messagesTo(buyer)[0]);
    expect(news.text).toBe('Your order 42 has shipped.');
    expect(fake.messagesTo(buyer)).toHaveLength(1);
    // The history keeps /start and what they wrote, never the token.
    const history = await historyIn(pending.id);
    expect(history).toEqual([
      ['command', '/start'],
      ['text', 'Start'],
    ]);
    expect(JSON.stringify(history)).not.toContain(token);
  });

  it('runs a scenario whose buttons are a keyboard; a press moves it on, and a press Viber delivers twice moves it once', async () => {
    const flow = await buildFlow(
      relay.api,
      { token: shop.token, shopId: shop.shopId, botId: vb.bot.id },
      menuFlow('Delivery <times>'),
      { welcome: true },
    );
    const visitor = fake.user('Cleo');
    await fake.open(vb.account, visitor);
    expect((await fake.says(vb.account, visitor, 'Hi')).status).toBe(200);
    const menu = await waitFor(() => fake.messagesTo(visitor)[0]);
    expect(menu.text).toBe('Hello! How can we help?');
    expect(menu.body.min_api_version).toBe(4);
    const buttons = menu.body.keyboard.Buttons;
    expect(buttons.map((b: any) => [b.ActionType, b.Text])).toEqual([
      ['reply', 'Delivery &lt;times&gt;'],
      ['reply', 'Sizes'],
      ['open-url', 'Our prices'],
    ]);
    expect(buttons[0]).toMatchObject({
      ActionBody: expect.stringMatching(
        new RegExp(`^mi:${flow.items['greet/Delivery <times>']}:\\d+$`),
      ),
      Silent: true,
    });
    expect(buttons[2].ActionBody).toBe('https://sofa.example/prices');

    // The same press delivered twice (Viber retries a callback it got no 200 for).
    const press = { ActionBody: buttons[0].ActionBody };
    const token = '9100000000000000001';
    expect((await fake.says(vb.account, visitor, press.ActionBody, { token })).status).toBe(200);
    expect((await fake.says(vb.account, visitor, press.ActionBody, { token })).status).toBe(200);
    await waitFor(() => fake.messagesTo(visitor)[2]);
    await new Promise((res) => setTimeout(res, 1_500));
    expect(fake.messagesTo(visitor).map((m) => m.text)).toEqual([
      'Hello! How can we help?',
      'We deliver in 3 days.',
      'Our sofas are 2 or 3 metres long.',
    ]);
    const user = await botUser(visitor.id);
    expect(await historyIn(user.id)).toEqual([
      ['command', '/start'],
      ['text', 'Hi'],
      ['callback', 'Delivery <times>'],
    ]);
  });

  it('refuses forged callbacks with 401, and nothing they claim happens', async () => {
    const before = await rowCounts(relay);
    const eve = fake.user('Eve');
    const forged = { signWith: 'not-the-auth-token' };
    for (const body of [
      {
        event: 'conversation_started',
        message_token: '1',
        user: { id: eve.id },
        subscribed: false,
      },
      { event: 'subscribed', message_token: '2', user: { id: eve.id } },
      {
        event: 'message',
        message_token: '3',
        sender: { id: eve.id },
        message: { type: 'text', text: 'hi' },
      },
      { event: 'unsubscribed', message_token: '4', user_id: manager.id },
    ])
      expect((await fake.post(vb.account, body, forged)).status).toBe(401);
    // A forged "failed" receipt moves no delivery either.
    const alert = fake.messagesTo(manager)[0];
    const row = await relay.db.get(
      sql<[string], { id: number; status: string }>(
        `SELECT id, status FROM deliveries WHERE remote_id = ?`,
      ),
      [alert.token],
    );
    const failed = await fake.post(
      vb.account,
      { event: 'failed', message_token: alert.token, user_id: manager.id, desc: 'x' },
      forged,
    );
    expect(failed.status).toBe(401);
    expect((await deliveryOf(relay, row!.id)).status).toBe(row!.status);
    expect(await rowCounts(relay)).toEqual(before);
    expect((await botUser(manager.id)).store.subscribed_to_bot).toBe(true);
  });

  it('retries "too many requests" (12) and unanswered sends until all 45 messages arrive, none twice', async () => {
    const people: FakeViberUser[] = [];
    const ids: number[] = [];
    for (let i = 0; i < 15; i++) {
      const p = fake.user(`P${i}`);
      await fake.says(vb.account, p, 'hello');
      people.push(p);
      ids.push((await botUser(p.id)).id);
    }
    fake.failNext(12, 12, 12);
    fake.setFaults({ tooMany: 0.2, hang: 0.05 });
    let asked: string[];
    try {
      asked = await sendRounds(relay, shop, ids, 3);
    } finally {
      fake.setFaults({});
    }
    const texts = fake.messages.filter((m) => m.text.startsWith('message ')).map((m) => m.text);
    expect(texts.sort()).toEqual(asked.sort());
    // Each person got their own three (a retried one may arrive after a later one).
    for (const [i, p] of people.entries())
      expect(
        fake
          .messagesTo(p)
          .map((m) => m.text)
          .filter((t) => t.startsWith('message '))
          .sort(),
      ).toEqual([0, 1, 2].map((round) => `message ${round}-${i}`));
    const outcomes = outcomesOf(fake.attempts);
    expect(outcomes['12']).toBeGreaterThanOrEqual(3);
    expect(outcomes['3'] ?? 0).toBe(0);
    expect(outcomes['6'] ?? 0).toBe(0);
  }, 90_000);
});
