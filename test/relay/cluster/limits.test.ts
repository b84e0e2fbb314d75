import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, postgresForSuite, startPgRelay } from '../../helpers/cluster.js';
import type { Relay } from '../../helpers/relay.js';
import { leadBody, ORIGIN, postLead, widgetShop } from '../public/fixtures.js';

const pgs = await postgresForSuite();
afterAll(() => pgs.server?.stop());

/** Two relays in this process on one PostgreSQL database, as behind one load balancer. */
async function twoRelays(overrides: Parameters<typeof startPgRelay>[1] = {}) {
  const url = await createDatabase(pgs.server!);
  return [await startPgRelay(url, overrides), await startPgRelay(url, overrides)] as const;
}

/**
 * The public limits (per address, per publishable key) and the login throttle are counted in
 * the database on PostgreSQL: a client spreading its requests over several relays meets the
 * same limits as against one relay, and is told when to come back (Retry-After).
 */
describe.skipIf(!pgs.server)('limits counted across relays on PostgreSQL', () => {
  describe('per address and per key', () => {
    let relays: readonly [Relay, Relay];
    beforeAll(async () => {
      relays = await twoRelays({ publicRateLimit: 6 });
    }, 60_000);
    afterAll(async () => {
      for (const r of relays ?? []) await r.close();
    });

    it('allows one address the public limit over all relays together', async () => {
      const shop = await widgetShop(relays[0]);
      const statuses: number[] = [];
      const retryAfter: (string | null)[] = [];
      for (let i = 0; i < 10; i++) {
        const r = await relays[i % 2].api.get(`/public/v1/config?key=${shop.pk}`, {
          headers: { origin: ORIGIN },
        });
        statuses.push(r.status);
        if (r.status === 429) retryAfter.push(r.headers.get('retry-after'));
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429, 429, 429]);
      for (const s of retryAfter) expect(Number(s)).toBeGreaterThan(0);
    });
  });

  describe('per publishable key', () => {
    let relays: readonly [Relay, Relay];
    beforeAll(async () => {
      relays = await twoRelays({ publicRateLimit: 0 });
    }, 60_000);
    afterAll(async () => {
      for (const r of relays ?? []) await r.close();
    });

    it('allows a key its writes per minute over all relays together', async () => {
      const shop = await widgetShop(relays[0], { settings: { public_key_rate_limit: 4 } });
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++)
        statuses.push((await postLead(relays[i % 2], leadBody(shop.pk))).status);
      expect(statuses).toEqual([202, 202, 202, 202, 429, 429, 429]);
    });
  });

  describe('logins', () => {
    let relays: readonly [Relay, Relay];
    beforeAll(async () => {
      relays = await twoRelays();
    }, 60_000);
    afterAll(async () => {
      for (const r of relays ?? []) await r.close();
    });

    it('refuses a guesser who spreads attempts over relays as one relay would', async () => {
      const email = `guessed-${Date.now()}@example.test`;
      await relays[0].stores.users.create(email, 'the right password');
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++)
        statuses.push(
          (
            await relays[i % 2].api.post('/api/auth/login/', {
              email,
              password: `wrong ${i}`,
            })
          ).status,
        );
      // Five per (email, address) in 15 minutes; the soft delay slows the later ones down.
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    }, 60_000);
  });
});
