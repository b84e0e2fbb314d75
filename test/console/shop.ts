import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { startRelay, userWithShop, type Relay } from '../helpers/relay.js';
import { sandboxPerson } from '../relay/scenario/sandbox.js';

/**
 * A relay in demo mode (sandbox messenger on, webhooks may reach loopback) and a demo shop
 * with something on every console page, all made through the API as a shop would: a form,
 * leads (one held as spam), a sandbox bot with a person who wrote and follows an order, an
 * alert channel, a webhook endpoint whose deliveries fail (nothing listens there), a key.
 */
export async function startConsoleShop() {
  const relay: Relay = await startRelay(
    { demo: true, publicRateLimit: 0, webhookAllowPrivate: true },
    { scheduler: { maxSleepMs: 50 } },
  );
  const owner = await userWithShop(relay, 'Console', { demo: true });
  const shopId = owner.shop.id;
  const as = { token: owner.token };
  const created = async (path: string, body: Record<string, unknown>, status = 201) => {
    const r = await relay.api.post(path, { shop_id: shopId, ...body }, as);
    expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(status);
    return r.body.result;
  };

  const key = await created('/api/shop/keys/', {
    kind: 'publishable',
    name: 'Site',
    allowed_origins: ['https://shop.example'],
  });
  const form = await created('/api/store/forms/', {
    name: 'callback',
    fields: [
      { name: 'name', label: { en: 'Name', ru: 'Имя' }, type: 'text', required: true },
      { name: 'phone', label: { en: 'Phone', ru: 'Телефон' }, type: 'tel', required: true },
    ],
    consent: { text: 'I agree to be called back.', version: '1' },
  });
  const bot = await created('/api/bot/bots/', { bot_type: 'sandbox', name: 'Sandbox' });
  const person = sandboxPerson(relay, bot.id);
  await person.start('Ann Buyer');
  await person.say('Do you ship to Riga?');
  await created('/api/notifications/channels/', {
    type: 'telegram',
    bot_id: bot.id,
    chat_id: person.userId,
    events: ['lead.created', 'order.created'],
  });
  // The managers' group the bot was added to (the sandbox's my_chat_member), picked for alerts.
  const group = await relay.api.post('/demo/inbox/api/groups', {
    bot_id: bot.id,
    title: 'Managers',
  });
  expect(group.status, JSON.stringify(group.body)).toBe(201);
  await created('/api/notifications/channels/', {
    type: 'telegram',
    bot_id: bot.id,
    chat_id: group.body.result.chat_id,
    events: ['lead.created', 'message.received'],
  });
  const endpoint = await created('/api/webhooks/endpoints/', {
    url: 'http://127.0.0.1:9/touchpoint',
    events: ['lead.created'],
  });

  const order = await created('/api/store/orders/', {
    external_id: 'A-1001',
    number: '1001',
    customer: { name: 'Ann Buyer', phone: '+79123456789', email: 'ann@example.com' },
    items: [{ sku: 'MUG', name: 'Mug', qty: 2, price: 12 }],
    currency: 'EUR',
  });
  // Ann follows her order in the sandbox messenger, through the opt-in the widget would make.
  const optin = await relay.api.post('/public/v1/optins', {
    key: key.key,
    order_ref: order.optin_ref,
  });
  expect(optin.status, JSON.stringify(optin.body)).toBe(201);
  await relay.api.post('/demo/inbox/api/start', {
    bot_id: bot.id,
    user_id: person.userId,
    name: 'Ann Buyer',
    token: optin.body.result.token,
  });

  const lead = await postLead(relay, key.key, { name: 'Boris', phone: '+79001234567' });
  const spam = await postLead(relay, key.key, { name: 'Robot', phone: '+79000000000' }, 10);

  return {
    relay,
    owner,
    shopId,
    key: key.key as string,
    form: form as { id: number; name: string },
    bot: bot as { id: number },
    person,
    order: order as { id: number; number: string },
    endpoint: endpoint as { id: number },
    leads: { lead, spam },
    close: () => relay.close(),
  };
}
export type ConsoleShop = Awaited<ReturnType<typeof startConsoleShop>>;

/** A lead through the public API, as the widget sends it; `elapsedMs` under the form's minimum makes it spam. */
export async function postLead(
  relay: Relay,
  key: string,
  fields: Record<string, string>,
  elapsedMs = 6000,
): Promise<number> {
  const r = await relay.api.post('/public/v1/leads', {
    key,
    form: 'callback',
    fields,
    consent: { version: '1' },
    page: { url: 'https://shop.example/contact', referrer: '', title: 'Contact' },
    hp: '',
    elapsed_ms: elapsedMs,
    submission_id: randomUUID(),
  });
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  return r.body.result.lead_id;
}
