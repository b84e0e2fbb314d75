import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../relay/db/sql.js';
import { startSmtpServer, type SmtpServer } from '../fakes/smtp.js';
import { startWhatsAppFake, type FakeWaMessage, type WhatsAppFake } from '../fakes/whatsapp.js';
import { buildFlow, type BuiltFlow } from '../helpers/flows.js';
import { startRelay, type Relay } from '../helpers/relay.js';
import { deliveryOf, eventually } from '../relay/channels/fixtures.js';
import { waUser, whatsappBot, type WhatsAppBot } from '../relay/channels/whatsapp-fixtures.js';
import {
  leadBody,
  ORIGIN,
  postLead,
  widgetShop,
  type WidgetShop,
} from '../relay/public/fixtures.js';

/**
 * WhatsApp and email as a shop lives them, over real HTTP against the Graph API fake and a
 * real SMTP server: a lead alerts a manager by WhatsApp (a template: they have not written
 * in 24 hours) and by email; a buyer opts in from the order page with the wa.me link's
 * message and hears about the order inside the window as text and outside it as a template;
 * a scenario's three buttons are reply buttons and a reply moves it on; receipts mark the
 * delivery delivered and read; a forged webhook changes nothing.
 */
describe('end to end: WhatsApp and email', () => {
  const MANAGER = '+15557770000';
  let fake: WhatsAppFake;
  let smtp: SmtpServer;
  let relay: Relay;
  let shop: WidgetShop;
  let wa: WhatsAppBot;
  let secretKey: string;

  beforeAll(async () => {
    fake = await startWhatsAppFake({ windowErrors: 'async' });
    fake.addTemplate('lead_alert', 'en', 2);
    fake.addTemplate('order_update', 'en_US', 2);
    smtp = await startSmtpServer();
    relay = await startRelay({
      whatsappApiUrl: fake.url,
      mail: { smtpUrl: smtp.url, from: 'Sofa Shop <alerts@sofa.example>' },
    });
    shop = await widgetShop(relay, {
      settings: {
        order_templates: {
          delivered: {
            whatsapp_template: {
              name: 'order_update',
              language: 'en_US',
              parameters: ['{order.number}', '{order.status}'],
            },
          },
        },
      },
    });
    wa = await whatsappBot(relay, fake, shop);
    secretKey = (await relay.stores.keys.create({ shop_id: shop.shopId, kind: 'secret' })).key;
    for (const body of [
      {
        type: 'whatsapp',
        bot_id: wa.bot.id,
        phone: MANAGER,
        whatsapp_template: {
          name: 'lead_alert',
          language: 'en',
          parameters: ['{alert.title}', '{alert.text}'],
        },
        events: ['lead.created'],
      },
      { type: 'email', to: ['sales@sofa.example', 'boss@sofa.example'], events: ['lead.created'] },
    ]) {
      const r = await relay.api.post(
        '/api/notifications/channels/',
        { shop_id: shop.shopId, ...body },
        { token: shop.token },
      );
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
  });
  afterAll(async () => {
    await relay.close();
    await fake.close();
    await smtp.close();
  });

  const waitFor = <T>(fn: () => T | false | undefined, ms = 10_000) =>
    eventually(fn, ms) as Promise<T>;

  it('alerts a manager of a lead by WhatsApp template and by email, escaped once, once each', async () => {
    const name = '<b>Ann</b> & Sons';
    const r = await postLead(
      relay,
      leadBody(shop.pk, { fields: { name, phone: '+7 912 345-67-89' } }),
    );
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const leadId = r.body.result.lead_id;
    const title = `New lead #${leadId}: callback`;

    const toManager = await waitFor(() => fake.messagesTo(MANAGER.slice(1))[0]);
    // The manager never wrote to the bot: outside the window, the approved template goes.
    expect(toManager.type).toBe('template');
    expect(toManager.body.template.name).toBe('lead_alert');
    expect(toManager.body.template.language).toEqual({ code: 'en' });
    const [p1, p2] = toManager.body.template.components[0].parameters;
    expect(p1).toEqual({ type: 'text', text: title });
    expect(p2.text).toMatch(new RegExp(`^Name: ${name} · Phone: \\+79123456789 · `));
    expect(p2.text).not.toMatch(/[\n\t]/);

    const mail = await waitFor(() => smtp.received.find((m) => m.subject === title));
    expect(mail.to.sort()).toEqual(['boss@sofa.example', 'sales@sofa.example']);
    expect(mail.from).toBe('alerts@sofa.example');
    expect(mail.text).toContain(`Name: ${name}`);
    expect(mail.html).toContain('&lt;b&gt;Ann&lt;/b&gt; &amp; Sons');
    expect(mail.html).not.toContain('<b>Ann</b>');
    expect(mail.html).toContain(`<a href="${ORIGIN}/pricing">Pricing</a>`);
    await new Promise((res) => setTimeout(res, 300));
    expect(smtp.received.filter((m) => m.subject === title)).toHaveLength(1);
    expect(fake.messagesTo(MANAGER.slice(1))).toHaveLength(1);
  });

  it('sends the next alert as text once the manager has written to the bot', async () => {
    await fake.text(
      wa.number,
      { waId: MANAGER.slice(1), name: 'Manager' },
      'Hi, alerts here please',
    );
    const r = await postLead(relay, leadBody(shop.pk));
    expect(r.status).toBe(202);
    const alert = await waitFor(() =>
      fake
        .messagesTo(MANAGER.slice(1))
        .find((m) => m.type === 'text' && m.text.includes(`#${r.body.result.lead_id}`)),
    );
    // Telegram HTML in WhatsApp's formatting: the title bold, the labels bold.
    expect(alert.body.text.body).toMatch(
      new RegExp(`^\\*New lead #${r.body.result.lead_id}: callback\\*\\n\\*Name:\\* Ann`),
    );
  });

  let orderId: number;
  const buyer = waUser('Bea');
  let buyerId: number;

  it('links a buyer whose first message carries the opt-in token from the wa.me link, then tells them inside the window as text', async () => {
    const created = await relay.api.post(
      '/api/store/orders/',
      {
        external_id: 'WA-42',
        number: '42',
        items: [{ name: 'Sofa', qty: 1, price: 499 }],
        currency: 'EUR',
      },
      { token: secretKey },
    );
    expect(created.status).toBe(201);
    orderId = created.body.result.id;
    const optin = await relay.api.post(
      '/public/v1/optins',
      { key: shop.pk, bot_id: wa.bot.id, order_ref: created.body.result.optin_ref },
      { headers: { origin: ORIGIN } },
    );
    expect(optin.status, JSON.stringify(optin.body)).toBe(201);
    const { token, links } = optin.body.result;
    const link = new URL(links[0].url);
    expect(link.origin).toBe('https://wa.me');
    expect(link.pathname).toBe(`/${wa.number.display.replace(/[^0-9]/g, '')}`);
    const prefilled = link.searchParams.get('text')!;
    expect(prefilled).toContain(token);

    // The person sends what WhatsApp typed in for them.
    expect((await fake.text(wa.number, buyer, prefilled)).status).toBe(200);
    const order = await relay.api.get(`/api/store/orders/${orderId}/`, { token: secretKey });
    expect(order.body.result.subscribers_count).toBe(1);
    const confirm = await waitFor(() => fake.messagesTo(buyer.waId)[0]);
    expect(confirm.body.text.body).toBe('You will get updates about order 42 here.');
    const users = await relay.api.get(
      `/api/bot/bot_users/?shop_id=${shop.shopId}&search=${buyer.waId}`,
      { token: shop.token },
    );
    buyerId = users.body.result.results[0].id;
    expect(users.body.result.results[0].store.start_parameter).toBe(token);
    // The history keeps /start, never the token.
    const history = await relay.api.get(
      `/api/bot/messages/?shop_id=${shop.shopId}&bot_user_id=${buyerId}`,
      { token: shop.token },
    );
    expect(JSON.stringify(history.body)).not.toContain(token);

    const shipped = await relay.api.patch(
      `/api/store/orders/${orderId}/`,
      { status: 'shipped' },
      { token: secretKey },
    );
    expect(shipped.status).toBe(200);
    const news = await waitFor(() => fake.messagesTo(buyer.waId)[1]);
    expect(news.type).toBe('text');
    expect(news.body.text.body).toBe('Your order 42 has shipped.');
  });

  it('marks the order message delivered, then read, from the status webhooks; a late "delivered" changes nothing', async () => {
    const news = fake.messagesTo(buyer.waId)[1];
    // The relay records the message id once Graph's answer is back: after the fake counted it.
    const row = await eventually(() =>
      relay.db.get(
        sql<[string], { id: number }>(`SELECT id FROM deliveries WHERE remote_id = ?`),
        [news.wamid],
      ),
    );
    const deliveryId = row.id;
    await fake.postStatus(news, 'sent');
    expect((await deliveryOf(relay, deliveryId)).status).toBe('sent');
    await fake.postStatus(news, 'delivered');
    expect((await deliveryOf(relay, deliveryId)).status).toBe('delivered');
    await fake.postStatus(news, 'read');
    expect((await deliveryOf(relay, deliveryId)).status).toBe('read');
    await fake.postStatus(news, 'delivered');
    expect((await deliveryOf(relay, deliveryId)).status).toBe('read');
    const api = await relay.api.get(
      `/api/notifications/deliveries/${deliveryId}/?shop_id=${shop.shopId}`,
      {
        token: shop.token,
      },
    );
    expect(api.body.result.status).toBe('read');
    const history = await relay.api.get(
      `/api/bot/messages/?shop_id=${shop.shopId}&bot_user_id=${buyerId}&direction=out`,
      { token: shop.token },
    );
    expect(
      history.body.result.results.find((m: { delivery_id: number }) => m.delivery_id === deliveryId)
        .status,
    ).toBe('read');
  });

  it('tells the buyer outside the window with the shop’s template, and gives up with a reason where there is none', async () => {
    // A day later: the relay's record and WhatsApp agree the window is closed.
    await relay.db.run(
      sql(`UPDATE bot_users SET last_inbound_at = '2020-01-01T00:00:00.000Z' WHERE id = ?`),
      [buyerId],
    );
    fake.closeWindow(wa.number, buyer.waId);
    await relay.api.patch(
      `/api/store/orders/${orderId}/`,
      { status: 'delivered' },
      { token: secretKey },
    );
    const template = await waitFor(() =>
      fake.messagesTo(buyer.waId).find((m) => m.type === 'template'),
    );
    expect(template.body.template).toEqual({
      name: 'order_update',
      language: { code: 'en_US' },
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', text: '42' },
            { type: 'text', text: 'delivered' },
          ],
        },
      ],
    });
    // No template for "cancelled": nothing is sent, and the delivery says why.
    await relay.api.patch(
      `/api/store/orders/${orderId}/`,
      { status: 'cancelled' },
      { token: secretKey },
    );
    const dead = await waitFor(async () => {
      const rows = await relay.api.get(
        `/api/notifications/deliveries/?shop_id=${shop.shopId}&bot_user_id=${buyerId}&status=dead`,
        { token: shop.token },
      );
      return rows.body.result.results[0];
    });
    expect(dead.attempts).toBe(1);
    expect(dead.last_error).toMatch(/^Outside WhatsApp's 24-hour window .*whatsapp_template/);
    expect(fake.messagesTo(buyer.waId)).toHaveLength(3);
  });

  let flow: BuiltFlow;
  it('runs a scenario whose three buttons are reply buttons; a reply moves it on, a list carries more', async () => {
    flow = await buildFlow(
      relay.api,
      { token: shop.token, shopId: shop.shopId, botId: wa.bot.id },
      [
        {
          key: 'greet',
          type: 'message',
          text: 'Hello! How can we help?',
          buttons: [
            { title: 'Delivery times', to: 'delivery' },
            { title: 'Call me back, please today', to: 'sizes' },
            { title: 'Sizes', to: 'sizes' },
            { title: 'Our prices', url: 'https://sofa.example/prices' },
          ],
        },
        {
          key: 'delivery',
          type: 'message',
          text: 'We deliver in 3 days. Which colour?',
          buttons: ['Red', 'Green', 'Blue', 'Grey', 'Beige'].map((title) => ({
            title,
            to: 'sizes',
          })),
        },
        { key: 'sizes', type: 'message', text: 'Our sofas are 2 or 3 metres long.' },
      ],
      { welcome: true },
    );
    const visitor = waUser('Cleo');
    expect((await fake.text(wa.number, visitor, 'Hi')).status).toBe(200);
    const menu = await waitFor(() => fake.messagesTo(visitor.waId)[0]);
    expect(menu.type).toBe('interactive');
    const interactive = menu.body.interactive;
    expect(interactive.type).toBe('button');
    expect(interactive.body.text).toBe(
      'Hello! How can we help?\nOur prices: https://sofa.example/prices',
    );
    const buttons = interactive.action.buttons.map((b: any) => b.reply);
    expect(buttons.map((b: any) => b.title)).toEqual([
      'Delivery times',
      'Call me back, pleas…',
      'Sizes',
    ]);
    for (const b of buttons) expect(b.id).toMatch(/^mi:\d+:\d+$/);
    expect(buttons[0].id).toMatch(new RegExp(`^mi:${flow.items['greet/Delivery times']}:`));

    expect((await fake.press(wa.number, visitor, buttons[0])).status).toBe(200);
    const next = await waitFor(() => fake.messagesTo(visitor.waId)[1]);
    expect(next.type).toBe('interactive');
    expect(next.body.interactive.type).toBe('list');
    expect(next.body.interactive.body.text).toBe('We deliver in 3 days. Which colour?');
    const rows = next.body.interactive.action.sections[0].rows;
    expect(rows.map((r: any) => r.title)).toEqual(['Red', 'Green', 'Blue', 'Grey', 'Beige']);

    expect((await fake.press(wa.number, visitor, rows[3], 'list')).status).toBe(200);
    const last = await waitFor(() => fake.messagesTo(visitor.waId)[2]);
    expect(last.body.text.body).toBe('Our sofas are 2 or 3 metres long.');
    // The presses are in the history with the buttons' titles.
    const users = await relay.api.get(
      `/api/bot/bot_users/?shop_id=${shop.shopId}&search=${visitor.waId}`,
      {
        token: shop.token,
      },
    );
    const history = await relay.api.get(
      `/api/bot/messages/?shop_id=${shop.shopId}&bot_user_id=${users.body.result.results[0].id}&direction=in`,
      { token: shop.token },
    );
    expect(
      history.body.result.results.map((m: any) => [m.content_type, m.payload.text]).reverse(),
    ).toEqual([
      ['text', 'Hi'],
      ['callback', 'Delivery times'],
      ['callback', 'Grey'],
    ]);
  });

  it('refuses a forged webhook with 401, and nothing it claims happens', async () => {
    const intruder = waUser('Eve');
    const messagesBefore = fake.messages.length;
    const forged = await fake.post(
      wa.number,
      {
        contacts: [{ wa_id: intruder.waId, profile: { name: 'Eve' } }],
        messages: [{ from: intruder.waId, id: 'wamid.eve', type: 'text', text: { body: 'Hi' } }],
      },
      { secret: 'guessed-secret' },
    );
    expect(forged.status).toBe(401);
    // A forged receipt moves no delivery either.
    const news = fake.messagesTo(buyer.waId)[1] as FakeWaMessage;
    const status = await fake.post(
      wa.number,
      { statuses: [{ id: news.wamid, status: 'failed', errors: [{ code: 131026, title: 'x' }] }] },
      { secret: 'guessed-secret' },
    );
    expect(status.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.messages.length).toBe(messagesBefore);
    const users = await relay.api.get(
      `/api/bot/bot_users/?shop_id=${shop.shopId}&search=${intruder.waId}`,
      {
        token: shop.token,
      },
    );
    expect(users.body.result.count).toBe(0);
    const row = await relay.db.get(
      sql<[string], { status: string }>(`SELECT status FROM deliveries WHERE remote_id = ?`),
      [news.wamid],
    );
    expect(row!.status).toBe('read');
  });
});
