import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportStream } from '../../../relay/bot-users/export.js';
import { EXPORT_COLUMNS } from '../../../relay/bot-users/export-sql.js';
import { sql } from '../../../relay/db/sql.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';

/** Values that break naive CSV writers or spreadsheets. */
const NASTY = [
  'Иван "Ваня", Петров\nмл.',
  'José, María',
  '王小明',
  '=HYPERLINK("http://evil.example","click")',
  '+1 cmd',
  '-2',
  '@SUM(A1)',
  '\tindented',
  'line\r\nbreak',
  'plain',
];

describe('bot user export', () => {
  let relay: Relay;
  let a: Owner;
  let b: Owner;
  let bot: { id: number };
  let other: { id: number };
  let vip: { id: number };
  let ids: number[];
  beforeAll(async () => {
    relay = await startRelay();
    a = await userWithShop(relay, 'A');
    b = await userWithShop(relay, 'B');
    const newBot = (shop_id: number, name: string) =>
      relay.stores.bots.create({
        shop_id,
        bot_type: 'web',
        name,
        credential: null,
        tg_bot_nickname: null,
      });
    bot = await newBot(a.shop.id, 'Site');
    other = await newBot(a.shop.id, 'Other');
    vip = await relay.stores.tags.create({ shop_id: a.shop.id, name: 'vip' });
    const plus = await relay.stores.tags.create({ shop_id: a.shop.id, name: '=plus' });
    ids = [];
    for (let i = 0; i < 50; i++) {
      const user = await relay.stores.botUsers.create({
        shop_id: a.shop.id,
        bot_id: i < 45 ? bot.id : other.id,
        messenger_user_id: String(7000 + i),
        name: `${NASTY[i % NASTY.length]} ${i}`,
        phone: i === 0 ? '+79001234567' : '',
        subscribed_to_bot: i % 7 !== 0,
        tag_ids: i % 5 === 0 ? [vip.id, plus.id] : [],
        user_vars: i % 2 ? { city: 'Тверь, "центр"', n: i, ok: true } : {},
      });
      ids.push(user.id);
    }
    await relay.db.run(sql('UPDATE bot_users SET email = ?, visitor_id = ? WHERE id = ?'), [
      'first@example.com',
      'v-1',
      ids[0],
    ]);
    const botB = await newBot(b.shop.id, 'B');
    await relay.stores.botUsers.create({
      shop_id: b.shop.id,
      bot_id: botB.id,
      messenger_user_id: 'b-1',
      name: 'B secret',
    });
  });
  afterAll(() => relay.close());

  const download = (query: string, token = a.token) =>
    relay.api.get(`/api/bot/bot_users/export/?${query}`, { token });

  it('streams CSV that round-trips through a CSV parser, BOM and formula guard included', async () => {
    const r = await download(`shop_id=${a.shop.id}&format=csv`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    const date = new Date().toISOString().slice(0, 10);
    expect(r.headers.get('content-disposition')).toBe(
      `attachment; filename="bot_users-${a.shop.id}-${date}.csv"`,
    );
    const raw = await fetch(`${relay.url}/api/bot/bot_users/export/?shop_id=${a.shop.id}`, {
      headers: { authorization: `Bearer ${a.token}` },
    });
    const bytes = new Uint8Array(await raw.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the UTF-8 BOM

    const rows: Record<string, string>[] = parse(r.text, { bom: true, columns: true });
    expect(Object.keys(rows[0])).toEqual([...EXPORT_COLUMNS]);
    expect(rows.map((row) => Number(row.id))).toEqual(ids);
    for (const [i, row] of rows.entries()) {
      const name = `${NASTY[i % NASTY.length]} ${i}`;
      expect(row.name, `row ${i}`).toBe(/^[=+\-@\t\r]/.test(name) ? `'${name}` : name);
      expect(row.messenger_user_id).toBe(String(7000 + i));
      expect(row.bot_id).toBe(String(i < 45 ? bot.id : other.id));
      expect(row.bot_type).toBe('web');
      expect(row.subscribed_to_bot).toBe(i % 7 !== 0 ? 'true' : 'false');
      expect(row.tags).toBe(i % 5 === 0 ? 'vip;=plus' : ''); // tag id order
      expect(JSON.parse(row.user_vars)).toEqual(
        i % 2 ? { city: 'Тверь, "центр"', n: i, ok: true } : {},
      );
    }
    expect(rows[0]).toMatchObject({
      phone: "'+79001234567",
      email: 'first@example.com',
      visitor_id: 'v-1',
    });
    expect(rows[3].name).toBe(`'=HYPERLINK("http://evil.example","click") 3`);
    expect(rows[0].created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(r.text).not.toContain('B secret');
  });

  it('streams NDJSON, one flat object per line', async () => {
    const r = await download(`shop_id=${a.shop.id}&format=ndjson`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/x-ndjson');
    expect(r.headers.get('content-disposition')).toMatch(/filename="bot_users-\d+-[\d-]+\.ndjson"/);
    expect(r.text.endsWith('\n')).toBe(true);
    const lines = r.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(50);
    expect(Object.keys(lines[0])).toEqual([...EXPORT_COLUMNS]);
    expect(lines[0]).toMatchObject({
      id: ids[0],
      bot_id: bot.id,
      bot_type: 'web',
      messenger_user_id: '7000',
      name: `${NASTY[0]} 0`,
      phone: '+79001234567',
      email: 'first@example.com',
      subscribed_to_bot: false,
      tags: expect.arrayContaining(['vip', '=plus']),
      user_vars: {},
      visitor_id: 'v-1',
    });
    expect(lines[1]).toMatchObject({
      tags: [],
      user_vars: { city: 'Тверь, "центр"', n: 1, ok: true },
      visitor_id: null,
    });
    expect(lines[3].name).toBe(`${NASTY[3]} 3`); // JSON needs no formula guard
  });

  it('applies the list filters: bot, tag and search', async () => {
    const count = async (query: string) => {
      const r = await download(`shop_id=${a.shop.id}&format=ndjson&${query}`);
      expect(r.status, query).toBe(200);
      return r.text ? r.text.trimEnd().split('\n').length : 0;
    };
    expect(await count(`bot_id=${other.id}`)).toBe(5);
    expect(await count(`tag=${vip.id}`)).toBe(10);
    expect(await count(`tag=${vip.id}&bot_id=${other.id}`)).toBe(1);
    expect(await count('search=%D0%B8%D0%B2%D0%B0%D0%BD')).toBe(5); // "иван"
    expect(await count('search=nobody')).toBe(0);
    const empty = await download(`shop_id=${a.shop.id}&format=csv&search=nobody`);
    expect(parse(empty.text, { bom: true })).toEqual([[...EXPORT_COLUMNS]]);
  });

  it("never exports another shop's bot users", async () => {
    expect((await download(`shop_id=${b.shop.id}&format=csv`)).status).toBe(404);
    const viaB = await download(`shop_id=${b.shop.id}&format=ndjson`, b.token);
    expect(
      viaB.text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).name),
    ).toEqual(['B secret']);
    const sk = await relay.stores.keys.create({ shop_id: a.shop.id, kind: 'secret' });
    const viaKey = await relay.api.get('/api/bot/bot_users/export/?format=csv', { token: sk.key });
    expect(parse(viaKey.text, { bom: true, columns: true })).toHaveLength(50);
    expect(
      (await relay.api.get(`/api/bot/bot_users/export/?shop_id=${b.shop.id}`, { token: sk.key }))
        .status,
    ).toBe(404);
    expect((await relay.api.get('/api/bot/bot_users/export/')).status).toBe(401);
  });

  it('rejects an unknown format or a bad filter with field errors', async () => {
    const r = await download(`shop_id=${a.shop.id}&format=xlsx`);
    expect(r.status).toBe(400);
    expect(r.body.errors.format).toBeDefined();
    expect((await download(`shop_id=${a.shop.id}&tag=abc`)).body.errors.tag).toBeDefined();
    expect((await download('format=csv')).body.errors.shop_id).toBeDefined();
  });

  it('reads batch after batch by id without missing or repeating a row', async () => {
    const stream = exportStream(relay.stores.botUsers, a.shop.id, {}, 'csv', 7);
    const text = await new Response(stream).text();
    const rows = parse(text, { bom: true, columns: true }) as { id: string }[];
    expect(rows.map((row) => Number(row.id))).toEqual(ids);
    const exact = exportStream(relay.stores.botUsers, a.shop.id, {}, 'ndjson', 10);
    expect((await new Response(exact).text()).trimEnd().split('\n')).toHaveLength(50);
  });
});
