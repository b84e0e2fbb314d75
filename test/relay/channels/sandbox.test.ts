import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { ORIGIN, widgetShop, type WidgetShop } from '../public/fixtures.js';
import { eventually } from './fixtures.js';

/** The sandbox messenger (demo mode): its adapter, the inbox API and the inbox page. */
describe('sandbox messenger', () => {
  let relay: Relay;
  let shop: WidgetShop;
  let botId: number;

  beforeAll(async () => {
    relay = await startRelay({ demo: true });
    shop = await widgetShop(relay, { demo: true });
    const bot = await relay.api.post(
      '/api/bot/bots/',
      { shop_id: shop.shopId, bot_type: 'sandbox', name: 'Demo bot' },
      { token: shop.token },
    );
    expect(bot.status).toBe(201);
    botId = bot.body.result.id;
  });
  afterAll(() => relay.close());

  const inbox = (path: string, body?: unknown) =>
    body === undefined
      ? relay.api.get(`/demo/inbox/api/${path}`)
      : relay.api.post(`/demo/inbox/api/${path}`, body);
  const chat = async (chatId: string) =>
    (await inbox(`messages?bot_id=${botId}&chat_id=${encodeURIComponent(chatId)}`)).body
      .result as any[];

  it('is not there outside demo mode', async () => {
    const plain = await startRelay();
    try {
      for (const path of ['/demo/inbox/', '/demo/inbox/inbox.js', '/demo/inbox/api/bots'])
        expect((await plain.api.get(path)).status, path).toBe(404);
    } finally {
      await plain.close();
    }
  });

  it('shows manager alerts sent through a sandbox bot, as Telegram HTML', async () => {
    await relay.api.post(
      '/api/notifications/channels/',
      {
        shop_id: shop.shopId,
        type: 'telegram',
        bot_id: botId,
        chat_id: '-100',
        events: ['lead.created'],
      },
      { token: shop.token },
    );
    const lead = await relay.api.post(
      '/api/store/leads/',
      { shop_id: shop.shopId, fields: { name: 'Tom & <Jerry>' } },
      { token: shop.token },
    );
    expect(lead.status, JSON.stringify(lead.body)).toBe(201);
    const [alert] = await eventually(async () => {
      const list = await chat('-100');
      return list.length > 0 && list;
    });
    expect(alert).toMatchObject({
      direction: 'out',
      chat_id: '-100',
      payload: { parse_mode: 'HTML' },
    });
    expect(alert.payload.text).toContain('Tom &amp; &lt;Jerry&gt;');
    const chats = (await inbox(`conversations?bot_id=${botId}`)).body.result;
    expect(chats.map((c: any) => c.chat_id)).toContain('-100');
    const delivery = await eventually(async () => {
      const r = await relay.api.get(
        `/api/notifications/deliveries/?shop_id=${shop.shopId}&event=lead.created`,
        {
          token: shop.token,
        },
      );
      return r.body.result.results.find((d: any) => d.status === 'sent');
    });
    expect(delivery.remote_id).toBe(String(alert.id));
  });

  it('runs a deep link: Start links the order, and its status change reaches the buyer', async () => {
    const order = await relay.api.post(
      '/api/store/orders/',
      { shop_id: shop.shopId, external_id: 'S-1', number: '77', total: 12.5, currency: 'EUR' },
      { token: shop.token },
    );
    const optin = await relay.api.post(
      '/public/v1/optins',
      { key: shop.pk, bot_id: botId, order_ref: order.body.result.optin_ref },
      { headers: { origin: ORIGIN } },
    );
    expect(optin.body.result.links[0].url).toBe(
      `${relay.config.publicUrl}/demo/inbox/?bot=${botId}&start=${optin.body.result.token}`,
    );
    const start = await inbox('start', {
      bot_id: botId,
      name: 'Buyer',
      token: optin.body.result.token,
    });
    expect(start.status, JSON.stringify(start.body)).toBe(201);
    expect(start.body.result).toMatchObject({ linked: true, created: true });
    const { user_id } = start.body.result;
    const patched = await relay.api.patch(
      `/api/store/orders/${order.body.result.id}/`,
      { status: 'shipped' },
      { token: shop.token },
    );
    expect(patched.status).toBe(200);
    const buyer = await eventually(async () => {
      const list = await chat(user_id);
      return list.find((m) => m.direction === 'out' && m.payload.text.includes('shipped'));
    });
    expect(buyer.payload.text).toBe('Your order 77 has shipped.');
    expect((await chat(user_id))[0]).toMatchObject({ direction: 'in', content_type: 'command' });
    // The Start shows as a command, never with its token; the bot confirmed the order first.
    expect((await chat(user_id)).map((m) => m.payload.text)).toEqual([
      '/start',
      'You will get updates about order 77 here.',
      'Your order 77 has shipped.',
    ]);
  });

  it('lets the person type and tap an inline button', async () => {
    const start = await inbox('start', { bot_id: botId, name: 'Tapper' });
    const { user_id, bot_user_id } = start.body.result;
    const sent = await relay.api.post(
      '/api/bot/messages/send_message/',
      {
        shop_id: shop.shopId,
        bot_user_id,
        payload: { text: 'Pick one' },
        inline_buttons: [{ text: 'Site', url: 'https://shop.example/' }],
      },
      { token: shop.token },
    );
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    const message = (await chat(user_id)).find((m) => m.direction === 'out');
    expect(message.buttons).toEqual([[{ text: 'Site', url: 'https://shop.example/' }]]);
    // Only callback buttons can be pressed; this one opens a URL.
    const none = await inbox('press', {
      bot_id: botId,
      user_id,
      message_id: message.id,
      data: 'x',
    });
    expect(none.status).toBe(404);
    const typed = await inbox('messages', { bot_id: botId, user_id, text: 'Hello bot' });
    expect(typed.status).toBe(201);
    expect((await chat(user_id)).at(-1)).toMatchObject({
      direction: 'in',
      payload: { text: 'Hello bot' },
    });
  });

  it('refuses bad input with field errors', async () => {
    const missing = await inbox('start', { bot_id: botId });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toHaveProperty('name');
    const unknown = await inbox('start', { bot_id: 999_999, name: 'X' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toHaveProperty('bot_id');
    const malformed = await relay.api.post('/demo/inbox/api/start', '{"bot_id":', {
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    const noChat = await inbox(`messages?bot_id=${botId}`);
    expect(noChat.body.errors).toHaveProperty('chat_id');
  });

  it('serves the inbox page and its script under a CSP without inline scripts', async () => {
    const page = await relay.api.get('/demo/inbox/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.text).toContain('<script type="module" src="/demo/inbox/inbox.js"></script>');
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const script = await relay.api.get('/demo/inbox/inbox.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await relay.api.get('/demo/inbox/inbox.css')).status).toBe(200);
    expect((await relay.api.get('/demo/inbox/secrets.txt')).status).toBe(404);
  });
});
