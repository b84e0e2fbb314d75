import { expect } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import type { Relay } from '../../helpers/relay.js';

/**
 * Bots, forms and tags for scenario tests, inserted with SQL so these tests do not depend
 * on the routes of those resources.
 */
const bot = sql<[number, string], { id: number }>(
  `INSERT INTO bots (shop_id, bot_type, name) VALUES (?, 'web', ?) RETURNING id`,
);
const form = sql<[number, string], { id: number }>(
  `INSERT INTO forms (shop_id, name) VALUES (?, ?) RETURNING id`,
);
const tag = sql<[number, string], { id: number }>(
  `INSERT INTO tags (shop_id, name) VALUES (?, ?) RETURNING id`,
);

export async function insertBot(relay: Relay, shopId: number, name = 'Site'): Promise<number> {
  return (await relay.db.get(bot, [shopId, name]))!.id;
}

export async function insertForm(relay: Relay, shopId: number, name = `Callback ${Math.random()}`) {
  return (await relay.db.get(form, [shopId, name]))!.id;
}

export async function insertTag(relay: Relay, shopId: number, name = `vip ${Math.random()}`) {
  return (await relay.db.get(tag, [shopId, name]))!.id;
}

/** A flow of a new bot of the shop, made through the store. */
export async function insertFlow(relay: Relay, shopId: number, name = 'Welcome') {
  const botId = await insertBot(relay, shopId);
  return relay.stores.scenario.flows.create(shopId, { bot_id: botId, name });
}

/** A secret key (`sk_…`) of the shop, to act as the shop rather than as a user. */
export async function secretKey(relay: Relay, shopId: number): Promise<string> {
  return (await relay.stores.keys.create({ shop_id: shopId, kind: 'secret' })).key;
}

/**
 * Pagination of a list with `total` (over 100) objects: absolute next/previous URLs that keep
 * the other query parameters (`path` carries them), and limit=500 clamped to 100.
 */
export async function expectPagination(relay: Relay, path: string, token: string, total: number) {
  const first = await relay.api.get(`${path}&limit=2`, { token });
  expect(first.status).toBe(200);
  expect(first.body.result.count).toBe(total);
  expect(first.body.result.results).toHaveLength(2);
  expect(first.body.result.previous).toBeNull();
  const next = new URL(first.body.result.next);
  expect(next.origin).toBe(relay.url);
  const asked = new URL(path, relay.url).searchParams;
  expect(Object.fromEntries(next.searchParams)).toEqual({
    ...Object.fromEntries(asked),
    limit: '2',
    offset: '2',
  });

  const second = await relay.api.get(first.body.result.next, { token });
  expect(second.body.result.results[0].id).toBeGreaterThan(first.body.result.results[1].id);
  expect(new URL(second.body.result.previous).searchParams.get('offset')).toBeNull();

  const clamped = await relay.api.get(`${path}&limit=500`, { token });
  expect(clamped.body.result.results).toHaveLength(100);
  expect(new URL(clamped.body.result.next).searchParams.get('limit')).toBe('100');
  const last = await relay.api.get(clamped.body.result.next, { token });
  expect(last.body.result.results).toHaveLength(total - 100);
  expect(last.body.result.next).toBeNull();
}
