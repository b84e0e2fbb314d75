import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportStream } from '../../../relay/bot-users/export.js';
import { createInbound } from '../../../relay/channels/inbound.js';
import type { Db } from '../../../relay/db/open.js';
import type { DomainEvent } from '../../../relay/db/events.js';
import { sql } from '../../../relay/db/sql.js';
import { createStores, type Stores } from '../../../relay/deps.js';
import { onPostgres } from '../../helpers/engine.js';
import { eachEngine } from './engines.js';

const { engines, both, stop } = eachEngine('bot_users');
afterAll(stop);

const insertShop = sql<undefined, { id: number }>(
  `INSERT INTO shops (name) VALUES ('Shop') RETURNING id`,
);
const insertBot = sql<[number, string], { id: number }>(
  `INSERT INTO bots (shop_id, bot_type, name) VALUES (?, 'sandbox', ?) RETURNING id`,
);
const setDetails = sql<[string, string | null, string, string, number], never>(
  `UPDATE bot_users SET email = ?, visitor_id = ?, created_at = ?, updated_at = ? WHERE id = ?`,
);

/** Values that break naive CSV and JSON writers, and each kind of formula start. */
const NAMES = [
  'Иван "Ваня", Петров\nмл.',
  '=HYPERLINK("http://evil.example","click")',
  '+1 cmd',
  '-2',
  '@SUM(A1)',
  '\tindented',
  '\rreturn',
  'line\r\nbreak',
  'back\\slash \u0001\u001f\u007f \u2028 😀 王小明',
  'plain',
];

/** One shop's audience, the same on each engine (ids included: both databases are fresh). */
async function seed(db: Db, stores: Stores) {
  const shop = (await db.get(insertShop))!.id;
  const bot = (await db.get(insertBot, [shop, 'Site']))!.id;
  const other = (await db.get(insertBot, [shop, 'Other']))!.id;
  // Created in this order, listed by id: "zeta" first, as SQLite's group_concat reads them.
  const zeta = await stores.tags.create({ shop_id: shop, name: 'zeta' });
  const alpha = await stores.tags.create({ shop_id: shop, name: '=alpha "q"' });
  for (let i = 0; i < 30; i++) {
    const user = await stores.botUsers.create({
      shop_id: shop,
      bot_id: i % 4 ? bot : other,
      messenger_user_id: String(9000 + i),
      name: `${NAMES[i % NAMES.length]} ${i}`,
      phone: i % 3 ? '' : `+7900${i}`,
      subscribed_to_bot: i % 5 !== 0,
      tag_ids: i % 3 === 0 ? [alpha.id, zeta.id] : i % 3 === 1 ? [alpha.id] : [],
      user_vars: i % 2 ? { city: 'Тверь, "центр"\n', n: i / 4, ok: true, big: 1e21 } : {},
    });
    const ms = String(i * 7).padStart(3, '0');
    await db.run(setDetails, [
      i % 2 ? `User${i}@Example.com` : '',
      i % 4 ? `v-${i}` : null,
      `2026-01-${String(1 + i).padStart(2, '0')}T08:09:10.${ms}Z`,
      `2026-02-${String(1 + (i % 28)).padStart(2, '0')}T23:59:59.999Z`,
      user.id,
    ]);
  }
  return { shop, bot, other, alpha: alpha.id };
}

