import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramFake, type TelegramFake } from '../../fakes/telegram.js';
import { updates } from '../../fakes/telegram-updates.js';
import { onPostgres, testDatabase, type TestDatabase } from '../../helpers/engine.js';
import { freePort } from '../../helpers/process.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { telegramBot, tgUser } from '../channels/fixtures.js';

const NUL = '\u0000';
/** What a NUL reads back as: itself on SQLite; U+FFFD on PostgreSQL, whose text cannot hold it. */
const stored = (text: string) => (onPostgres ? text.replaceAll(NUL, '\uFFFD') : text);

/**
 * Text holding the NUL character (U+0000), from a messenger, the API or a query string:
 * taken like any other text on both engines, never a 500 (PostgreSQL refuses NUL in text
 * and in `jsonb`, SQLite stores it).
 */
describe('text with a NUL character', () => {
  let fake: TelegramFake;
  let database: TestDatabase;
  let relay: Relay;
  let owner: Owner;
  const start = async () => {
    const port = await freePort();
    return startRelay({
      ...database.config,
      port,
      publicUrl: `http://127.0.0.1:${port}`,
      publicUrlExplicit: true,
      telegramApiUrl: fake.url,
    });
  };
  beforeAll(async () => {
    fake = await startTelegramFake();
    database = await testDatabase({ prefix: 'nul' });
    relay = await start();
    owner = await userWithShop(relay);
  });
  afterAll(async () => {
    await relay?.close();
    await fake.close();
    await database?.drop();
  });

  it('takes a Telegram update whose name and text hold one', async () => {
    const { token } = await telegramBot(relay, fake, owner);
    const user = tgUser({ first_name: `Ann${NUL}`, last_name: 'Lee' });
    expect((await fake.deliverUpdate(token, updates.start(user))).status).toBe(200);
    expect((await fake.deliverUpdate(token, updates.text(user, `hi${NUL}there`))).status).toBe(200);
    const users = await relay.api.get(`/api/bot/bot_users/?shop_id=${owner.shop.id}`, {
      token: owner.token,
    });
    const [person] = users.body.result.results;
    expect(person.store.name).toBe(stored(`Ann${NUL} Lee`));
    const history = await relay.api.get(
      `/api/bot/messages/?shop_id=${owner.shop.id}&bot_user_id=${person.id}&direction=in`,
      { token: owner.token },
    );
    expect(history.body.result.results.map((m: any) => m.payload.text)).toEqual([
      `hi${NUL}there`,
      '/start',
    ]);
  });

  it('searches for one in bot users and orders, and finds an order whose customer has one', async () => {
    const auth = { token: owner.token };
    const order = await relay.api.post(
      '/api/store/orders/',
      { shop_id: owner.shop.id, number: 'N-1', customer: { name: `Bob${NUL}Smith` } },
      auth,
    );
    expect(order.status, order.text).toBe(201);
    for (const path of ['/api/bot/bot_users/', '/api/store/orders/']) {
      const r = await relay.api.get(`${path}?shop_id=${owner.shop.id}&search=%00`, auth);
      expect(r.status, `${path} ${r.text}`).toBe(200);
    }
    const found = await relay.api.get(
      `/api/store/orders/?shop_id=${owner.shop.id}&search=bob`,
      auth,
    );
    expect(found.body.result.results.map((o: { id: number }) => o.id)).toEqual([
      order.body.result.id,
    ]);
    expect(found.body.result.results[0].customer.name).toBe(`Bob${NUL}Smith`);
  });

  it('names a shop with one, and a relay restarted on the database reads settings that hold one', async () => {
    const auth = { token: owner.token };
    const created = await relay.api.post('/api/shop/shops/', { name: `Shop${NUL}` }, auth);
    expect(created.status, created.text).toBe(201);
    expect(created.body.result.name).toBe(stored(`Shop${NUL}`));
    const patched = await relay.api.patch(
      `/api/shop/shops/${created.body.result.id}/`,
      { settings: { note: `a${NUL}b`, captcha: { provider: 'turnstile', secret: 'nul-secret' } } },
      auth,
    );
    expect(patched.status, patched.text).toBe(200);
    // At start the relay reads every shop's settings for secrets still to encrypt.
    const before = relay;
    relay = undefined as unknown as Relay; // closed: afterAll must not close it again
    await before.close();
    relay = await start();
    const shop = await relay.api.get(`/api/shop/shops/${created.body.result.id}/`, auth);
    expect(shop.body.result.settings).toEqual({
      note: `a${NUL}b`,
      captcha: { provider: 'turnstile', has_secret: true },
    });
  });
});
