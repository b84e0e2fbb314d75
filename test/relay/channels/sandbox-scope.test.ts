import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../relay/commands.js';
import { sql } from '../../../relay/db/sql.js';
import { seedDemo } from '../../../relay/demo/seed.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';

const countMessages = sql<undefined, { n: number }>('SELECT count(*) AS n FROM messages');

/**
 * The sandbox messenger is the demo's: its inbox API has no login, so it reaches the demo
 * shop's sandbox bots only, no other shop may make one, and anyone's writes are limited.
 */
describe('sandbox scope', () => {
  let relay: Relay;
  let demo: Awaited<ReturnType<typeof seedDemo>>;
  let other: Owner;
  /** A sandbox bot of an ordinary shop, as one made before sandbox bots were the demo's. */
  let foreignBot: { id: number; shop_id: number; bot_type: 'sandbox' };
  const foreignChat = '424242';

  const inbox = (path: string, body?: unknown) =>
    body === undefined
      ? relay.api.get(`/demo/inbox/api/${path}`)
      : relay.api.post(`/demo/inbox/api/${path}`, body);

  beforeAll(async () => {
    relay = await startRelay({ demo: true, publicRateLimit: 0 });
    demo = await seedDemo(relay.stores);
    other = await userWithShop(relay, 'Other');
    const bot = await relay.stores.bots.create({
      shop_id: other.shop.id,
      bot_type: 'sandbox',
      name: 'Other shop bot',
      credential: null,
      tg_bot_nickname: null,
    });
    foreignBot = { id: bot.id, shop_id: bot.shop_id, bot_type: 'sandbox' };
    // A conversation on it: the person's /start and a message the shop sent them.
    const started = await relay.channels.inbound.start(
      foreignBot,
      {
        messenger_user_id: foreignChat,
        chat_id: foreignChat,
        name: 'Private person',
        lang_code: 'en',
        messenger_user_url: '',
      },
      null,
      { remoteId: null },
    );
    const sent = await relay.api.post(
      '/api/bot/messages/send_message/',
      {
        shop_id: other.shop.id,
        bot_user_id: started!.botUser.id,
        payload: { text: 'Your private order details' },
      },
      { token: other.token },
    );
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
  });
  afterAll(() => relay.close());

  it('keeps another shop’s sandbox bot and its chats out of the inbox', async () => {
    const bots = await inbox('bots');
    expect(bots.status).toBe(200);
    expect(bots.body.result).toEqual([
      { id: demo.sandboxBotId, shop_id: demo.shop.id, name: 'Demo Shop Bot' },
    ]);
    const reads = [
      `conversations?bot_id=${foreignBot.id}`,
      `messages?bot_id=${foreignBot.id}&chat_id=${foreignChat}`,
    ];
    for (const path of reads) {
      const r = await inbox(path);
      expect(r.status, path).toBe(400);
      expect(r.body.errors.bot_id, path).toEqual(['No such sandbox bot.']);
      expect(r.text).not.toContain('private order');
    }
    const writes: [string, object][] = [
      ['start', { bot_id: foreignBot.id, name: 'Intruder' }],
      ['messages', { bot_id: foreignBot.id, user_id: foreignChat, text: 'Hi, it is me' }],
      ['press', { bot_id: foreignBot.id, user_id: foreignChat, message_id: 1, data: 'mi:1:1' }],
    ];
    const before = await relay.db.value(countMessages);
    for (const [path, body] of writes) {
      const r = await inbox(path, body);
      expect(r.status, path).toBe(400);
      expect(r.body.errors.bot_id, path).toEqual(['No such sandbox bot.']);
    }
    expect(await relay.db.value(countMessages)).toBe(before);
    // The demo shop's own bot still works.
    const mine = await inbox('start', { bot_id: demo.sandboxBotId, name: 'Visitor' });
    expect(mine.status).toBe(201);
  });

  it('refuses sandbox bots to other shops, on create and on PATCH', async () => {
    const refusal = [
      'Sandbox bots belong to the demo shop only; connect a messenger such as telegram instead.',
    ];
    const as = { token: other.token };
    const created = await relay.api.post(
      '/api/bot/bots/',
      { shop_id: other.shop.id, bot_type: 'sandbox', name: 'Mine' },
      as,
    );
    expect(created.status).toBe(400);
    expect(created.body.errors.bot_type).toEqual(refusal);

    const web = await relay.api.post(
      '/api/bot/bots/',
      { shop_id: other.shop.id, bot_type: 'web', name: 'Site' },
      as,
    );
    expect(web.status).toBe(201);
    const turned = await relay.api.patch(
      `/api/bot/bots/${web.body.result.id}/`,
      { bot_type: 'sandbox' },
      as,
    );
    expect(turned.status).toBe(400);
    expect(turned.body.errors.bot_type).toEqual(refusal);
    const renamed = await relay.api.patch(`/api/bot/bots/${foreignBot.id}/`, { name: 'X' }, as);
    expect(renamed.status).toBe(400);
    expect(renamed.body.errors.bot_type).toEqual(refusal);

    // The shop cannot make itself a demo shop through the API.
    const patched = await relay.api.patch(
      `/api/shop/shops/${other.shop.id}/`,
      { demo: true, settings: { demo: true } },
      as,
    );
    expect(patched.status).toBe(200);
    expect(patched.body.result.demo).toBe(false);
    expect(
      (
        await relay.api.post(
          '/api/bot/bots/',
          { shop_id: other.shop.id, bot_type: 'sandbox', name: 'Again' },
          as,
        )
      ).status,
    ).toBe(400);
    expect(
      await relay.db.value(
        sql<[number], { n: number }>(
          `SELECT count(*) AS n FROM bots WHERE shop_id = ? AND bot_type = 'sandbox'`,
        ),
        [other.shop.id],
      ),
    ).toBe(1);

    // The demo shop may, and a shop the CLI makes a demo shop may too.
    const login = await relay.api.post('/api/auth/login/', {
      email: demo.email,
      password: demo.password,
    });
    const demoBot = await relay.api.post(
      '/api/bot/bots/',
      { shop_id: demo.shop.id, bot_type: 'sandbox', name: 'Second demo bot' },
      { token: login.body.result.token },
    );
    expect(demoBot.status).toBe(201);
    const cli = await run(
      ['shop:create', '--name', 'Play', '--owner', other.email, '--demo'],
      relay.databaseEnv,
    );
    expect(cli.json).toMatchObject({ name: 'Play', demo: true });
    const played = await relay.api.post(
      '/api/bot/bots/',
      { shop_id: (cli.json as { id: number }).id, bot_type: 'sandbox', name: 'Play bot' },
      as,
    );
    expect(played.status, JSON.stringify(played.body)).toBe(201);
  });

  it('answers 429 with Retry-After past the per-address limit on the demo’s writes', async () => {
    const limited = await startRelay({ demo: true, publicRateLimit: 3 });
    try {
      const seeded = await seedDemo(limited.stores);
      const post = (path: string, body: object) => limited.api.post(path, body);
      const start = () =>
        post('/demo/inbox/api/start', { bot_id: seeded.sandboxBotId, name: 'Flood' });
      for (let i = 0; i < 3; i++) expect((await start()).status).toBe(201);
      for (const [path, body] of [
        ['/demo/inbox/api/start', { bot_id: seeded.sandboxBotId, name: 'Flood' }],
        ['/demo/inbox/api/messages', { bot_id: seeded.sandboxBotId, user_id: '1', text: 'x' }],
        [
          '/demo/inbox/api/press',
          { bot_id: seeded.sandboxBotId, user_id: '1', message_id: 1, data: 'x' },
        ],
      ] as const) {
        const r = await post(path, body);
        expect(r.status, path).toBe(429);
        expect(Number(r.headers.get('retry-after')), path).toBeGreaterThan(0);
        expect(r.body.errors.common).toMatch(/Too many requests/);
      }
      // Reads are not writes: the inbox keeps polling.
      expect((await limited.api.get('/demo/inbox/api/bots')).status).toBe(200);

      // The demo shop's own writes (Buy, the manager panel) count the same way.
      const buy = () => post('/demo/api/order', { sku: 'ROAST-250' });
      for (let i = 0; i < 3; i++) expect((await buy()).status).toBe(201);
      const refused = await buy();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await post('/demo/api/orders/1/status', { status: 'paid' })).status).toBe(429);
      const orders = await limited.db.value(sql(`SELECT count(*) AS n FROM orders`));
      expect(orders).toBe(3);
    } finally {
      await limited.close();
    }
  });
});
