import { expect } from 'vitest';
import { clearPublicCaches } from '../../relay/public/cache.js';
import { startRelay, userWithShop, type Relay } from '../helpers/relay.js';
import { startSite, type Site } from './harness.js';

/**
 * The visitor's path against the real relay: a shop site on one loopback origin, the relay
 * (serving /widget/ and /public/v1) on another, the shop's publishable key allowing the site.
 */
export async function startJourney() {
  const relay: Relay = await startRelay({ demo: true });
  const site: Site = await startSite();
  const owner = await userWithShop(relay, 'Journey');
  const as = { token: owner.token };
  const key = await relay.api.post(
    '/api/shop/keys/',
    { shop_id: owner.shop.id, kind: 'publishable', allowed_origins: [site.url] },
    as,
  );
  expect(key.status, JSON.stringify(key.body)).toBe(201);
  for (const form of FORMS) {
    const res = await relay.api.post('/api/store/forms/', { shop_id: owner.shop.id, ...form }, as);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  const bot = await relay.api.post(
    '/api/bot/bots/',
    { shop_id: owner.shop.id, bot_type: 'sandbox', name: 'Sandbox' },
    as,
  );
  expect(bot.status, JSON.stringify(bot.body)).toBe(201);
  clearPublicCaches();
  const pk: string = key.body.result.key;
  return {
    relay,
    site,
    owner,
    pk,
    botId: bot.body.result.id as number,
    /** A page of the shop's site with the widget's script tag pointing at the relay. */
    page: (body: string) =>
      site.page(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body><main><h1>Shop</h1>${body}</main>` +
          `<script async src="${relay.url}/widget/touchpoint.js" data-key="${pk}"></script></body></html>`,
      ),
    /** The shop's leads (spam included) as the management API lists them. */
    leads: async () => {
      const lists = await Promise.all(
        ['false', 'true'].map((spam) =>
          relay.api.get(`/api/store/leads/?shop_id=${owner.shop.id}&spam=${spam}&limit=100`, as),
        ),
      );
      const all = lists.flatMap((r) => r.body.result.results) as Lead[];
      return [...new Map(all.map((l) => [l.id, l])).values()];
    },
    close: async () => {
      await site.close();
      await relay.close();
    },
  };
}
type Lead = { id: number; fields: Record<string, unknown>; spam: boolean };
export type Journey = Awaited<ReturnType<typeof startJourney>>;

export const FORMS = [
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
