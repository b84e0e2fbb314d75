import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../relay/db/sql.js';
import { startTelegramFake, type FakeMessage, type TelegramFake } from '../fakes/telegram.js';
import { updates } from '../fakes/telegram-updates.js';
import { testDatabase, type TestDatabase } from '../helpers/engine.js';
import { buildFlow, type BuiltFlow } from '../helpers/flows.js';
import { freePort } from '../helpers/process.js';
import { startRelay, type Relay } from '../helpers/relay.js';
import { eventually, telegramBot, tgUser } from '../relay/channels/fixtures.js';
import { widgetShop, type WidgetShop } from '../relay/public/fixtures.js';

/**
 * A bot scenario as a Telegram user lives it, over real HTTP: the fake Bot API posts updates
 * to the relay's webhook and records what the bot sends. /start → the welcome message with
 * buttons → a press → a question answered wrongly, then rightly → a lead and the managers'
 * alert → a delay that outlives a relay restart → the message after it.
 */
describe('bot scenario through Telegram', () => {
  const MANAGERS = -1009876543;
  const DELAY_S = 3;
  let database: TestDatabase;
  let fake: TelegramFake;
  let relay: Relay;
  let shop: WidgetShop;
  let botToken: string;
  let botId: number;
  let flow: BuiltFlow;
  const buyer = tgUser({ first_name: 'Ann' });

  const start = async () => {
    const port = await freePort();
    return startRelay(
      {
        ...database.config,
        port,
        publicUrl: `http://127.0.0.1:${port}`,
        publicUrlExplicit: true,
        telegramApiUrl: fake.url,
      },
      { scheduler: { maxSleepMs: 100 } },
    );
  };
  const toBuyer = () => fake.messagesTo(buyer.id);
  const nth = (n: number) =>
    eventually(() => toBuyer().length >= n && toBuyer()[n - 1], 8_000) as Promise<FakeMessage>;
  const send = async (update: Record<string, unknown>) => {
    const r = await fake.deliverUpdate(botToken, update);
    expect(r.status).toBe(200);
  };
  const callbackOf = (m: FakeMessage, title: string): string =>
    m.reply_markup.inline_keyboard.flat().find((b: { text: string }) => b.text === title)
      .callback_data;

  beforeAll(async () => {
    fake = await startTelegramFake();
    database = await testDatabase({ prefix: 'scenario' });
    relay = await start();
    shop = await widgetShop(relay);
    ({
      token: botToken,
      bot: { id: botId },
    } = await telegramBot(relay, fake, shop));
    const channel = await relay.api.post(
      '/api/notifications/channels/',
      {
        shop_id: shop.shopId,
        type: 'telegram',
        bot_id: botId,
        chat_id: String(MANAGERS),
        events: ['lead.created'],
      },
      { token: shop.token },
    );
    expect(channel.status, JSON.stringify(channel.body)).toBe(201);
    flow = await buildFlow(
      relay.api,
      { token: shop.token, shopId: shop.shopId, botId },
      [
        {
          key: 'greet',
          type: 'message',
          text: 'Hello, {{name}}! How can we help?',
          buttons: [
            { title: 'Call me back', to: 'ask' },
            { title: 'Our prices', url: 'https://shop.example/prices' },
          ],
        },
        {
          key: 'ask',
          type: 'question',
          text: 'Your phone number?',
          variable: 'phone',
          validate: 'phone',
          error_text: 'That does not look like a phone number.',
          next: 'lead',
        },
        {
          key: 'lead',
          type: 'lead',
          form: shop.formId,
          text: 'Thank you! A manager will call you.',
          next: 'wait',
        },
        { key: 'wait', type: 'delay', delay_seconds: DELAY_S, next: 'later' },
        { key: 'later', type: 'message', text: 'While you wait: 10% off with code HELLO.' },
      ],
      { welcome: true },
    );
  });
  afterAll(async () => {
    await relay.close();
    await fake.close();
    await database?.drop();
  });

  it('greets on /start with inline buttons whose callback data is a short id', async () => {
    await send(updates.start(buyer));
    const welcome = await nth(1);
    expect(welcome.plain).toBe('Hello, Ann Lee! How can we help?');
    const buttons = welcome.reply_markup.inline_keyboard.flat();
    expect(buttons.map((b: { text: string }) => b.text)).toEqual(['Call me back', 'Our prices']);
    expect(buttons[1].url).toBe('https://shop.example/prices');
    const data = buttons[0].callback_data as string;
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
    expect(data).toMatch(new RegExp(`^mi:${flow.items['greet/Call me back']}:\\d+$`));
  });

  it('moves on a press, answering the callback query, and asks the question', async () => {
    const welcome = await nth(1);
    await send(updates.press(buyer, welcome.message_id, callbackOf(welcome, 'Call me back')));
    expect((await nth(2)).plain).toBe('Your phone number?');
    const answered = fake.callsOf('answerCallbackQuery');
    expect(answered).toHaveLength(1);
    expect(answered[0].params.text).toBeUndefined();
  });

  it('asks again with the error text for a wrong answer, then saves the right one', async () => {
    await send(updates.text(buyer, 'call me maybe'));
    expect((await nth(3)).plain).toBe('That does not look like a phone number.');
    await send(updates.text(buyer, '+44 20 7946 0958'));
    expect((await nth(4)).plain).toBe('Thank you! A manager will call you.');

    const users = await relay.api.get(`/api/bot/bot_users/?shop_id=${shop.shopId}`, {
      token: shop.token,
    });
    const [user] = users.body.result.results;
    expect(user.store.user_vars).toEqual({ phone: '+442079460958' });
    expect(user.store.phone).toBe('+442079460958');
  });

  it('turns the variables into a lead of the form and alerts the managers', async () => {
    const leads = await relay.api.get(`/api/store/leads/?shop_id=${shop.shopId}`, {
      token: shop.token,
    });
    const rows = leads.body.result.results;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      form: shop.formId,
      fields: { name: 'Ann Lee', phone: '+442079460958' },
    });
    const alert = await eventually(() => fake.messagesTo(MANAGERS)[0], 8_000);
    expect(alert.plain).toContain('+442079460958');
  });

  it('tells the person an old menu is out of date instead of moving', async () => {
    const before = toBuyer().length;
    const welcome = toBuyer()[0];
    await send(updates.press(buyer, welcome.message_id, callbackOf(welcome, 'Call me back')));
    const answered = fake.callsOf('answerCallbackQuery');
    expect(answered).toHaveLength(2);
    expect(answered[1].params.text).toMatch(/out of date/);
    await new Promise((r) => setTimeout(r, 300));
    expect(toBuyer()).toHaveLength(before);
  });

  it('keeps the delay across a relay restart and then goes on', async () => {
    const run = (await relay.db.get(
      sql<undefined, { waiting: string; resume_at: string }>(
        'SELECT waiting, resume_at FROM scenario_runs',
      ),
    ))!;
    expect(run.waiting).toBe('delay');
    await relay.close();
    // Down for most of the delay; a new process on the same database finishes it.
    await new Promise((r) => setTimeout(r, 1_000));
    relay = await start();
    expect(toBuyer()).toHaveLength(4);
    const later = await nth(5);
    expect(later.plain).toBe('While you wait: 10% off with code HELLO.');
    expect(later.at).toBeGreaterThanOrEqual(Date.parse(run.resume_at));
    await new Promise((r) => setTimeout(r, 300));
    expect(toBuyer()).toHaveLength(5);
    // The new process ran one step (the message after the pause); no pause is left.
    const metrics = (await relay.api.get('/metrics')).text;
    expect(metrics).toMatch(/^touchpoint_scenario_steps_total 1$/m);
    expect(metrics).toMatch(/^touchpoint_scenario_delays_pending 0$/m);
  });

  it('keeps inbound messages and presses in the message history', async () => {
    const users = await relay.api.get(`/api/bot/bot_users/?shop_id=${shop.shopId}`, {
      token: shop.token,
    });
    const [user] = users.body.result.results;
    const history = await relay.api.get(
      `/api/bot/messages/?shop_id=${shop.shopId}&bot_user_id=${user.id}&direction=in&limit=50`,
      { token: shop.token },
    );
    const inbound = history.body.result.results.reverse();
    expect(inbound.map((m: any) => [m.content_type, m.payload.text])).toEqual([
      ['command', '/start'],
      ['callback', 'Call me back'],
      ['text', 'call me maybe'],
      ['text', '+44 20 7946 0958'],
      ['callback', 'Call me back'],
    ]);
  });
});
