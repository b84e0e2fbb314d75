import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectIsolated, expectRejectsBadInput } from '../../helpers/checks.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';

const BASE = '/api/notifications/channels/';

describe('staff alert channels', () => {
  let relay: Relay;
  let a: Owner;
  let b: Owner;
  let botA: number;
  let botB: number;
  let webBotA: number;
  let whatsappA: number;
  beforeAll(async () => {
    relay = await startRelay({ webhookAllowPrivate: true });
    a = await userWithShop(relay, 'A');
    b = await userWithShop(relay, 'B');
    const bot = (shop_id: number, bot_type: 'telegram' | 'web' | 'whatsapp') =>
      relay.stores.bots.create({
        shop_id,
        bot_type,
        name: 'Alerts',
        credential: null,
        tg_bot_nickname: null,
      });
    botA = (await bot(a.shop.id, 'telegram')).id;
    botB = (await bot(b.shop.id, 'telegram')).id;
    webBotA = (await bot(a.shop.id, 'web')).id;
    whatsappA = (await bot(a.shop.id, 'whatsapp')).id;
  });
  afterAll(() => relay.close());

  const create = (owner: Owner, body: Record<string, unknown>) =>
    relay.api.post(BASE, { shop_id: owner.shop.id, ...body }, { token: owner.token });
  const telegram = (extra: Record<string, unknown> = {}) => ({
    type: 'telegram',
    bot_id: botA,
    chat_id: '-1001234567890',
    events: ['lead.created'],
    ...extra,
  });

  it('creates a Telegram channel through one of the shop’s bots, and a webhook channel', async () => {
    const tg = await create(
      a,
      telegram({ chat_id: -42, events: ['lead.created', 'order.created'] }),
    );
    expect(tg.status).toBe(201);
    expect(tg.body.result).toMatchObject({
      shop_id: a.shop.id,
      type: 'telegram',
      bot_id: botA,
      chat_id: '-42',
      url: null,
      events: ['lead.created', 'order.created'],
      enabled: true,
    });
    const wh = await create(a, {
      type: 'webhook',
      url: 'https://chat.example/hooks/abc',
      events: ['order.status_changed'],
      enabled: false,
    });
    expect(wh.status).toBe(201);
    expect(wh.body.result).toMatchObject({
      type: 'webhook',
      bot_id: null,
      chat_id: null,
      url: 'https://chat.example/hooks/abc',
      enabled: false,
    });
    const read = await relay.api.get(`${BASE}${wh.body.result.id}/?shop_id=${a.shop.id}`, {
      token: a.token,
    });
    expect(read.body.result).toEqual(wh.body.result);
  });

  it('creates a WhatsApp channel to a manager’s number through one of the shop’s WhatsApp bots', async () => {
    const template = { name: 'lead_alert', language: 'en_US', parameters: ['{alert.title}'] };
    const r = await create(a, {
      type: 'whatsapp',
      bot_id: whatsappA,
      phone: '+1 (555) 010-2000',
      whatsapp_template: template,
      events: ['lead.created'],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.result).toMatchObject({
      type: 'whatsapp',
      bot_id: whatsappA,
      phone: '+15550102000',
      chat_id: null,
      whatsapp_template: template,
      to: null,
    });
    // Switching to Telegram drops the number and the template.
    const moved = await relay.api.patch(
      `${BASE}${r.body.result.id}/`,
      { type: 'telegram', bot_id: botA, chat_id: '-100' },
      { token: a.token },
    );
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.result).toMatchObject({
      phone: null,
      whatsapp_template: null,
      chat_id: '-100',
    });
    const cases: [Record<string, unknown>, string][] = [
      [{ bot_id: botA }, 'bot_id'], // a Telegram bot
      [{ phone: '12' }, 'phone'],
      [{ phone: undefined }, 'phone'],
      [{ chat_id: '-1' }, 'chat_id'],
      [{ to: ['x@shop.example'] }, 'to'],
      [{ whatsapp_template: { name: 'Lead Alert!', language: 'en' } }, 'whatsapp_template.name'],
    ];
    for (const [extra, field] of cases) {
      const bad = await create(a, {
        type: 'whatsapp',
        bot_id: whatsappA,
        phone: '+15550102000',
        events: ['lead.created'],
        ...extra,
      });
      expect(bad.status, JSON.stringify(extra)).toBe(400);
      expect(Object.keys(bad.body.errors), JSON.stringify(extra)).toContain(field);
    }
  });

  it('refuses email channels while the relay has no SMTP server, saying what to set', async () => {
    const r = await create(a, {
      type: 'email',
      to: ['sales@shop.example'],
      events: ['lead.created'],
    });
    expect(r.status).toBe(400);
    expect(r.body.errors.type).toEqual([
      expect.stringMatching(/TOUCHPOINT_SMTP_URL .*and TOUCHPOINT_MAIL_FROM/),
    ]);
    const missing = await create(a, { type: 'email', events: ['lead.created'] });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.to).toEqual(['This field is required for this channel type.']);
  });

  it('requires a Telegram bot of the same shop, and the fields of the chosen type', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [telegram({ bot_id: botB }), 'bot_id'],
      [telegram({ bot_id: webBotA }), 'bot_id'],
      [telegram({ bot_id: 999999 }), 'bot_id'],
      [telegram({ chat_id: undefined }), 'chat_id'],
      [telegram({ chat_id: 'general' }), 'chat_id'],
      [telegram({ url: 'https://x.example/' }), 'url'],
      [{ type: 'webhook', events: ['lead.created'] }, 'url'],
      [
        { type: 'webhook', url: 'https://x.example/', chat_id: '1', events: ['lead.created'] },
        'chat_id',
      ],
      [{ type: 'webhook', url: 'ftp://x.example/', events: ['lead.created'] }, 'url'],
      [telegram({ events: [] }), 'events'],
      [telegram({ events: ['lead.updated'] }), 'events.0'],
      [telegram({ type: 'sms' }), 'type'],
    ];
    for (const [body, field] of cases) {
      const r = await create(a, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.errors, JSON.stringify(body)).toHaveProperty([field]);
    }
  });

  it('updates events, target and enabled; a new type drops the old type’s fields', async () => {
    const ch = (await create(a, telegram())).body.result;
    const events = await relay.api.patch(
      `${BASE}${ch.id}/`,
      { events: ['order.created'], enabled: false, chat_id: '@shop_alerts' },
      { token: a.token },
    );
    expect(events.status).toBe(200);
    expect(events.body.result).toMatchObject({
      type: 'telegram',
      bot_id: botA,
      chat_id: '@shop_alerts',
      events: ['order.created'],
      enabled: false,
    });
    const missingUrl = await relay.api.patch(
      `${BASE}${ch.id}/`,
      { type: 'webhook' },
      { token: a.token },
    );
    expect(missingUrl.status).toBe(400);
    expect(missingUrl.body.errors).toHaveProperty('url');
    const toWebhook = await relay.api.patch(
      `${BASE}${ch.id}/`,
      { type: 'webhook', url: 'https://chat.example/h' },
      { token: a.token },
    );
    expect(toWebhook.body.result).toMatchObject({
      type: 'webhook',
      bot_id: null,
      chat_id: null,
      url: 'https://chat.example/h',
      events: ['order.created'],
    });
    const foreignBot = await relay.api.patch(
      `${BASE}${ch.id}/`,
      { type: 'telegram', bot_id: botB, chat_id: '1' },
      { token: a.token },
    );
    expect(foreignBot.status).toBe(400);
    expect(foreignBot.body.errors).toHaveProperty('bot_id');

    const del = await relay.api.delete(`${BASE}${ch.id}/`, { token: a.token });
    expect(del.body).toEqual({ status: 'ok', result: { id: ch.id, deleted: true } });
    expect((await relay.api.get(`${BASE}${ch.id}/`, { token: a.token })).status).toBe(404);
  });

  it('paginates with absolute next/previous URLs and clamps limit to 100', async () => {
    const owner = await userWithShop(relay, 'Many');
    for (let i = 0; i < 101; i++)
      await relay.stores.channels.create(owner.shop.id, {
        type: 'webhook',
        bot_id: null,
        chat_id: null,
        url: `https://chat.example/${i}`,
        events: ['lead.created'],
        enabled: true,
      });
    const first = await relay.api.get(`${BASE}?shop_id=${owner.shop.id}&limit=2`, {
      token: owner.token,
    });
    expect(first.body.result.count).toBe(101);
    expect(first.body.result.previous).toBeNull();
    expect(new URL(first.body.result.next).searchParams.get('offset')).toBe('2');
    const clamped = await relay.api.get(`${BASE}?shop_id=${owner.shop.id}&limit=500`, {
      token: owner.token,
    });
    expect(clamped.body.result.results).toHaveLength(100);
    const last = await relay.api.get(clamped.body.result.next, { token: owner.token });
    expect(last.body.result.results).toHaveLength(1);
    expect(last.body.result.next).toBeNull();
  });

  it("never shows, changes or deletes another shop's channel, also with a secret key", async () => {
    const ofB = (
      await create(b, { type: 'telegram', bot_id: botB, chat_id: '7', events: ['lead.created'] })
    ).body.result;
    const sk = (
      await relay.api.post(
        '/api/shop/keys/',
        { shop_id: a.shop.id, kind: 'secret' },
        { token: a.token },
      )
    ).body.result.key;
    for (const tokenA of [a.token, sk])
      await expectIsolated(relay.api, {
        base: BASE,
        tokenA,
        shopA: a.shop.id,
        shopB: b.shop.id,
        idOfB: ofB.id,
        patch: { enabled: false },
      });
    expect((await relay.stores.channels.get(ofB.id))!.enabled).toBe(true);
  });

  it('rejects bad input', async () => {
    await expectRejectsBadInput(relay.api, {
      method: 'POST',
      path: BASE,
      token: a.token,
      valid: { shop_id: a.shop.id, ...telegram(), enabled: true },
      required: ['type', 'events'],
    });
    const ch = (await create(a, telegram())).body.result;
    await expectRejectsBadInput(relay.api, {
      method: 'PATCH',
      path: `${BASE}${ch.id}/`,
      token: a.token,
      valid: { chat_id: '-100500', events: ['lead.created'], enabled: false },
    });
  });
});

describe('webhook alert channel addresses (no TOUCHPOINT_WEBHOOK_ALLOW_PRIVATE)', () => {
  let relay: Relay;
  let a: Owner;
  beforeAll(async () => {
    relay = await startRelay();
    a = await userWithShop(relay);
  });
  afterAll(() => relay.close());

  it('refuses private and loopback URLs', async () => {
    for (const url of [
      'http://127.0.0.1:8080/',
      'http://169.254.169.254/',
      'http://[::1]/',
      'http://10.0.0.1/',
    ]) {
      const r = await relay.api.post(
        BASE,
        { shop_id: a.shop.id, type: 'webhook', url, events: ['lead.created'] },
        { token: a.token },
      );
      expect(r.status, url).toBe(400);
      expect(r.body.errors, url).toHaveProperty('url');
    }
  });
});
