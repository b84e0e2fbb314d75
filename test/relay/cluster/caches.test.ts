import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PUBLIC_CACHE_TTL_MS } from '../../../relay/public/cache.js';
import { createDatabase, postgresForSuite, query, startPgRelay } from '../../helpers/cluster.js';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { eventually } from '../channels/fixtures.js';
import { leadBody, ORIGIN, postLead, widgetShop, type WidgetShop } from '../public/fixtures.js';

const pgs = await postgresForSuite();
afterAll(() => pgs.server?.stop());

/** Well inside the cache's TTL: only a notification can explain a change seen this soon. */
const SOON_MS = PUBLIC_CACHE_TTL_MS / 2;

const config = (relay: Relay, shop: WidgetShop) =>
  relay.api.get(`/public/v1/config?key=${shop.pk}`, { headers: { origin: ORIGIN } });

/** Polls until `check` holds; the time it took. */
async function within(check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  await eventually(check, PUBLIC_CACHE_TTL_MS * 2);
  return Date.now() - started;
}

/**
 * The public API caches keys, forms and shop settings for 5 s. A management write forgets
 * them at once in the relay that made it and, on PostgreSQL, in every other relay (a
 * notification after commit): a key revoked through one relay is refused by the others
 * within moments, not after the cache's time.
 */
describe('public caches forget what a management write changed', () => {
  it('on SQLite, at once in the relay itself', async () => {
    const relay = await startRelay({ publicRateLimit: 0 });
    try {
      const shop = await widgetShop(relay);
      expect((await postLead(relay, leadBody(shop.pk))).status).toBe(202);
      expect(
        (await relay.api.delete(`/api/shop/keys/${shop.keyId}/`, { token: shop.token })).status,
      ).toBe(200);
      expect((await postLead(relay, leadBody(shop.pk))).status).toBe(401);
    } finally {
      await relay.close();
    }
  });
});

describe.skipIf(!pgs.server)('public caches across relays on PostgreSQL', () => {
  let url: string;
  let relays: Relay[];
  beforeAll(async () => {
    url = await createDatabase(pgs.server!);
    relays = [];
    for (let i = 0; i < 3; i++) relays.push(await startPgRelay(url, { publicRateLimit: 0 }));
  }, 60_000);
  afterAll(async () => {
    for (const r of relays ?? []) await r.close();
  });

  it('refuses a key revoked through one relay on the others within moments', async () => {
    const shop = await widgetShop(relays[0]);
    // Every relay has the key in its cache.
    for (const r of relays) expect((await postLead(r, leadBody(shop.pk))).status).toBe(202);
    const revoked = await relays[0].api.delete(`/api/shop/keys/${shop.keyId}/`, {
      token: shop.token,
    });
    expect(revoked.status).toBe(200);
    for (const r of relays.slice(1)) {
      const took = await within(async () => (await postLead(r, leadBody(shop.pk))).status === 401);
      expect(took, `refused after ${took} ms`).toBeLessThan(SOON_MS);
    }
  });

  it('serves a form and an allowed origin changed through one relay from the others', async () => {
    const shop = await widgetShop(relays[0]);
    for (const r of relays) expect((await config(r, shop)).status).toBe(200);
    const form = await relays[1].api.patch(
      `/api/store/forms/${shop.formId}/`,
      { shop_id: shop.shopId, min_fill_ms: 777 },
      { token: shop.token },
    );
    expect(form.status, JSON.stringify(form.body)).toBe(200);
    for (const r of [relays[0], relays[2]]) {
      const took = await within(async () =>
        JSON.stringify((await config(r, shop)).body).includes('777'),
      );
      expect(took).toBeLessThan(SOON_MS);
    }
    const settings = await relays[2].api.patch(
      `/api/shop/shops/${shop.shopId}/`,
      { settings: { public_key_rate_limit: 1 } },
      { token: shop.token },
    );
    expect(settings.status, JSON.stringify(settings.body)).toBe(200);
    // The new per-key limit holds on the first relay at once: one write, then 429.
    await within(async () => {
      const statuses = [
        (await postLead(relays[0], leadBody(shop.pk))).status,
        (await postLead(relays[0], leadBody(shop.pk))).status,
      ];
      return statuses.includes(429);
    });
  });

  it('forgets everything after its database session broke (notifications may have been lost)', async () => {
    const shop = await widgetShop(relays[0]);
    // The notifications of the shop's set-up have arrived; then the key is cached.
    await new Promise((r) => setTimeout(r, 300));
    expect((await postLead(relays[2], leadBody(shop.pk))).status).toBe(202);
    // Revoked behind the relays' backs, as if the notification had been lost…
    await query(url, `DELETE FROM shop_keys WHERE id = $1`, [shop.keyId]);
    expect((await postLead(relays[2], leadBody(shop.pk))).status).toBe(202);
    // …while the relay's session was away.
    // The relay says so in its log (asserted, not printed).
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    await query(
      url,
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`,
      [`touchpoint/${relays[2].heartbeat.id}`],
    );
    try {
      const took = await within(
        async () => (await postLead(relays[2], leadBody(shop.pk))).status === 401,
      );
      expect(took).toBeLessThan(SOON_MS);
      expect(logged.mock.calls.map(([line]) => String(line))).toContainEqual(
        expect.stringContaining('database session lost'),
      );
    } finally {
      logged.mockRestore();
    }
  });
});
