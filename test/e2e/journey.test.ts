import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramFake, type TelegramFake } from '../fakes/telegram.js';
import { updates } from '../fakes/telegram-updates.js';
import { freePort } from '../helpers/process.js';
import { startRelay, type Relay } from '../helpers/relay.js';
import { eventually, telegramBot, tgUser } from '../relay/channels/fixtures.js';
import {
  leadBody,
  ORIGIN,
  postLead,
  widgetShop,
  type WidgetShop,
} from '../relay/public/fixtures.js';
import { sql } from '../../relay/db/sql.js';

/**
 * The whole path over real HTTP, as a shop lives it: the widget posts a lead, managers get a
 * Telegram alert; a buyer opts in from the order page, Telegram posts `/start TOKEN` to the
 * relay's webhook, the store backend marks the order shipped, the buyer hears about it.
 */
describe('end to end: leads, alerts, opt-ins and order messages through Telegram', () => {
  let fake: TelegramFake;
  let relay: Relay;
  let shop: WidgetShop;
  let bot: { id: number };
  let botToken: string;
  let secretKey: string;
  const MANAGERS = -1001234567;

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
    ({ bot, token: botToken } = await telegramBot(relay, fake, shop));
    const channel = await relay.api.post(
      '/api/notifications/channels/',
      {
        shop_id: shop.shopId,
        type: 'telegram',
        bot_id: bot.id,
        chat_id: String(MANAGERS),
        events: ['lead.created'],
      },
      { token: shop.token },
    );
    expect(channel.status, JSON.stringify(channel.body)).toBe(201);
    secretKey = (await relay.stores.keys.create({ shop_id: shop.shopId, kind: 'secret' })).key;
  });
  afterAll(async () => {
    await relay.close();
    await fake.close();
  });

  it('alerts the managers of a lead from the widget, escaped once for a name with <script> and &', async () => {
    const name = '<script>alert("x")</script> & Sons';
    const r = await postLead(
      relay,
      leadBody(shop.pk, { fields: { name, phone: '+7 912 345-67-89' } }),
    );
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const alert = await eventually(
      () => fake.messagesTo(MANAGERS).find((m) => m.plain.includes('Sons')),
      8_000,
    );
    expect(alert.parse_mode).toBe('HTML');
    // What the manager reads is exactly the visitor's text: escaped once, never twice.
    expect(alert.plain).toContain(`Name: ${name}`);
    expect(alert.plain).not.toContain('&amp;');
    expect(alert.raw).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Sons');
    expect(alert.plain).toContain('Page: Pricing');
  });

  it('links a buyer who opts in on the order page, then tells them the order has shipped', async () => {
    const created = await relay.api.post(
      '/api/store/orders/',
      {
        external_id: 'ORD-42',
        number: '42',
        items: [{ name: 'Sofa', qty: 1, price: 499 }],
        currency: 'EUR',
      },
      { token: secretKey },
    );
    expect(created.status).toBe(201);
    const optin = await relay.api.post(
      '/public/v1/optins',
      { key: shop.pk, bot_id: bot.id, order_ref: created.body.result.optin_ref },
      { headers: { origin: ORIGIN } },
    );
    expect(optin.status).toBe(201);
    const { token, links } = optin.body.result;
    expect(links[0].url).toMatch(new RegExp(`^https://t\\.me/.+\\?start=${token}$`));

    const buyer = tgUser({ first_name: 'Bea' });
    const hook = await fake.deliverUpdate(botToken, updates.start(buyer, token));
    expect(hook.status).toBe(200);
    const order = await relay.api.get(`/api/store/orders/${created.body.result.id}/`, {
      token: secretKey,
    });
    expect(order.body.result.subscribers_count).toBe(1);

    // The same link opened by someone else, and a token past its expiry, link nothing.
    const stranger = tgUser({ first_name: 'Sam' });
    expect((await fake.deliverUpdate(botToken, updates.start(stranger, token))).status).toBe(200);
    const late = await relay.api.post(
      '/public/v1/optins',
      {
        key: shop.pk,
        bot_id: bot.id,
        order_ref: created.body.result.optin_ref,
        visitor_id: 'late-visitor',
      },
      { headers: { origin: ORIGIN } },
    );
    await relay.db.run(
      sql(
        `UPDATE optin_tokens SET expires_at = '2001-01-01T00:00:00Z' WHERE visitor_id = 'late-visitor'`,
      ),
    );
    const tooLate = tgUser({ first_name: 'Lou' });
    expect(
      (await fake.deliverUpdate(botToken, updates.start(tooLate, late.body.result.token))).status,
    ).toBe(200);
    const again = await relay.api.get(`/api/store/orders/${created.body.result.id}/`, {
      token: secretKey,
    });
    expect(again.body.result.subscribers_count).toBe(1);

    const shipped = await relay.api.patch(
      `/api/store/orders/${created.body.result.id}/`,
      { status: 'shipped' },
      { token: secretKey },
    );
    expect(shipped.status).toBe(200);
    const messages = await eventually(
      () => fake.messagesTo(buyer.id).length > 1 && fake.messagesTo(buyer.id),
      8_000,
    );
    // The bot confirmed the subscription at Start, then told the news.
    expect(messages.map((m) => m.plain)).toEqual([
      'You will get updates about order 42 here.',
      'Your order 42 has shipped.',
    ]);
    await new Promise((r) => setTimeout(r, 300));
    // The others were told why their link did nothing, and heard nothing of the order.
    expect(fake.messagesTo(stranger.id).map((m) => m.plain)).toEqual([
      expect.stringMatching(/^This link has already been used\./),
    ]);
    expect(fake.messagesTo(tooLate.id).map((m) => m.plain)).toEqual([
      expect.stringMatching(/^This link has expired\./),
    ]);
    expect(fake.messagesTo(buyer.id)).toHaveLength(2);
  });
});
