import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../../relay/bots/schemas.js';
import { clearPublicCaches } from '../../../relay/public/cache.js';
import { OPTIN_TOKEN_TTL_MS } from '../../../relay/public/optin-store.js';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { counts, leadBody, ORIGIN, postLead, widgetShop, type WidgetShop } from './fixtures.js';
import { sql } from '../../../relay/db/sql.js';

describe('messenger opt-in tokens', () => {
  let relay: Relay;
  let shop: WidgetShop;
  let tg: Bot;
  let sandbox: Bot;
  const optin = (body: Record<string, unknown>, origin = ORIGIN) =>
    relay.api.post('/public/v1/optins', { key: shop.pk, ...body }, { headers: { origin } });
  const botUser = async (bot: Bot, id: string) =>
    (
      await relay.stores.botUsers.create({
        shop_id: bot.shop_id,
        bot_id: bot.id,
        messenger_user_id: id,
      })
    ).id;

  beforeAll(async () => {
    relay = await startRelay({ publicRateLimit: 0, publicUrl: 'https://relay.example' });
    shop = await widgetShop(relay);
    const bot = (
      bot_type: Bot['bot_type'],
      name: string,
      tg_bot_nickname: string | null = null,
      settings: Record<string, unknown> = {},
    ) =>
      relay.stores.bots.create({
        shop_id: shop.shopId,
        bot_type,
        name,
        credential: null,
        tg_bot_nickname,
        settings,
      });
    tg = await bot('telegram', 'Shop bot', 'shop_bot');
    sandbox = await bot('sandbox', 'Demo');
    await bot('vk', 'Shop VK', null, { group_id: 218903211, screen_name: 'shopclub' });
    await bot('telegram', 'Unnamed bot'); // no username yet: no link
    clearPublicCaches();
  });
  afterAll(() => relay.close());

  it('issues a 22-character single-use token with a deep link per bot', async () => {
    const r = await optin({ visitor_id: 'visitor-1' });
    expect(r.status).toBe(201);
    const { token, expires_at, links } = r.body.result;
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const ttl = Date.parse(expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(OPTIN_TOKEN_TTL_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(OPTIN_TOKEN_TTL_MS);
    expect(links).toEqual([
      {
        bot_id: tg.id,
        bot_type: 'telegram',
        name: 'Shop bot',
        url: `https://t.me/shop_bot?start=${token}`,
      },
      {
        bot_id: sandbox.id,
        bot_type: 'sandbox',
        name: 'Demo',
        url: `https://relay.example/demo/inbox/?bot=${sandbox.id}&start=${token}`,
      },
      {
        bot_id: expect.any(Number),
        bot_type: 'vk',
        name: 'Shop VK',
        url: `https://vk.me/shopclub?ref=${token}`,
      },
    ]);
    expect(r.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const stored = JSON.stringify(await relay.db.all(sql('SELECT * FROM optin_tokens')));
    expect(stored).not.toContain(token); // only its hash
  });

  it('binds a token to one bot, a lead and an order, and redeems it once', async () => {
    const lead = (await postLead(relay, leadBody(shop.pk, { visitor_id: 'v-9' }))).body.result
      .lead_id;
    const order = await relay.api.post(
      '/api/store/orders/',
      {
        shop_id: shop.shopId,
        external_id: 'ext-77',
        number: '1077',
        items: [{ sku: 'a', name: 'A', qty: 1, price: 5 }],
      },
      { token: shop.token },
    );
    expect(order.status).toBe(201);
    const ref = order.body.result.optin_ref;
    for (const [i, order_ref] of [ref, ` ${ref} `].entries()) {
      const r = await optin({ bot_id: tg.id, lead_id: lead, order_ref, visitor_id: 'v-9' });
      expect(r.status).toBe(201);
      expect(r.body.result.links).toHaveLength(1);
      expect(r.body.result.links[0].bot_id).toBe(tg.id);

      const subscriber = await botUser(tg, `tg-order-${i}`);
      const consumed = await relay.stores.optins.consume(r.body.result.token, subscriber);
      expect(consumed).toMatchObject({
        shop_id: shop.shopId,
        bot_id: tg.id,
        lead_id: lead,
        order_id: order.body.result.id,
        visitor_id: 'v-9',
        bot_user_id: subscriber,
      });
      expect(consumed!.used_at).not.toBeNull();
      expect(await relay.stores.optins.consume(r.body.result.token, subscriber)).toBeNull();
    }
  });

  it('refuses a token for another bot, another shop, unknown or expired tokens', async () => {
    const forTg = (await optin({ bot_id: tg.id })).body.result.token;
    expect(await relay.stores.optins.consume(forTg, await botUser(sandbox, 'sb-1'))).toBeNull();

    const other = await widgetShop(relay);
    const otherBot = await relay.stores.bots.create({
      shop_id: other.shopId,
      bot_type: 'telegram',
      name: 'Other',
      credential: null,
      tg_bot_nickname: 'other_bot',
    });
    const anyBot = (await optin({})).body.result.token;
    expect(await relay.stores.optins.consume(anyBot, await botUser(otherBot, 'o-1'))).toBeNull();
    // Still redeemable by its own shop after those refusals.
    expect(
      await relay.stores.optins.consume(anyBot, await botUser(sandbox, 'sb-2')),
    ).not.toBeNull();

    expect(await relay.stores.optins.consume('x'.repeat(22), await botUser(tg, 'tg-x'))).toBeNull();
    expect(await relay.stores.optins.consume('not a token', 1)).toBeNull();

    const late = (await optin({})).body.result.token;
    await relay.db.run(sql(`UPDATE optin_tokens SET expires_at = ? WHERE used_at IS NULL`), [
      new Date(Date.now() - 1000).toISOString(),
    ]);
    expect(await relay.stores.optins.consume(late, await botUser(tg, 'tg-late'))).toBeNull();
  });

  it('names the field that refers to nothing in this shop, and stores no token', async () => {
    const before = (await counts(relay)).optins;
    for (const [body, field] of [
      [{ bot_id: 999_999 }, 'bot_id'],
      [{ lead_id: 999_999, visitor_id: 'v-1' }, 'lead_id'],
      [{ lead_id: 999_999 }, 'visitor_id'],
      [{ order_ref: 'nope' }, 'order_ref'],
      [{ bot_id: 'x' }, 'bot_id'],
      [{ visitor_id: 'spaces are not allowed' }, 'visitor_id'],
      [{ lead_id: -1 }, 'lead_id'],
    ] as const) {
      const r = await optin(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.errors).toHaveProperty(field);
    }
    const noLink = await relay.stores.bots.create({
      shop_id: shop.shopId,
      bot_type: 'whatsapp',
      name: 'No number',
      credential: null,
      tg_bot_nickname: null,
    });
    clearPublicCaches();
    expect((await optin({ bot_id: noLink.id })).body.errors).toHaveProperty('bot_id');
    expect((await counts(relay)).optins).toBe(before);
  });

  it('refuses when the shop has no bot to subscribe to', async () => {
    const empty = await widgetShop(relay);
    const r = await relay.api.post(
      '/public/v1/optins',
      { key: empty.pk },
      { headers: { origin: ORIGIN } },
    );
    expect(r.status).toBe(400);
    expect(r.body.errors.common).toMatch(/no messenger bot/);
  });
});
