import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../relay/db/open.js';
import { sql } from '../../../relay/db/sql.js';
import { createStores, type Stores } from '../../../relay/deps.js';
import { itemCallback } from '../../../relay/messages/schemas.js';
import { NOTICES } from '../../../relay/scenario/runtime/engine.js';
import { eachEngine } from '../bot-users/engines.js';

/**
 * What must hold when several relays move the same scenario at once (on PostgreSQL; SQLite
 * has one writer, and the same checks pass there): two saves never close a loop together,
 * two presses of one button move the run once, and a due delay resumes once.
 */
const { engines, stop } = eachEngine('scenario');
afterAll(stop);

const insertShop = sql<undefined, { id: number }>(
  `INSERT INTO shops (name) VALUES ('Shop') RETURNING id`,
);
const insertBot = sql<[number], { id: number }>(
  `INSERT INTO bots (shop_id, bot_type, name) VALUES (?, 'sandbox', 'Bot') RETURNING id`,
);
/** Scenario messages queued to a bot user. */
const sentTo = sql<[number], { n: number }>(
  `SELECT count(*) AS n FROM deliveries WHERE event = 'scenario.step' AND bot_user_id = ?`,
);

describe.each(engines)('scenario writes at once on %s', (_engine, open) => {
  let db: Db;
  let stores: Stores;
  let shopId: number;
  let botId: number;
  let flowId: number;
  beforeAll(async () => {
    db = await open();
    stores = createStores(db);
    shopId = (await db.get(insertShop))!.id;
    botId = (await db.get(insertBot, [shopId]))!.id;
    flowId = (await stores.scenario.flows.create(shopId, { bot_id: botId, name: 'Flow' })).id;
  }, 60_000);
  afterAll(() => db?.close());

  const step = async (input: Record<string, unknown>) =>
    (
      await stores.scenario.steps.create(shopId, {
        flow_id: flowId,
        type: 'message',
        payload: { text: 'Hi' },
        ...input,
      } as never)
    ).id;
  let people = 0;
  const person = async () =>
    (
      await stores.botUsers.create({
        shop_id: shopId,
        bot_id: botId,
        messenger_user_id: `p${++people}`,
      })
    ).id;
  const sent = async (botUserId: number) => (await db.get(sentTo, [botUserId]))!.n;
  const runtime = () => stores.scenarioRuntime;

  it('never lets two saves close a loop together', async () => {
    // Each save alone is fine; both together make a → b → a. Without the flow's lock, most
    // of these pairs passed the loop check each on PostgreSQL.
    for (let i = 0; i < 20; i++) {
      const [a, b] = [await step({}), await step({})];
      const saves = await Promise.allSettled([
        stores.scenario.steps.update(a, { next_step_id: b }),
        stores.scenario.steps.update(b, { next_step_id: a }),
      ]);
      expect(saves.map((s) => s.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = saves.find((s) => s.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ status: 400 });
      expect(JSON.stringify(refused.reason)).toMatch(/loop forever/);
    }
  });

  it('moves a run once when the same button is pressed twice at once', async () => {
    const next = await step({ payload: { text: 'Next' } });
    const menu = await step({ payload: { text: 'Menu' } });
    const item = await stores.scenario.menuItems.create(shopId, {
      step_id: menu,
      title: 'Go',
      next_step_id: next,
    });
    const rt = runtime();
    for (let i = 0; i < 10; i++) {
      const id = await person();
      const started = await db.tx((tx) => rt.pressInTx(tx, id, `step:${menu}`));
      expect(started.steps).toBe(1);
      const { seq } = (await rt.runs.get(id))!;
      const data = itemCallback(item.id, seq);
      const presses = await Promise.all([
        db.tx((tx) => rt.pressInTx(tx, id, data)),
        db.tx((tx) => rt.pressInTx(tx, id, data)),
      ]);
      expect(presses).toContainEqual({ steps: 1, path: [next] });
      expect(presses).toContainEqual({ steps: 0, notice: NOTICES.stale });
      expect(await sent(id)).toBe(2); // the menu, then "Next" once
    }
  });

  it('keeps a tag set by hand while an action step adds another', async () => {
    const tag = sql<[number, string], { id: number }>(
      `INSERT INTO tags (shop_id, name) VALUES (?, ?) RETURNING id`,
    );
    const [a, b, c] = [
      (await db.get(tag, [shopId, 'a']))!.id,
      (await db.get(tag, [shopId, 'b']))!.id,
      (await db.get(tag, [shopId, 'c']))!.id,
    ];
    const adds = await step({ type: 'action', action: { add_tag_id: c } });
    const rt = runtime();
    for (let i = 0; i < 10; i++) {
      const id = await person();
      await stores.botUsers.update(id, { tag_ids: [a] });
      // A manager's PATCH (the whole set) and the flow's action at once: either order is
      // fine, but neither may undo the other's tag.
      await Promise.all([
        stores.botUsers.update(id, { tag_ids: [a, b] }),
        db.tx((tx) => rt.pressInTx(tx, id, `step:${adds}`)),
      ]);
      const tags = (await stores.botUsers.get(id))!.store.tags.map((t) => t.id);
      tags.sort((x, y) => x - y);
      expect([
        [a, b],
        [a, b, c],
      ]).toContainEqual(tags);
    }
  });

  it('resumes each due delay once when two scheduler ticks run at once', async () => {
    const after = await step({ payload: { text: 'After the pause' } });
    const pause = await step({
      type: 'delay',
      payload: { text: '' },
      delay_seconds: 1,
      next_step_id: after,
    });
    const rt = runtime();
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) {
      const id = await person();
      ids.push(id);
      await db.tx((tx) => rt.pressInTx(tx, id, `step:${pause}`));
    }
    expect(await rt.runs.pendingDelays()).toBe(ids.length);
    const at = new Date(Date.now() + 2_000).toISOString();
    // Batches of 4: together the two ticks resume all six, each run in one of them.
    const resumed = await Promise.all([
      db.tx((tx) => rt.resumeDueInTx(tx, at, 4)),
      db.tx((tx) => rt.resumeDueInTx(tx, at, 4)),
    ]);
    expect(resumed[0] + resumed[1]).toBe(ids.length);
    for (const id of ids) expect(await sent(id)).toBe(1);
    expect(await rt.runs.pendingDelays()).toBe(0);
    expect(await rt.runs.nextDue()).toBeNull();
  });
});
