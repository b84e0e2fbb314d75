import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { startTelegramFake, type TelegramFake } from '../../fakes/telegram.js';
import { updates } from '../../fakes/telegram-updates.js';
import { freePort } from '../../helpers/process.js';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { leadBody, ORIGIN, postLead, widgetShop, type WidgetShop } from '../public/fixtures.js';
import { eventually, rowCounts, telegramBot, tgUser } from './fixtures.js';

/** Inbound Telegram updates through the webhook: /start with opt-in tokens, messages, blocks. */
describe('Telegram webhook', () => {
  let fake: TelegramFake;
  let relay: Relay;
  let shop: WidgetShop;
  let bot: { id: number; shop_id: number; bot_type: 'telegram' };
  let token: string;

  beforeAll(async () => {
    fake = await startTelegramFake();
    const port = await freePort();
    relay = await startRelay({
      port,
      publicUrl: `http://127.0.0.1:${port}`,
      publicUrlExplicit: true,
      telegramApiUrl: fake.url,
    });
    shop = await widgetShop(relay);
    ({ bot, token } = await telegramBot(relay, fake, shop));
    await relay.api.post(
      '/api/notifications/channels/',
      {
        shop_id: shop.shopId,
        type: 'telegram',
        bot_id: bot.id,
        chat_id: '-777',
        events: ['bot_user.subscribed'],
      },
      { token: shop.token },
    );
  });
  afterAll(async () => {
    await relay.close();
    await fake.close();
  });

  const botUsers = async () =>
    (
      await relay.api.get(`/api/bot/bot_users/?shop_id=${shop.shopId}&bot_id=${bot.id}&limit=100`, {
        token: shop.token,
      })
    ).body.result.results as any[];
  const botUserOf = async (userId: number) =>
    (await botUsers()).find((u) => u.messenger_user_id === String(userId));
  const optin = async (body: Record<string, unknown> = {}) => {
    const r = await relay.api.post(
      '/public/v1/optins',
      { key: shop.pk, bot_id: bot.id, ...body },
      { headers: { origin: ORIGIN } },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.result.token as string;
  };
  const counts = () => rowCounts(relay);

  it('registers its webhook with a random secret and stores only the secret’s hash', async () => {
    const hook = fake.webhookOf(token)!;
    expect(hook.url).toBe(`${relay.url}/hooks/telegram/${bot.id}`);
    expect(hook.secret_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = (await relay.db.get(
      sql<[number], { webhook_secret_hash: string }>(
        'SELECT webhook_secret_hash FROM bots WHERE id = ?',
      ),
      [bot.id],
    ))!;
    expect(row.webhook_secret_hash).toBe(
      createHash('sha256').update(hook.secret_token!).digest('hex'),
    );
    expect(
      JSON.stringify(await relay.api.get(`/api/bot/bots/${bot.id}/`, { token: shop.token })),
    ).not.toContain(hook.secret_token);
  });

  it('answers 401 to a wrong or missing secret before reading the body, and changes nothing', async () => {
    const before = await counts();
    const wrong = await fake.deliverUpdate(token, updates.start(tgUser()), {
      secret: 'not-the-secret',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ status: 'error', errors: { common: expect.any(String) } });
    const url = `${relay.url}/hooks/telegram/${bot.id}`;
    const garbage = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'nope' },
      body: '{"not json',
    });
    expect(garbage.status).toBe(401);
    const missing = await fetch(url, {
      method: 'POST',
      body: JSON.stringify(updates.start(tgUser())),
    });
    expect(missing.status).toBe(401);
    const unknownBot = await fetch(`${relay.url}/hooks/telegram/999999`, {
      method: 'POST',
      headers: { 'x-telegram-bot-api-secret-token': fake.webhookOf(token)!.secret_token! },
      body: '{}',
    });
    expect(unknownBot.status).toBe(401);
    expect(await counts()).toEqual(before);
  });

  it('links a /start with an opt-in token to the visitor, lead and order, and alerts the managers', async () => {
    const order = await relay.api.post(
      '/api/store/orders/',
      {
        shop_id: shop.shopId,
        external_id: 'EXT-1',
        number: '1001',
        items: [{ name: 'Sofa', qty: 1, price: 500 }],
      },
      { token: shop.token },
    );
    const body = leadBody(shop.pk);
    const lead = await postLead(relay, body);
    expect(lead.status).toBe(202);
    const optinToken = await optin({
      lead_id: lead.body.result.lead_id,
      order_ref: order.body.result.optin_ref,
      visitor_id: body.visitor_id,
    });
    const user = tgUser({
      first_name: 'Ann',
      last_name: 'Lee',
      username: 'ann_lee',
      language_code: 'de',
    });
    const r = await fake.deliverUpdate(token, updates.start(user, optinToken));
    expect(r.status).toBe(200);
    const bu = await botUserOf(user.id);
    expect(bu).toMatchObject({
      messenger_user_id: String(user.id),
      name: 'Ann Lee',
      lang_code: 'de',
      messenger_user_url: 'https://t.me/ann_lee',
      store: { start_parameter: optinToken, subscribed_to_bot: true },
      links: {
        visitor_id: body.visitor_id,
        lead_ids: [lead.body.result.lead_id],
        order_ids: [order.body.result.id],
      },
    });
    const alert = await eventually(
      () => fake.messagesTo(-777).find((m) => m.plain.includes('Ann Lee')),
      5_000,
    );
    expect(alert.plain).toContain('New subscriber');
    expect(alert.plain).toContain('https://t.me/ann_lee');
  });

  it('links nothing for a reused, expired or foreign token, but still subscribes the person', async () => {
    const used = await optin({ visitor_id: 'v-used' });
    await fake.deliverUpdate(token, updates.start(tgUser(), used));
    const expired = await optin({ visitor_id: 'v-expired' });
    await relay.db.run(
      sql(
        `UPDATE optin_tokens SET expires_at = '2000-01-01T00:00:00.000Z' WHERE visitor_id = 'v-expired'`,
      ),
    );
    const other = await widgetShop(relay);
    await telegramBot(relay, fake, other);
    const foreign = (
      await relay.api.post(
        '/public/v1/optins',
        { key: other.pk, visitor_id: 'v-foreign' },
        { headers: { origin: ORIGIN } },
      )
    ).body.result.token;
    for (const t of [used, expired, foreign]) {
      const user = tgUser();
      expect((await fake.deliverUpdate(token, updates.start(user, t))).status).toBe(200);
      const bu = await botUserOf(user.id);
      expect(bu, t).toMatchObject({
        store: { start_parameter: t, subscribed_to_bot: true },
        links: { visitor_id: null, lead_ids: [], order_ids: [] },
      });
    }
    const foreignRow = await relay.db.get(
      sql<undefined, { used_at: string | null }>(
        `SELECT used_at FROM optin_tokens WHERE visitor_id = 'v-foreign'`,
      ),
    );
    expect(foreignRow?.used_at).toBeNull();
  });

  it('handles an update delivered twice once, and keeps texts and button presses in the history', async () => {
    const user = tgUser();
    await fake.deliverUpdate(token, updates.start(user));
    const text = updates.text(user, 'Where is my order?');
    await fake.deliverUpdate(token, text);
    await fake.deliverUpdate(token, text);
    await fake.deliverUpdate(token, updates.press(user, 77, 'step:5'));
    const bu = await botUserOf(user.id);
    const history = await relay.api.get(
      `/api/bot/messages/?shop_id=${shop.shopId}&bot_user_id=${bu.id}&direction=in`,
      {
        token: shop.token,
      },
    );
    expect(
      history.body.result.results.map((m: any) => [
        m.content_type,
        m.payload.text,
        m.payload.data ?? null,
        m.status,
      ]),
    ).toEqual([
      ['callback', '', 'step:5', 'received'],
      ['text', 'Where is my order?', null, 'received'],
      ['command', '/start', null, 'received'],
    ]);
    expect(fake.callsOf('answerCallbackQuery').length).toBeGreaterThan(0);
  });

  it('unsubscribes a person who blocks the bot and subscribes them again when they unblock it', async () => {
    const user = tgUser();
    await fake.deliverUpdate(token, updates.start(user));
    await fake.deliverUpdate(token, updates.membership(user, 'kicked'));
    expect((await botUserOf(user.id)).store.subscribed_to_bot).toBe(false);
    await fake.deliverUpdate(token, updates.membership(user, 'member'));
    expect((await botUserOf(user.id)).store.subscribed_to_bot).toBe(true);
  });

  it('ignores messages in groups', async () => {
    const before = await counts();
    expect(
      (await fake.deliverUpdate(token, updates.groupText(tgUser(), -777, 'hello'))).status,
    ).toBe(200);
    expect(await counts()).toEqual(before);
  });

  it('shows a refused setWebhook on the bot as status error', async () => {
    fake.method('setWebhook', () => ({
      error_code: 400,
      description: 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook',
    }));
    try {
      const { bot: refused } = await telegramBot(relay, fake, shop, 'Refused');
      expect(refused).toMatchObject({
        status: 'error',
        status_detail:
          'Telegram refused the webhook: Bad Request: bad webhook: An HTTPS URL must be provided for webhook',
      });
    } finally {
      fake.resetMethod('setWebhook');
    }
  });

  it('deletes the webhook when the bot stops: its old secret no longer opens the endpoint', async () => {
    const secret = fake.webhookOf(token)!.secret_token!;
    const stopped = await relay.api.post(`/api/bot/bot/${bot.id}/stop/`, undefined, {
      token: shop.token,
    });
    expect(stopped.status).toBe(200);
    expect(fake.webhookOf(token)).toBeNull();
    const r = await fetch(`${relay.url}/hooks/telegram/${bot.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
      body: JSON.stringify({ update_id: 1, ...updates.start(tgUser()) }),
    });
    expect(r.status).toBe(401);
    const restarted = await relay.api.post(`/api/bot/bot/${bot.id}/restart/`, undefined, {
      token: shop.token,
    });
    expect(restarted.body.result.status).toBe('active');
    expect(fake.webhookOf(token)!.secret_token).not.toBe(secret);
    const user = tgUser();
    expect((await fake.deliverUpdate(token, updates.start(user))).status).toBe(200);
    expect(await botUserOf(user.id)).toBeDefined();
  });
});
