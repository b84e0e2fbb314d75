import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearPublicCaches } from '../../../relay/public/cache.js';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { CALLBACK_FORM, widgetShop, type WidgetShop } from './fixtures.js';

describe('public widget config', () => {
  let relay: Relay;
  let shop: WidgetShop;
  const bot = (
    bot_type: string,
    name: string,
    tg_bot_nickname: string | null = null,
    settings: Record<string, unknown> = {},
  ) =>
    relay.stores.bots.create({
      shop_id: shop.shopId,
      bot_type: bot_type as 'telegram',
      name,
      credential: null,
      tg_bot_nickname,
      settings,
    });

  beforeAll(async () => {
    relay = await startRelay({ publicRateLimit: 0, publicUrl: 'https://relay.example' });
    shop = await widgetShop(relay, {
      settings: {
        widget_texts: {
          en: { submit: 'Call me' },
          ru: { submit: 'Позвоните мне', n: 5 },
          de: { x: 'y' },
        },
        widget_theme: { accent: '#0a7', radius: '4px', bad: { nested: true } },
        captcha: { provider: 'turnstile', secret: 'never-shown' },
        default_country: 'RU',
      },
    });
  });
  afterAll(() => relay.close());

  it("serves the shop's forms, opt-in bots, texts and theme in the widget's shape", async () => {
    const tg = await bot('telegram', 'Shop bot', 'shop_bot');
    const wa = await bot('whatsapp', 'Shop WhatsApp', null, {
      phone_number: '+79123456789',
      phone_number_id: '106540352242922',
    });
    // The number is the bot's settings', never read out of its name any more.
    await bot('whatsapp', '+7 (912) 345-67-80');
    const vk = await bot('vk', 'shopclub');
    const viber = await bot('viber', 'shopviber');
    const sandbox = await bot('sandbox', 'Demo');
    await bot('web', 'Website'); // not an opt-in bot
    const stopped = await bot('telegram', 'Old bot', 'old_bot');
    await relay.stores.bots.update(stopped.id, { status: 'stopped' });
    clearPublicCaches();

    const r = await relay.api.get(`/public/v1/config?key=${shop.pk}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    expect(r.body).toEqual({
      status: 'ok',
      result: {
        shop: { name: shop.shop.name },
        forms: [
          {
            name: 'callback',
            fields: [
              {
                name: 'name',
                label: { en: 'Name', ru: 'Имя' },
                type: 'text',
                required: true,
                max_length: 200,
              },
              {
                name: 'phone',
                label: { en: 'Phone' },
                type: 'tel',
                required: true,
                max_length: 32,
              },
              {
                name: 'email',
                label: { en: 'Email' },
                type: 'email',
                required: false,
                max_length: 254,
              },
              {
                name: 'topic',
                label: { en: 'Topic' },
                type: 'select',
                required: false,
                max_length: null,
                options: [
                  { value: 'sales', label: { en: 'sales' } },
                  { value: 'support', label: { en: 'support' } },
                ],
              },
              {
                name: 'news',
                label: { en: 'Send me news' },
                type: 'checkbox',
                required: false,
                max_length: null,
              },
            ],
            consent: CALLBACK_FORM.consent,
            min_fill_ms: 1500,
          },
        ],
        bots: [
          {
            id: tg.id,
            bot_type: 'telegram',
            name: 'Shop bot',
            nickname: 'shop_bot',
            url: 'https://t.me/shop_bot',
            label: 'Telegram',
            mark: expect.stringMatching(/^M[\d .a-zA-Z-]+$/),
            handle: null,
          },
          {
            id: wa.id,
            bot_type: 'whatsapp',
            name: 'Shop WhatsApp',
            nickname: '+7 912 345 67 89',
            url: 'https://wa.me/79123456789',
            label: 'WhatsApp',
            mark: expect.stringMatching(/^M[\d .a-zA-Z-]+$/),
            // The button shows the number a person will be writing to.
            handle: '+7 912 345 67 89',
          },
          {
            id: vk.id,
            bot_type: 'vk',
            name: 'shopclub',
            nickname: 'shopclub',
            url: 'https://vk.me/shopclub',
            label: 'VK',
            mark: expect.any(String),
            handle: null,
          },
          {
            id: viber.id,
            bot_type: 'viber',
            name: 'shopviber',
            nickname: 'shopviber',
            url: 'viber://pa?chatURI=shopviber',
            label: 'Viber',
            mark: expect.any(String),
            handle: null,
          },
          {
            id: sandbox.id,
            bot_type: 'sandbox',
            name: 'Demo',
            nickname: null,
            url: `https://relay.example/demo/inbox/?bot=${sandbox.id}`,
            label: 'Demo',
            mark: null,
            handle: null,
          },
        ],
        texts: { en: { submit: 'Call me' }, ru: { submit: 'Позвоните мне' } },
        theme: { accent: '#0a7', radius: '4px' },
      },
    });
    expect(r.text).not.toContain('never-shown');
    expect(r.text).not.toContain('shop_id');
  });

  it('names the buttons after the bots when the shop has two of one messenger', async () => {
    const other = await widgetShop(relay);
    for (const [name, phone] of [
      ['Sales', '+15550100001'],
      ['Support', '+15550100002'],
    ])
      await relay.stores.bots.create({
        shop_id: other.shopId,
        bot_type: 'whatsapp',
        name,
        credential: null,
        tg_bot_nickname: null,
        settings: { phone_number: phone, phone_number_id: '1' },
      });
    clearPublicCaches();
    const r = await relay.api.get(`/public/v1/config?key=${other.pk}`);
    expect(
      r.body.result.bots.map((b: { label: string; handle: string }) => [b.label, b.handle]),
    ).toEqual([
      ['Sales', '+1 555 010 0001'],
      ['Support', '+1 555 010 0002'],
    ]);
  });

  it('carries a strong ETag and caching headers, and answers 304 to If-None-Match', async () => {
    const r = await relay.api.get(`/public/v1/config?key=${shop.pk}`);
    const etag = r.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(r.headers.get('cache-control')).toBe('public, max-age=60');
    expect(r.headers.get('vary')).toMatch(/origin/i);
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await relay.api.get(`/public/v1/config?key=${shop.pk}`, {
        headers: { 'if-none-match': header },
      });
      expect(again.status, header).toBe(304);
      expect(again.text).toBe('');
      expect(again.headers.get('etag')).toBe(etag);
    }
    const stale = await relay.api.get(`/public/v1/config?key=${shop.pk}`, {
      headers: { 'if-none-match': '"stale"' },
    });
    expect(stale.status).toBe(200);
  });

  it('changes the ETag when a form changes', async () => {
    const before = (await relay.api.get(`/public/v1/config?key=${shop.pk}`)).headers.get('etag');
    const patch = await relay.api.patch(
      `/api/store/forms/${shop.formId}/`,
      { min_fill_ms: 2500 },
      { token: shop.token },
    );
    expect(patch.status).toBe(200);
    clearPublicCaches(); // or wait PUBLIC_CACHE_TTL_MS
    const after = await relay.api.get(`/public/v1/config?key=${shop.pk}`);
    expect(after.headers.get('etag')).not.toBe(before);
    expect(after.body.result.forms[0].min_fill_ms).toBe(2500);
  });

  it('takes the key from X-Touchpoint-Key as well', async () => {
    const r = await relay.api.get('/public/v1/config', {
      headers: { 'x-touchpoint-key': shop.pk },
    });
    expect(r.status).toBe(200);
  });

  it('documents the public endpoints in the OpenAPI document', async () => {
    const doc = (await relay.api.get('/api/openapi.json')).body;
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/public/'))).toEqual(
      expect.arrayContaining([
        '/public/v1/config',
        '/public/v1/leads',
        '/public/v1/optins',
        '/public/v1/forms/{key}',
        '/public/v1/thanks',
      ]),
    );
    expect(doc.paths['/public/v1/leads'].post.responses).toHaveProperty('202');
    expect(doc.components.schemas).toHaveProperty('PublicLeadInput');
  });
});
