import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramFake, type TelegramFake } from '../../fakes/telegram.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { deliveryOf, eventually, subscribe, telegramBot, tgUser } from './fixtures.js';

/** The Telegram adapter through the worker, against the fake Bot API over real HTTP. */
describe('Telegram adapter', () => {
  let fake: TelegramFake;
  let relay: Relay;
  let owner: Owner;
  let bot: { id: number; shop_id: number; bot_type: 'telegram' };

  beforeAll(async () => {
    fake = await startTelegramFake();
    relay = await startRelay(
      { telegramApiUrl: fake.url },
      { worker: { backoff: () => 100, sendTimeoutMs: 2_000 }, channels: { pollTimeoutS: 1 } },
    );
    owner = await userWithShop(relay);
    ({ bot } = await telegramBot(relay, fake, owner));
  });
  afterAll(async () => {
    await relay.close();
    await fake.close();
  });

  const send = (bot_user_id: number, body: Record<string, unknown> = {}) =>
    relay.api.post(
      '/api/bot/messages/send_message/',
      { shop_id: owner.shop.id, bot_user_id, payload: { text: 'Hello' }, ...body },
      { token: owner.token },
    );
  const sentMessage = (id: number) =>
    eventually(async () => {
      const r = await relay.api.get(`/api/bot/messages/${id}/`, { token: owner.token });
      return ['sent', 'dead'].includes(r.body.result.status) && r.body.result;
    }, 8_000);

  it('sends a text and records Telegram’s message_id as the remote id', async () => {
    const user = tgUser();
    const bu = await subscribe(relay, bot, user);
    const r = await send(bu.id, { payload: { text: 'Your code: <b>&</b>' } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.result).toMatchObject({ status: 'queued', direction: 'out', bot_user_id: bu.id });
    const done = await sentMessage(r.body.result.id);
    const [msg] = fake.messagesTo(user.id);
    expect(msg).toMatchObject({ plain: 'Your code: <b>&</b>', parse_mode: 'HTML' });
    expect(msg.raw).toBe('Your code: &lt;b&gt;&amp;&lt;/b&gt;');
    expect(done).toMatchObject({ status: 'sent', remote_id: String(msg.message_id) });
  });

  it('splits a text over 4,096 characters into parts sent in order, as one delivery', async () => {
    const user = tgUser();
    const bu = await subscribe(relay, bot, user);
    const lines = Array.from({ length: 180 }, (_, i) => `${i}: ${'word '.repeat(9)}`);
    const r = await send(bu.id, { payload: { text: lines.join('\n') } });
    const done = await sentMessage(r.body.result.id);
    const parts = fake.messagesTo(user.id);
    expect(parts.length).toBe(3);
    expect(parts.map((p) => p.plain).join('\n')).toBe(lines.join('\n'));
    for (const p of parts) expect(p.plain.length).toBeLessThanOrEqual(4096);
    expect(done.remote_id).toBe(parts.map((p) => p.message_id).join(','));
    // One row; on a busy machine a part may meet a 429 and be retried, never resent whole.
    expect((await deliveryOf(relay, done.delivery_id)).status).toBe('sent');
  });

  it('sends a photo with its caption and an inline keyboard of URL and step buttons', async () => {
    const user = tgUser();
    const bu = await subscribe(relay, bot, user);
    const flow = await relay.api.post(
      '/api/bot/flows/',
      { shop_id: owner.shop.id, bot_id: bot.id, name: 'Flow' },
      { token: owner.token },
    );
    const step = await relay.api.post(
      '/api/bot/steps/',
      {
        shop_id: owner.shop.id,
        flow_id: flow.body.result.id,
        type: 'message',
        payload: { text: 'Hi' },
      },
      { token: owner.token },
    );
    expect(step.status, JSON.stringify(step.body)).toBe(201);
    const r = await send(bu.id, {
      payload: { text: 'New arrivals', image_url: 'https://shop.example/new.png' },
      inline_buttons: [
        { text: 'Open shop', url: 'https://shop.example/' },
        { text: 'Tell me more', step_id: step.body.result.id },
      ],
      inline_buttons_cols: 2,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.result.inline_buttons).toEqual([
      { text: 'Open shop', url: 'https://shop.example/' },
      { text: 'Tell me more', step_id: step.body.result.id },
    ]);
    await sentMessage(r.body.result.id);
    const [photo] = fake.messagesTo(user.id);
    expect(photo).toMatchObject({
      method: 'sendPhoto',
      photo: 'https://shop.example/new.png',
      plain: 'New arrivals',
      reply_markup: {
        inline_keyboard: [
          [
            { text: 'Open shop', url: 'https://shop.example/' },
            { text: 'Tell me more', callback_data: `step:${step.body.result.id}` },
          ],
        ],
      },
    });
  });

  it('honours a 429’s retry_after exactly: the next attempt comes no sooner', async () => {
    const user = tgUser();
    const bu = await subscribe(relay, bot, user);
    fake.tooManyNext(1, 2);
    const r = await send(bu.id);
    const done = await sentMessage(r.body.result.id);
    const tries = fake.attempts.filter((a) => a.chat_id === String(user.id));
    expect(tries.map((a) => a.outcome)).toEqual(['429', 'accepted']);
    const gap = tries[1].at - tries[0].at;
    expect(gap).toBeGreaterThanOrEqual(2000);
    expect(gap).toBeLessThan(3000);
    expect(done.status).toBe('sent');
  });

  it('retries 5xx answers until Telegram takes the message', async () => {
    const user = tgUser();
    const bu = await subscribe(relay, bot, user);
    fake.failNext(2);
    const r = await send(bu.id);
    const done = await sentMessage(r.body.result.id);
    expect(done.status).toBe('sent');
    expect((await deliveryOf(relay, done.delivery_id)).attempts).toBe(3);
    expect(fake.messagesTo(user.id)).toHaveLength(1);
  });

  it('unsubscribes a person who blocked the bot and sends them nothing more', async () => {
    const user = tgUser();
    const bu = await subscribe(relay, bot, user);
    fake.block(user.id);
    const first = await send(bu.id, { payload: { text: 'one' } });
    const second = await send(bu.id, { payload: { text: 'two' } });
    const a = await sentMessage(first.body.result.id);
    const b = await sentMessage(second.body.result.id);
    expect([a.status, b.status]).toEqual(['dead', 'dead']);
    expect(a.error).toMatch(/blocked by the user/);
    expect(b.error).toMatch(/unsubscribed/);
    expect((await deliveryOf(relay, a.delivery_id)).attempts).toBe(1);
    // One request reached Telegram: the second message never left the relay.
    expect(fake.attempts.filter((x) => x.chat_id === String(user.id))).toHaveLength(1);
    const read = await relay.api.get(`/api/bot/bot_users/${bu.id}/`, { token: owner.token });
    expect(read.body.result.store.subscribed_to_bot).toBe(false);
    const third = await send(bu.id);
    expect(third.status).toBe(409);
  });

  it('follows a group’s migration to a supergroup and rewrites the alert channel’s chat', async () => {
    const channel = await relay.api.post(
      '/api/notifications/channels/',
      {
        shop_id: owner.shop.id,
        type: 'telegram',
        bot_id: bot.id,
        chat_id: '-4242',
        events: ['order.created'],
      },
      { token: owner.token },
    );
    expect(channel.status, JSON.stringify(channel.body)).toBe(201);
    fake.migrate('-4242', -1004242);
    const order = await relay.api.post(
      '/api/store/orders/',
      { shop_id: owner.shop.id, number: 'M-1', items: [{ name: 'Lamp', qty: 1, price: 10 }] },
      { token: owner.token },
    );
    expect(order.status).toBe(201);
    const [alert] = await eventually(
      () => fake.messagesTo(-1004242).length > 0 && fake.messagesTo(-1004242),
      8_000,
    );
    expect(alert.plain).toContain('New order #M-1');
    const read = await relay.api.get(`/api/notifications/channels/${channel.body.result.id}/`, {
      token: owner.token,
    });
    expect(read.body.result.chat_id).toBe('-1004242');
  });

  it('spaces messages to one private chat a second apart, without a single 429', async () => {
    const user = tgUser();
    const bu = await subscribe(relay, bot, user);
    const ids: number[] = [];
    for (const text of ['a', 'b', 'c'])
      ids.push((await send(bu.id, { payload: { text } })).body.result.id);
    for (const id of ids) await sentMessage(id);
    const got = fake.messagesTo(user.id);
    expect(got.map((m) => m.plain)).toEqual(['a', 'b', 'c']);
    for (let i = 1; i < got.length; i++)
      expect(got[i].at - got[i - 1].at).toBeGreaterThanOrEqual(1000);
    expect(
      fake.attempts.filter((x) => x.chat_id === String(user.id) && x.outcome === '429'),
    ).toEqual([]);
  });
});
