import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { expectIsolated, expectRejectsBadInput } from '../../helpers/checks.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';

describe('bot users', () => {
  let relay: Relay;
  let a: Owner;
  let b: Owner;
  let botA: { id: number };
  let botB: { id: number };
  beforeAll(async () => {
    relay = await startRelay();
    a = await userWithShop(relay, 'A');
    b = await userWithShop(relay, 'B');
    const bot = (shop_id: number, name: string) =>
      relay.stores.bots.create({
        shop_id,
        bot_type: 'web',
        name,
        credential: null,
        tg_bot_nickname: null,
      });
    botA = await bot(a.shop.id, 'Site A');
    botB = await bot(b.shop.id, 'Site B');
  });
  afterAll(() => relay.close());

  const create = (owner: Owner, body: Record<string, unknown>) =>
    relay.api.post(
      '/api/bot/bot_user/unsafe_create/',
      { shop_id: owner.shop.id, bot_id: owner === a ? botA.id : botB.id, ...body },
      { token: owner.token },
    );
  const tag = (owner: Owner, name: string) =>
    relay.stores.tags.create({ shop_id: owner.shop.id, name });

  it('creates a bot user and reads it in the platform shape', async () => {
    const vip = await tag(a, 'vip');
    const r = await create(a, {
      messenger_user_id: 1001,
      name: 'Иван Петров',
      lang_code: 'ru',
      avatar_url: 'https://cdn.example/ivan.png',
      store: {
        phone: '+79001234567',
        subscribed_to_bot: true,
        tags: [{ id: vip.id }],
        user_vars: { city: 'Тверь', age: 30 },
      },
    });
    expect(r.status).toBe(201);
    const user = r.body.result;
    expect(user).toEqual({
      id: expect.any(Number),
      shop_id: a.shop.id,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updated_at: expect.any(String),
      bot: { id: botA.id, name: 'Site A', bot_type: 'web' },
      messenger_user_id: '1001',
      state: '',
      lang_code: 'ru',
      name: 'Иван Петров',
      avatar_url: 'https://cdn.example/ivan.png',
      messenger_user_url: '',
      store: {
        name: 'Иван Петров',
        phone: '+79001234567',
        avatar_url: 'https://cdn.example/ivan.png',
        start_parameter: '',
        subscribed_to_bot: true,
        tags: [{ id: vip.id, name: 'vip' }],
        user_vars: { city: 'Тверь', age: 30 },
      },
      links: { visitor_id: null, lead_ids: [], order_ids: [] },
      takeover: null,
    });
    const read = await relay.api.get(`/api/bot/bot_users/${user.id}/`, { token: a.token });
    expect(read.body.result).toEqual(user);
  });

  it('answers 409 when the bot already has that messenger user, and 400 for foreign references', async () => {
    expect((await create(a, { messenger_user_id: 'dup' })).status).toBe(201);
    const dup = await create(a, { messenger_user_id: 'dup' });
    expect(dup.status).toBe(409);
    expect(dup.body.errors.messenger_user_id).toBeDefined();

    const foreignBot = await create(a, { messenger_user_id: 'x1', bot_id: botB.id });
    expect(foreignBot.status).toBe(400);
    expect(foreignBot.body.errors.bot_id).toBeDefined();
    const tagB = await tag(b, 'b-only');
    const foreignTag = await create(a, {
      messenger_user_id: 'x2',
      store: { tags: [{ id: tagB.id }] },
    });
    expect(foreignTag.status).toBe(400);
    expect(foreignTag.body.errors['store.tags']).toBeDefined();
  });

  it('merges user_vars key by key, replaces tags, and clears them with []', async () => {
    const [t1, t2, t3] = await Promise.all(['one', 'two', 'three'].map((n) => tag(a, `set-${n}`)));
    const user = (
      await create(a, {
        messenger_user_id: 'vars',
        store: {
          tags: [{ id: t1.id }, { id: t2.id }],
          user_vars: { keep: 'k', drop: 'd', change: 1 },
        },
      })
    ).body.result;
    const path = `/api/bot/bot_users/${user.id}/`;
    const patched = await relay.api.patch(
      path,
      {
        name: 'Renamed',
        state: 'waiting_phone',
        lang_code: 'en',
        store: {
          phone: '+100',
          subscribed_to_bot: false,
          tags: [{ id: t3.id }],
          user_vars: { drop: null, change: 2, added: true },
        },
      },
      { token: a.token },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.result).toMatchObject({
      name: 'Renamed',
      state: 'waiting_phone',
      lang_code: 'en',
      store: {
        name: 'Renamed',
        phone: '+100',
        subscribed_to_bot: false,
        tags: [{ id: t3.id, name: 'set-three' }],
        user_vars: { keep: 'k', change: 2, added: true },
      },
    });
    expect(patched.body.result.updated_at >= user.updated_at).toBe(true);

    const untouched = await relay.api.patch(
      path,
      { store: { user_vars: { more: 'x' } } },
      { token: a.token },
    );
    expect(untouched.body.result.store.tags).toEqual([{ id: t3.id, name: 'set-three' }]);
    expect(untouched.body.result.name).toBe('Renamed');
    const cleared = await relay.api.patch(path, { store: { tags: [] } }, { token: a.token });
    expect(cleared.body.result.store.tags).toEqual([]);

    const tagB = await tag(b, 'not-yours');
    const foreign = await relay.api.patch(
      path,
      { store: { tags: [{ id: tagB.id }] } },
      { token: a.token },
    );
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors['store.tags']).toBeDefined();
    const badVar = await relay.api.patch(
      path,
      { store: { user_vars: { 'bad key': 1 } } },
      { token: a.token },
    );
    expect(badVar.status).toBe(400);
    expect(badVar.body.errors['store.user_vars.bad key'][0]).toMatch(
      /letters, digits and underscores/,
    );
  });

  it('links leads and orders, and erasing the bot user keeps the leads, unlinked', async () => {
    const user = (
      await create(a, {
        messenger_user_id: 'linked',
        store: { tags: [{ id: (await tag(a, 'gone')).id }] },
      })
    ).body.result;
    const db = relay.db;
    await db.run(sql('UPDATE bot_users SET visitor_id = ? WHERE id = ?'), ['visitor-7', user.id]);
    const insertId = async (text: string, params: unknown[]) =>
      (await db.get(sql<unknown[], { id: number }>(`${text} RETURNING id`), params))!.id;
    const lead = (n: number) =>
      insertId(`INSERT INTO leads (shop_id, bot_user_id, fields) VALUES (?, ?, ?)`, [
        a.shop.id,
        user.id,
        `{"n":${n}}`,
      ]);
    const leads = [await lead(1), await lead(2)];
    const order = await insertId(`INSERT INTO orders (shop_id, number) VALUES (?, '1001')`, [
      a.shop.id,
    ]);
    await db.run(sql('INSERT INTO bot_user_orders (bot_user_id, order_id) VALUES (?, ?)'), [
      user.id,
      order,
    ]);

    const read = await relay.api.get(`/api/bot/bot_users/${user.id}/`, { token: a.token });
    expect(read.body.result.links).toEqual({
      visitor_id: 'visitor-7',
      lead_ids: leads,
      order_ids: [order],
    });
    const listed = await relay.api.get(`/api/bot/bot_users/?shop_id=${a.shop.id}&search=linked`, {
      token: a.token,
    });
    expect(listed.body.result.results[0].links).toEqual(read.body.result.links);

    const del = await relay.api.delete(`/api/bot/bot_users/${user.id}/`, { token: a.token });
    expect(del.body).toEqual({ status: 'ok', result: { id: user.id, deleted: true } });
    expect((await relay.api.get(`/api/bot/bot_users/${user.id}/`, { token: a.token })).status).toBe(
      404,
    );
    const kept = await db.all(
      sql('SELECT id, bot_user_id FROM leads WHERE id IN (?, ?) ORDER BY id'),
      leads,
    );
    expect(kept).toEqual(leads.map((id) => ({ id, bot_user_id: null })));
    expect(
      await db.get(sql('SELECT count(*) AS n FROM bot_user_tags WHERE bot_user_id = ?'), [user.id]),
    ).toEqual({ n: 0 });
    expect(
      await db.get(sql('SELECT count(*) AS n FROM bot_user_orders WHERE bot_user_id = ?'), [
        user.id,
      ]),
    ).toEqual({ n: 0 });
    expect(await db.get(sql('SELECT count(*) AS n FROM orders WHERE id = ?'), [order])).toEqual({
      n: 1,
    });
  });

  it('filters by search (any case, any script), bot and tag', async () => {
    const owner = await userWithShop(relay, 'Search');
    const bot = (name: string) =>
      relay.stores.bots.create({
        shop_id: owner.shop.id,
        bot_type: 'web',
        name,
        credential: null,
        tg_bot_nickname: null,
      });
    const [one, two] = [await bot('one'), await bot('two')];
    const regular = await relay.stores.tags.create({ shop_id: owner.shop.id, name: 'regular' });
    const add = (bot_id: number, messenger_user_id: string, fields: Record<string, unknown> = {}) =>
      relay.stores.botUsers.create({
        shop_id: owner.shop.id,
        bot_id,
        messenger_user_id,
        ...fields,
      });
    const ivan = await add(one.id, 'tg-501', { name: 'Иван Грозный', tag_ids: [regular.id] });
    const anna = await add(one.id, 'tg-502', { name: 'Anna', phone: '+7 999 000-11-22' });
    const mail = await add(two.id, 'tg-503', { name: 'Mail' });
    await relay.db.run(sql('UPDATE bot_users SET email = ? WHERE id = ?'), [
      'Boss@Example.com',
      mail.id,
    ]);

    const ids = async (query: string) => {
      const r = await relay.api.get(`/api/bot/bot_users/?shop_id=${owner.shop.id}&${query}`, {
        token: owner.token,
      });
      expect(r.status, query).toBe(200);
      return r.body.result.results.map((u: { id: number }) => u.id);
    };
    expect(await ids('search=%D0%B8%D0%B2%D0%B0%D0%BD')).toEqual([ivan.id]); // "иван"
    expect(await ids('search=ГРОЗН')).toEqual([ivan.id]);
    expect(await ids('search=000-11')).toEqual([anna.id]);
    expect(await ids('search=boss@example')).toEqual([mail.id]);
    expect(await ids('search=tg-50')).toEqual([ivan.id, anna.id, mail.id]);
    expect(await ids('search=%25')).toEqual([]);
    expect(await ids(`bot_id=${two.id}`)).toEqual([mail.id]);
    expect(await ids(`tag=${regular.id}`)).toEqual([ivan.id]);
    expect(await ids(`tag=${regular.id}&bot_id=${two.id}`)).toEqual([]);
    const bad = await relay.api.get(`/api/bot/bot_users/?shop_id=${owner.shop.id}&bot_id=abc`, {
      token: owner.token,
    });
    expect(bad.body.errors.bot_id).toBeDefined();
  });

  it('paginates with absolute next/previous URLs and clamps limit to 100', async () => {
    const owner = await userWithShop(relay, 'Many');
    const bot = await relay.stores.bots.create({
      shop_id: owner.shop.id,
      bot_type: 'web',
      name: 'w',
      credential: null,
      tg_bot_nickname: null,
    });
    for (let i = 0; i < 105; i++)
      await relay.stores.botUsers.create({
        shop_id: owner.shop.id,
        bot_id: bot.id,
        messenger_user_id: `m${i}`,
      });
    const base = `/api/bot/bot_users/?shop_id=${owner.shop.id}&bot_id=${bot.id}`;
    const first = await relay.api.get(`${base}&limit=3`, { token: owner.token });
    expect(first.body.result.count).toBe(105);
    expect(Object.fromEntries(new URL(first.body.result.next).searchParams)).toMatchObject({
      bot_id: String(bot.id),
      limit: '3',
      offset: '3',
    });
    const second = await relay.api.get(first.body.result.next, { token: owner.token });
    expect(second.body.result.results[0].messenger_user_id).toBe('m3');
    const clamped = await relay.api.get(`${base}&limit=500`, { token: owner.token });
    expect(clamped.body.result.results).toHaveLength(100);
    const last = await relay.api.get(clamped.body.result.next, { token: owner.token });
    expect(last.body.result.results).toHaveLength(5);
  });

  it("never shows, changes or erases another shop's bot user", async () => {
    const userB = (await create(b, { messenger_user_id: 'b-secret', name: 'B person' })).body
      .result;
    const opts = {
      base: '/api/bot/bot_users/',
      shopA: a.shop.id,
      shopB: b.shop.id,
      idOfB: userB.id,
      patch: { name: 'stolen' },
    };
    await expectIsolated(relay.api, { ...opts, tokenA: a.token });
    const sk = await relay.stores.keys.create({ shop_id: a.shop.id, kind: 'secret' });
    await expectIsolated(relay.api, { ...opts, tokenA: sk.key });
    expect((await relay.stores.botUsers.get(userB.id))!.name).toBe('B person');
    const viaKey = await relay.api.post(
      '/api/bot/bot_user/unsafe_create/',
      { bot_id: botB.id, messenger_user_id: 'x' },
      { token: sk.key },
    );
    expect(viaKey.body.errors.bot_id).toBeDefined();
  });

  it('rejects bad input', async () => {
    await expectRejectsBadInput(relay.api, {
      method: 'POST',
      path: '/api/bot/bot_user/unsafe_create/',
      token: a.token,
      valid: {
        shop_id: a.shop.id,
        bot_id: botA.id,
        messenger_user_id: 'valid-1',
        name: 'V',
        lang_code: 'en',
        store: { phone: '1' },
      },
      required: ['bot_id', 'messenger_user_id'],
    });
    const user = (await create(a, { messenger_user_id: 'patch-me' })).body.result;
    await expectRejectsBadInput(relay.api, {
      method: 'PATCH',
      path: `/api/bot/bot_users/${user.id}/`,
      token: a.token,
      valid: {
        name: 'V',
        state: 's',
        lang_code: 'en',
        avatar_url: 'https://x.example/a.png',
        store: { user_vars: { a: 1 } },
      },
    });
    const badUrl = await relay.api.patch(
      `/api/bot/bot_users/${user.id}/`,
      { avatar_url: 'javascript:alert(1)' },
      { token: a.token },
    );
    expect(badUrl.body.errors.avatar_url).toBeDefined();
  });
});
