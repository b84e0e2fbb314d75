import { expect } from 'vitest';
import { backoffMs } from '../../relay/delivery/backoff.js';
import type { RelayOptions } from '../../relay/relay.js';
import type { Relay } from '../helpers/relay.js';
import { eventually } from '../relay/channels/fixtures.js';
import type { WidgetShop } from '../relay/public/fixtures.js';

/**
 * The delivery worker of a suite whose fake messenger hangs and refuses on purpose: a send
 * unanswered for 1.5 s is given up, and a retry comes within a second.
 */
export const quickRetries: Pick<RelayOptions, 'worker'> = {
  worker: {
    sendTimeoutMs: 1_500,
    backoff: (n) => backoffMs(n, { baseMs: 100, capMs: 1_000, floorMs: 50 }),
  },
};

/** Alerts the shop's manager of new leads through its bot (`chat_id`: the manager there). */
export async function alertManager(
  relay: Relay,
  shop: WidgetShop,
  channel: { type: 'viber' | 'vk'; bot_id: number; chat_id: string | number },
) {
  const r = await relay.api.post(
    '/api/notifications/channels/',
    { shop_id: shop.shopId, ...channel, events: ['lead.created'] },
    { token: shop.token },
  );
  expect(r.status, JSON.stringify(r.body)).toBe(201);
}

/** A secret key of the shop, as its backend calls the API with. */
export const secretKeyOf = async (relay: Relay, shop: WidgetShop) =>
  (await relay.stores.keys.create({ shop_id: shop.shopId, kind: 'secret' })).key;

/** `eventually`, with the time a message takes through a relay and a fake messenger. */
export const waitFor = <T>(check: () => T | Promise<T>, ms = 10_000) => eventually(check, ms);
