import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../relay/db/sql.js';
import { startTelegramFake, type FakeMessage, type TelegramFake } from '../fakes/telegram.js';
import { updates, type FakeUser } from '../fakes/telegram-updates.js';
import { buildFlow } from '../helpers/flows.js';
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

const WELCOME = 'Welcome to the shop! Ask us anything.';
const USED =
  'This link has already been used. To subscribe, open the shop’s page again and press the button for a new link.';
const EXPIRED =
  'This link has expired. Open the shop’s page again and press the button for a new link.';

/**
 * What a buyer reads in Telegram after pressing Start on an opt-in link, over real HTTP
 * (the fake Bot API posts `/start <token>` to the relay's webhook and records what the bot
 * sends): what they subscribed to, in their language, before the bot's welcome flow; or why
 * the link did nothing.
 */
describe('end to end: the bot confirms an opt-in', () => {
  let fake: TelegramFake;
  let relay: Relay;
  let shop: WidgetShop;
  let bot: { id: number };
  let botToken: string;
  let order: { id: number; number: string; optin_ref: string };

  const optin = async (body: Record<string, unknown> = {}) => {
    const r = await relay.api.post(
      '/public/v1/optins',
      { key: shop.pk, bot_id: bot.id, ...body },
      { headers: { origin: ORIGIN } },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.result.token as string;
  };
  const start = async (user: FakeUser, token?: string) => {
    const r = await fake.deliverUpdate(botToken, updates.start(user, token));
    expect(r.status).toBe(200);
  };
  /** The first `n` messages the person got, once they are all there. */
  const received = (user: FakeUser, n: number) =>
    eventually(
      () => fake.messagesTo(user.id).length >= n && fake.messagesTo(user.id).slice(0, n),
      8_000,
    ) as Promise<FakeMessage[]>;
  const texts = (messages: FakeMessage[]) => messages.map((m) => m.plain);
  const botUserOf = async (user: FakeUser) => {
    const r = await relay.api.get(
      `/api/bot/bot_users/?shop_id=${shop.shopId}&bot_id=${bot.id}&limit=100`,
      { token: shop.token },
    );
    return r.body.result.results.find((u: any) => u.messenger_user_id === String(user.id));
  };

  beforeAll(async () => {
    fake = await startTelegramFake();
    const port = await freePort();
    relay = await startRelay({
      port,
      publicUrl: `http://127.0.0.1:${port}`,
      publicUrlExplicit: true,
      telegramApiUrl: fake.url,
      publicRateLimit: 0,
    });
    shop = await widgetShop(relay);
    ({ bot, token: botToken } = await telegramBot(relay, fake, shop));
    await buildFlow(
      relay.api,
      { token: shop.token, shopId: shop.shopId, botId: bot.id },
      [{ key: 'hello', type: 'message', text: WELCOME }],
      { welcome: true },
    );
    const created = await relay.api.post(
      '/api/store/orders/',
      { shop_id: shop.shopId, external_id: 'ORD-1001', number: '1001', currency: 'EUR' },
      { token: shop.token },
    );
    expect(created.status).toBe(201);
    order = created.body.result;
  });
  afterAll(async () => {
    await relay.close();
    await fake.close();
  });

  it('names the order the buyer now follows, in their language, before the welcome flow', async () => {
    const ann = tgUser({ first_name: 'Ann', language_code: 'en' });
    const token = await optin({ order_ref: order.optin_ref });
    await start(ann, token);
    expect(texts(await received(ann, 2))).toEqual([
      'You will get updates about order 1001 here.',
      WELCOME,
    ]);

    const ivan = tgUser({ first_name: 'Иван', language_code: 'ru' });
    await start(ivan, await optin({ order_ref: order.optin_ref }));
    expect(texts(await received(ivan, 2))).toEqual([
      'Здесь вы будете получать новости о заказе 1001.',
      WELCOME,
    ]);

    // The history keeps the command, not the single-use token.
    const annUser = await botUserOf(ann);
    const history = await relay.api.get(
      `/api/bot/messages/?shop_id=${shop.shopId}&bot_user_id=${annUser.id}`,
      { token: shop.token },
    );
    const inbound = history.body.result.results.filter((m: any) => m.direction === 'in');
    expect(inbound.map((m: any) => [m.content_type, m.payload.text])).toEqual([
      ['command', '/start'],
    ]);
    expect(history.text).not.toContain(`/start ${token}`);
  });

  it('tells a person who sent a request that replies will come to this chat', async () => {
    const visitor = 'visitor-confirm';
    const lead = await postLead(relay, leadBody(shop.pk, { visitor_id: visitor }));
    expect(lead.status).toBe(202);
    const bea = tgUser({ first_name: 'Bea', language_code: 'en-GB' });
    await start(bea, await optin({ lead_id: lead.body.result.lead_id, visitor_id: visitor }));
    expect(texts(await received(bea, 2))).toEqual([
      'We have received your request. Replies will come here.',
      WELCOME,
    ]);
    expect((await botUserOf(bea)).links.lead_ids).toEqual([lead.body.result.lead_id]);
  });

  it('says why a used or expired link did nothing, and links nothing', async () => {
    const token = await optin({ order_ref: order.optin_ref });
    const owner = tgUser({ first_name: 'Olga' });
    await start(owner, token);
    await received(owner, 2);

    const stranger = tgUser({ first_name: 'Sam' });
    await start(stranger, token);
    expect(texts(await received(stranger, 2))).toEqual([USED, WELCOME]);
    expect((await botUserOf(stranger)).links.order_ids).toEqual([]);

    const late = await optin({ order_ref: order.optin_ref, visitor_id: 'late-visitor' });
    await relay.db.run(
      sql(
        `UPDATE optin_tokens SET expires_at = '2001-01-01T00:00:00Z' WHERE visitor_id = 'late-visitor'`,
      ),
    );
    const lou = tgUser({ first_name: 'Lou' });
    await start(lou, late);
    expect(texts(await received(lou, 2))).toEqual([EXPIRED, WELCOME]);
    expect((await botUserOf(lou)).links.order_ids).toEqual([]);

    // The owner opening their own link again hears the confirmation again, not "used".
    await start(owner, token);
    expect(texts(await received(owner, 4)).slice(2)).toEqual([
      'You will get updates about order 1001 here.',
      WELCOME,
    ]);
    // A plain Start, or a deep link of the shop's own that is no opt-in token: the welcome only.
    const plain = tgUser({ first_name: 'Pat' });
    await start(plain);
    await start(plain, 'spring-campaign');
    expect(texts(await received(plain, 2))).toEqual([WELCOME, WELCOME]);
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.messagesTo(plain.id)).toHaveLength(2);
    expect(fake.messagesTo(stranger.id)).toHaveLength(2);
  });
});