describe.skipIf(!onPostgres)(
  `the bot user export on both engines${onPostgres ? '' : ' (compares with PostgreSQL: runs in relay-pg)'}`,
  () => {
    const files: Record<string, Map<string, Buffer>> = {};

    /** Every export the API offers for this audience, in batches small enough to need several. */
    async function exportsOf(open: () => Promise<Db>) {
      const db = await open();
      try {
        const stores = createStores(db);
        const { shop, other, alpha } = await seed(db, stores);
        const out = new Map<string, Buffer>();
        const filters = {
          all: {},
          bot: { bot_id: other },
          tag: { tag: alpha },
          search: { search: 'ИВАН' },
          mail: { search: 'example.com' },
          none: { search: 'nobody' },
        };
        for (const [name, filter] of Object.entries(filters))
          for (const format of ['csv', 'ndjson'] as const) {
            const stream = exportStream(stores.botUsers, shop, filter, format, 4);
            out.set(`${name}.${format}`, Buffer.from(await new Response(stream).arrayBuffer()));
          }
        return out;
      } finally {
        await db.close();
      }
    }

    beforeAll(async () => {
      for (const [engine, open] of both) files[engine] = await exportsOf(open);
    }, 120_000);

    it('writes the same bytes on PostgreSQL as on SQLite', () => {
      expect([...files.postgres.keys()]).toEqual([...files.sqlite.keys()]);
      for (const [name, bytes] of files.sqlite) {
        // Compared as text first, so that a difference shows where it is.
        expect(files.postgres.get(name)!.toString('utf8'), name).toBe(bytes.toString('utf8'));
        expect(files.postgres.get(name)!.equals(bytes), name).toBe(true);
      }
    });

    it('exports what was stored, filters applied (checked on SQLite, the reference)', () => {
      const csv = parse(files.sqlite.get('all.csv')!, { bom: true, columns: true }) as Record<
        string,
        string
      >[];
      expect(csv).toHaveLength(30);
      expect(csv[0]).toMatchObject({
        name: `${NAMES[0]} 0`,
        tags: 'zeta;=alpha "q"',
        created_at: '2026-01-01T08:09:10.000Z',
        subscribed_to_bot: 'false',
      });
      expect(csv[1].name).toBe(`'${NAMES[1]} 1`);
      expect(csv[6].name).toBe(`'${NAMES[6]} 6`);
      const lines = files.sqlite
        .get('all.ndjson')!
        .toString()
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines[8]).toMatchObject({ name: `${NAMES[8]} 8`, tags: [] });
      expect(lines[9].tags).toEqual(['zeta', '=alpha "q"']);
      expect(lines[3]).toMatchObject({
        user_vars: { city: 'Тверь, "центр"\n', n: 0.75, ok: true, big: 1e21 },
        email: 'User3@Example.com',
        visitor_id: 'v-3',
      });
      const count = (name: string) =>
        files.sqlite.get(name)!.toString().split('\n').filter(Boolean).length;
      expect([count('bot.ndjson'), count('tag.ndjson'), count('search.ndjson')]).toEqual([
        8, 20, 3,
      ]);
      expect([count('mail.ndjson'), count('none.ndjson')]).toEqual([15, 0]);
    });
  },
);

describe.each(engines)('bot users written at once on %s', (_engine, open) => {
  let db: Db;
  let stores: Stores;
  let shop: number;
  let bot: { id: number; shop_id: number; bot_type: 'sandbox' };
  const subscribed: DomainEvent[] = [];
  beforeAll(async () => {
    db = await open();
    stores = createStores(db);
    shop = (await db.get(insertShop))!.id;
    bot = { id: (await db.get(insertBot, [shop, 'Bot']))!.id, shop_id: shop, bot_type: 'sandbox' };
    // Counted once committed: a transaction that is undone raised nothing.
    stores.events.on(async (tx, e) => {
      if (e.name === 'bot_user.subscribed') tx.afterCommit(() => subscribed.push(e));
    });
  }, 60_000);
  afterAll(() => db?.close());

  let people = 0;
  const person = (name = 'Ann') => {
    const id = String(70_000 + ++people);
    return { messenger_user_id: id, chat_id: id, name, lang_code: 'en', messenger_user_url: '' };
  };

  it('keeps every key of user_vars merges made at once', async () => {
    const { id } = await stores.botUsers.create({
      shop_id: shop,
      bot_id: bot.id,
      messenger_user_id: 'merge',
      user_vars: { kept: 'yes' },
    });
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        stores.botUsers.update(id, { user_vars: { [`k${i}`]: i } }),
      ),
    );
    const vars = (await stores.botUsers.get(id))!.store.user_vars;
    expect(vars).toEqual({
      kept: 'yes',
      ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, i])),
    });
  });

  it('counts a new person who presses Start twice at once as new once', async () => {
    const inbound = createInbound({ db, stores });
    for (let round = 0; round < 5; round++) {
      const who = person();
      const before = subscribed.length;
      const results = await Promise.all(
        [1, 2, 3].map((n) => inbound.start(bot, who, null, { remoteId: `${who.chat_id}:${n}` })),
      );
      expect(results.filter((r) => r?.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r!.botUser.id)).size).toBe(1);
      expect(subscribed.length - before).toBe(1);
    }
  });

  it('handles an update delivered to several relays at once once', async () => {
    const inbound = createInbound({ db, stores });
    const inboundRows = sql<[number, string], { n: number }>(
      `SELECT count(*) AS n FROM messages WHERE bot_id = ? AND remote_id = ?`,
    );
    for (let round = 0; round < 5; round++) {
      const who = person();
      const remoteId = `${who.chat_id}:1`;
      const starts = await Promise.all(
        [1, 2, 3].map(() => inbound.start(bot, who, null, { remoteId })),
      );
      expect(starts.filter((r) => r !== null)).toHaveLength(1);
      const texts = await Promise.all(
        [1, 2, 3].map(() => inbound.message(bot, who, { remoteId: `${remoteId}:t`, text: 'hi' })),
      );
      expect(texts.filter((r) => r !== null)).toHaveLength(1);
      expect((await db.get(inboundRows, [bot.id, remoteId]))!.n).toBe(1);
    }
  });
});
