import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../relay/db/open.js';
import { sql } from '../../../relay/db/sql.js';
import { createStores, type Stores } from '../../../relay/deps.js';
import { FormInput } from '../../../relay/forms/schemas.js';
import { LAST_OWNER } from '../../../relay/members/store.js';
import { eachEngine } from '../bot-users/engines.js';

const { engines, stop } = eachEngine('shops');
afterAll(stop);

const owners = sql<[number], { n: number }>(
  `SELECT count(*) AS n FROM shop_members WHERE shop_id = ? AND role = 'owner'`,
);

/**
 * Management records changed through two relays at once (on PostgreSQL; SQLite has one
 * writer, and the same checks pass there): a change never undoes another one made meanwhile,
 * and a shop never loses its last owner.
 */
describe.each(engines)('shop records written at once on %s', (_engine, open) => {
  let db: Db;
  let stores: Stores;
  let shopId: number;
  beforeAll(async () => {
    db = await open();
    stores = createStores(db);
    const owner = await stores.users.createInvited('owner@example.com');
    shopId = (await stores.shops.create({ name: 'Shop' }, owner.id)).id;
  }, 60_000);
  afterAll(() => db?.close());

  it('never lets two owners demote or remove each other at once', async () => {
    const [first] = (await stores.members.list(shopId, { limit: 10, offset: 0 })).rows;
    for (let i = 0; i < 8; i++) {
      const user = await stores.users.createInvited(`second${i}@example.com`);
      const second = await stores.members.add(shopId, user.id, 'owner');
      const changes = await Promise.allSettled(
        i % 2
          ? [stores.members.setRole(first.id, 'manager'), stores.members.delete(second.id)]
          : [
              stores.members.setRole(first.id, 'manager'),
              stores.members.setRole(second.id, 'manager'),
            ],
      );
      expect(changes.map((c) => c.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = changes.find((c) => c.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ status: 409, message: LAST_OWNER });
      expect((await db.get(owners, [shopId]))!.n).toBe(1);
      // Back to one owner, `first`, for the next round.
      await stores.members.setRole(first.id, 'owner');
      if ((await stores.members.get(second.id))?.role === 'owner')
        await stores.members.setRole(second.id, 'manager');
    }
  });

  it('keeps both of two changes to a bot made at once (a status and a name)', async () => {
    const bot = await stores.bots.create({
      shop_id: shopId,
      bot_type: 'sandbox',
      name: 'Bot',
      credential: null,
      tg_bot_nickname: null,
    });
    for (let i = 0; i < 8; i++) {
      const status = i % 2 ? 'stopped' : 'error';
      await Promise.all([
        stores.bots.update(bot.id, { name: `Bot ${i}` }),
        stores.bots.update(bot.id, { status, status_detail: `round ${i}` }),
      ]);
      expect(await stores.bots.get(bot.id)).toMatchObject({
        name: `Bot ${i}`,
        status,
        status_detail: `round ${i}`,
      });
    }
  });

  it('keeps every setting of shop patches made at once', async () => {
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        stores.shops.update(shopId, { settings: { [`s${i}`]: i } }),
      ),
    );
    const { settings } = (await stores.shops.get(shopId))!;
    for (let i = 0; i < 10; i++) expect(settings[`s${i}`]).toBe(i);
  });

  it('keeps both fields of form and custom field patches made at once', async () => {
    const form = await stores.forms.create(
      shopId,
      FormInput.parse({
        name: 'form',
        fields: [{ name: 'phone', label: { en: 'Phone' }, type: 'tel' }],
      }),
    );
    const field = await stores.customFields.create({
      shop_id: shopId,
      name: 'city',
      type: 'text',
      description: '',
    });
    for (let i = 1; i <= 5; i++) {
      await Promise.all([
        stores.forms.update(form.id, { name: `form ${i}` }),
        stores.forms.update(form.id, { min_fill_ms: i * 100 }),
        stores.customFields.update(field.id, { name: `city${i}` }),
        stores.customFields.update(field.id, { description: `round ${i}` }),
      ]);
      expect(await stores.forms.get(form.id)).toMatchObject({
        name: `form ${i}`,
        min_fill_ms: i * 100,
      });
      expect(await stores.customFields.get(field.id)).toMatchObject({
        name: `city${i}`,
        description: `round ${i}`,
      });
    }
  });
});
