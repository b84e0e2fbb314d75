import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { clearPublicCaches } from '../../../relay/public/cache.js';
import { sql } from '../../../relay/db/sql.js';
import { userWithShop, type Relay } from '../../helpers/relay.js';

export const ORIGIN = 'https://shop.example';

/** The form every public test submits: text, tel, email, select, checkbox, with consent. */
export const CALLBACK_FORM = {
  name: 'callback',
  fields: [
    { name: 'name', label: { en: 'Name', ru: 'Имя' }, type: 'text', required: true },
    { name: 'phone', label: { en: 'Phone' }, type: 'tel', required: true },
    { name: 'email', label: { en: 'Email' }, type: 'email' },
    { name: 'topic', label: { en: 'Topic' }, type: 'select', options: ['sales', 'support'] },
    { name: 'news', label: { en: 'Send me news' }, type: 'checkbox' },
  ],
  consent: { text: 'I agree to be called back.', version: '2' },
  min_fill_ms: 1500,
};

/**
 * A shop ready for the widget: an owner, a publishable key for ORIGIN and the callback
 * form. `settings` are the shop's settings (captcha, key rate limit, widget texts).
 */
export async function widgetShop(
  relay: Relay,
  {
    settings,
    origins = [ORIGIN],
    demo = false,
  }: { settings?: Record<string, unknown>; origins?: string[]; demo?: boolean } = {},
) {
  const owner = await userWithShop(relay, 'Shop', { demo });
  if (settings) await relay.stores.shops.update(owner.shop.id, { settings });
  const key = await relay.stores.keys.create({
    shop_id: owner.shop.id,
    kind: 'publishable',
    allowed_origins: origins,
  });
  const form = await relay.api.post(
    '/api/store/forms/',
    { shop_id: owner.shop.id, ...CALLBACK_FORM },
    { token: owner.token },
  );
  expect(form.status, JSON.stringify(form.body)).toBe(201);
  clearPublicCaches();
  return {
    ...owner,
    shopId: owner.shop.id,
    pk: key.key,
    keyId: key.id,
    formId: form.body.result.id,
  };
}
export type WidgetShop = Awaited<ReturnType<typeof widgetShop>>;

/** A valid widget lead body; `over` replaces top-level members. */
export const leadBody = (pk: string, over: Record<string, unknown> = {}) => ({
  key: pk,
  form: 'callback',
  fields: { name: 'Ann', phone: '+7 912 345-67-89', email: 'ann@example.com', topic: 'sales' },
  consent: { version: '2' },
  page: { url: `${ORIGIN}/pricing`, referrer: 'https://search.example/', title: 'Pricing' },
  utm: { source: 'newsletter', campaign: 'spring' },
  visitor_id: `v-${randomUUID()}`,
  hp: '',
  elapsed_ms: 4200,
  submission_id: randomUUID(),
  ...over,
});

/** POST /public/v1/leads from ORIGIN (or `origin`, or none with `origin: null`). */
export const postLead = (
  relay: Relay,
  body: unknown,
  {
    origin = ORIGIN,
    headers = {},
  }: { origin?: string | null; headers?: Record<string, string> } = {},
) =>
  relay.api.post('/public/v1/leads', body, {
    headers: { ...(origin === null ? {} : { origin }), ...headers },
  });

/**
 * An order created by the shop's backend (its `sk_` key) and an opt-in for it on `botId`, as
 * the order page's `<tp-subscribe order-ref>` asks for one: the order's id, the token and the
 * deep link.
 */
export async function orderOptin(
  relay: Relay,
  shop: WidgetShop,
  {
    secretKey,
    botId,
    externalId,
    currency = 'EUR',
  }: {
    secretKey: string;
    botId: number;
    externalId: string;
    currency?: string;
  },
) {
  const created = await relay.api.post(
    '/api/store/orders/',
    {
      external_id: externalId,
      number: '42',
      items: [{ name: 'Sofa', qty: 1, price: 499 }],
      currency,
    },
    { token: secretKey },
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const optin = await relay.api.post(
    '/public/v1/optins',
    { key: shop.pk, bot_id: botId, order_ref: created.body.result.optin_ref },
    { headers: { origin: ORIGIN } },
  );
  expect(optin.status, JSON.stringify(optin.body)).toBe(201);
  const { token, links } = optin.body.result as { token: string; links: { url: string }[] };
  return { orderId: created.body.result.id as number, token, url: links[0].url };
}

/** Row counts that must not move when input is refused. */
export const counts = async (relay: Relay) =>
  (await relay.db.get(COUNTS)) as Record<string, number>;
const COUNTS = sql(
  `SELECT (SELECT count(*) FROM leads) AS leads, (SELECT count(*) FROM bot_users) AS bot_users,
     (SELECT count(*) FROM deliveries) AS deliveries,
     (SELECT count(*) FROM idempotency_keys) AS idempotency,
     (SELECT count(*) FROM optin_tokens) AS optins`,
);
