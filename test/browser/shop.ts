import { expect } from 'vitest';
import { sql } from '../../relay/db/sql.js';
import { clearPublicCaches } from '../../relay/public/cache.js';
import { startRelay, userWithShop, type Relay } from '../helpers/relay.js';
import { doc, proxyTo, startSite, type Site } from './harness.js';

/**
 * The browser suites' world, all real: the relay in demo mode (its HTTP server on loopback,
 * a SQLite file), a shop made through its API and stores, and a test site whose pages embed
 * the widget. The site passes every path but its pages to the relay, so pages, `/widget/*`
 * and `/public/v1/*` share one origin (as when a shop serves the relay under its domain) and
 * the relay's public URL — the base of sandbox deep links — is the site's. Suites that need
 * the relay on another origin than the page use `relay.url` directly (`crossOriginPage`).
 * Network failures are made with Playwright's `page.route`, never by a stand-in relay.
 */
export async function startShop({
  forms = FORMS,
  telegram: withTelegram = true,
}: { forms?: FormSpec[]; telegram?: boolean } = {}) {
  let relayUrl = '';
  const site: Site = await startSite(proxyTo(() => relayUrl));
  const relay: Relay = await startRelay({ demo: true, publicRateLimit: 0, publicUrl: site.url });
  relayUrl = relay.url;
  const owner = await userWithShop(relay, 'Browser', { demo: true });
  const shopId = owner.shop.id;
  const as = { token: owner.token };
  const created = async (path: string, body: Record<string, unknown>) => {
    const res = await relay.api.post(path, { shop_id: shopId, ...body }, as);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.result;
  };

  const key = await relay.stores.keys.create({
    shop_id: shopId,
    kind: 'publishable',
    name: 'browser suites',
    allowed_origins: [site.url],
  });
  for (const form of forms) await created('/api/store/forms/', form);
  // A Telegram bot through the API would ask Telegram's getMe: the store takes its username.
  const telegram = withTelegram
    ? await relay.stores.bots.create({
        shop_id: shopId,
        bot_type: 'telegram',
        name: 'Demo bot',
        credential: null,
        tg_bot_nickname: 'demo_shop_bot',
      })
    : null;
  const sandbox = await created('/api/bot/bots/', { bot_type: 'sandbox', name: 'Sandbox' });
  const order = await created('/api/store/orders/', {
    external_id: 'A-100',
    number: '100',
    items: [{ sku: 'MUG', name: 'Mug', qty: 1, price: 12 }],
  });
  clearPublicCaches();

  /** The shop's leads, spam included, oldest first, as the management API lists them. */
  const leads = async (): Promise<Lead[]> => {
    const lists = await Promise.all(
      ['false', 'true'].map((spam) =>
        relay.api.get(`/api/store/leads/?shop_id=${shopId}&spam=${spam}&limit=100`, as),
      ),
    );
    const all = lists.flatMap((r) => r.body.result.results as Lead[]);
    return [...new Map(all.map((l) => [l.id, l])).values()].sort((a, b) => a.id - b.id);
  };

  const pk = key.key;
  return {
    relay,
    site,
    owner,
    shopId,
    pk,
    bots: { telegram: telegram?.id ?? null, sandbox: sandbox.id as number },
    order: order as { id: number; external_id: string; optin_ref: string },
    /** A page of the shop's site (same origin as the relay) with the loader's script tag. */
    page: (opts: Parameters<typeof doc>[0] = {}, headers?: Record<string, string>) =>
      site.page(doc({ key: pk, ...opts }), headers),
    /** A page on the site's origin loading the widget from the relay's own origin. */
    crossOriginPage: (body: string) =>
      site.page(
        doc({
          body: `<main><h1>Shop</h1>${body}</main>`,
          script: `<script async src="${relay.url}/widget/touchpoint.js" data-key="${pk}"></script>`,
        }),
      ),
    leads,
    /** Deletes every lead of the shop through the API, so that a test counts only its own. */
    async clearLeads() {
      for (const lead of await leads()) {
        const res = await relay.api.delete(`/api/store/leads/${lead.id}/?shop_id=${shopId}`, as);
        expect(res.status).toBe(200);
      }
    },
    /** The shop's opt-in tokens as stored (only their hashes), oldest first. */
    optins: () =>
      relay.db.all(
        sql<[number], { token_hash: string; bot_id: number | null; order_id: number | null }>(
          `SELECT token_hash, bot_id, order_id FROM optin_tokens WHERE shop_id = ? ORDER BY id`,
        ),
        [shopId],
      ),
    close: async () => {
      await site.close();
      await relay.close();
    },
  };
}
export type Shop = Awaited<ReturnType<typeof startShop>>;

/** A form as POST /api/store/forms/ takes it (the relay validates it). */
export type FormSpec = Record<string, unknown>;

export type Lead = {
  id: number;
  form_name: string | null;
  fields: Record<string, unknown>;
  spam: boolean;
  source: string;
  page: { url?: string; referrer?: string; title?: string } | null;
  consent: Record<string, unknown> | null;
  visitor_id: string | null;
};

/**
 * The forms of the suites' shop: `callback` with every kind of control and a consent text,
 * and `newsletter` with one field.
 */
export const FORMS: FormSpec[] = [
  {
    name: 'callback',
    fields: [
      { name: 'name', label: { en: 'Name', ru: 'Имя' }, type: 'text', required: true },
      { name: 'email', label: { en: 'Email', ru: 'Email' }, type: 'email', required: true },
      { name: 'phone', label: { en: 'Phone', ru: 'Телефон' }, type: 'tel' },
      {
        name: 'topic',
        label: { en: 'Topic', ru: 'Тема' },
        type: 'select',
        options: [
          { value: 'order', label: { en: 'An order', ru: 'Заказ' } },
          { value: 'other', label: { en: 'Something else', ru: 'Другое' } },
        ],
      },
      { name: 'message', label: { en: 'Message', ru: 'Сообщение' }, type: 'textarea' },
    ],
    consent: { text: 'I agree to be contacted about my request.', version: '2024-01' },
    min_fill_ms: 0,
  },
  {
    name: 'newsletter',
    fields: [{ name: 'email', label: { en: 'Email' }, type: 'email', required: true }],
    min_fill_ms: 0,
  },
];

/** The journey suites' forms: other labels than FORMS, as another shop would write them. */
export const JOURNEY_FORMS: FormSpec[] = [
  {
    name: 'callback',
    fields: [
      { name: 'name', label: { en: 'Your name', ru: 'Ваше имя' }, type: 'text', required: true },
      { name: 'email', label: { en: 'Email' }, type: 'email', required: true },
      { name: 'phone', label: { en: 'Phone' }, type: 'tel' },
    ],
    consent: { text: 'I agree to be contacted.', version: '3' },
    min_fill_ms: 0,
  },
  {
    name: 'newsletter',
    fields: [{ name: 'email', label: { en: 'Newsletter email' }, type: 'email', required: true }],
    min_fill_ms: 0,
  },
];
