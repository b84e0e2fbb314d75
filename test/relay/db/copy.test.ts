import BetterSqlite3 from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrap } from '../../../relay/bootstrap.js';
import { run } from '../../../relay/commands.js';
import { CopyError, copySqliteToPostgres } from '../../../relay/db/copy.js';
import { openPostgres } from '../../../relay/db/postgres.js';
import { sql } from '../../../relay/db/sql.js';
import { DEMO_FLOW_BUTTONS } from '../../../relay/demo/flow.js';
import { DEMO_LOGIN } from '../../../relay/demo/seed.js';
import { parseKeys } from '../../../relay/secrets/keys.js';
import { describeSqlite } from '../../helpers/engine.js';
import { startPostgres, type PostgresServer } from '../../helpers/postgres-server.js';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { ORIGIN, leadBody, postLead } from '../public/fixtures.js';
import { eventually, startReceiver, verify, type Receiver } from '../webhooks/receiver.js';

/** What the management API shows of the shop, to compare before and after the move. */
async function views(relay: Relay, token: string, shopId: number) {
  const get = async (path: string) => {
    const r = await relay.api.get(path, { token });
    expect(r.status, path).toBe(200);
    return r;
  };
  const list = async (path: string) => {
    const { count, results } = (await get(`${path}?shop_id=${shopId}&limit=100`)).body.result;
    return { count, results };
  };
  return {
    leads: await list('/api/store/leads/'),
    orders: await list('/api/store/orders/'),
    botUsers: await list('/api/bot/bot_users/'),
    exportCsv: (await get(`/api/bot/bot_users/export/?shop_id=${shopId}&format=csv`)).text,
    /** One bot user: the export (searched by name, as NDJSON) and the detail. */
    one: async (botUserId: number, name: string) => ({
      exported: (
        await get(`/api/bot/bot_users/export/?shop_id=${shopId}&format=ndjson&search=${name}`)
      ).text,
      detail: (await get(`/api/bot/bot_users/${botUserId}/?shop_id=${shopId}`)).body.result,
    }),
  };
}

const login = async (relay: Relay) => {
  const r = await relay.api.post('/api/auth/login/', {
    email: DEMO_LOGIN.email,
    password: DEMO_LOGIN.password,
  });
  expect(r.status).toBe(200);
  return r.body.result.token as string;
};

describeSqlite(
  'touchpoint db:copy (SQLite → PostgreSQL)',
  'the source is a SQLite file; the target is a PostgreSQL server of its own',
  () => {
    let server: PostgresServer;
    let admin: pg.Client;
    let receiver: Receiver;
    const dir = mkdtempSync(join(tmpdir(), 'touchpoint-copy-'));
    const dbPath = join(dir, 'shop.db');
    const env = { TOUCHPOINT_DB: dbPath };
    let shopId: number;
    let sqliteToken: string;
    let webhookSecret: string;
    let before: Awaited<ReturnType<typeof views>>;
    let sandboxBotId: number;
    let oneBotUser: number;
    let one: Awaited<ReturnType<Awaited<ReturnType<typeof views>>['one']>>;

    /** A new, empty database on the embedded server. */
    const newDatabase = async () => {
      const name = `copy_${Math.floor(Math.random() * 1e9)}`;
      await admin.query(`CREATE DATABASE ${name}`);
      return server.url.replace(/\/postgres$/, `/${name}`);
    };
    const count = (url: string, table: string) =>
      withClient(url, async (c) =>
        Number((await c.query(`SELECT count(*) FROM ${table}`)).rows[0].count),
      );
    const withClient = async <T>(url: string, fn: (c: pg.Client) => Promise<T>) => {
      const c = new pg.Client(url);
      await c.connect();
      try {
        return await fn(c);
      } finally {
        await c.end();
      }
    };
    /** Row counts of every table of a SQLite file. */
    const sqliteCounts = (path: string) => {
      const db = new BetterSqlite3(path, { readonly: true });
      try {
        const tables = db
          .prepare(
            `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
          )
          .pluck()
          .all() as string[];
        return Object.fromEntries(
          tables.map((t) => [t, db.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() as number]),
        );
      } finally {
        db.close();
      }
    };

    /** Row for row, value for value, each read back through its engine's layer. */
    const expectSameRows = async (path: string, url: string, counts: Record<string, number>) => {
      const pgDb = openPostgres(url, { max: 1 });
      const sqliteDb = new BetterSqlite3(path, { readonly: true });
      try {
        for (const table of Object.keys(counts)) {
          const all = `SELECT * FROM ${table} ORDER BY 1, 2`;
          const rows = sqliteDb.prepare(all).all();
          expect(rows.length, table).toBe(counts[table]);
          expect(await pgDb.all(sql(all)), table).toEqual(rows);
        }
      } finally {
        sqliteDb.close();
        await pgDb.close();
      }
    };

    beforeAll(async () => {
      server = await startPostgres();
      admin = new pg.Client(server.url);
      await admin.connect();
      receiver = await startReceiver();

      // The demo database as `npm start` seeds it, then a few days of a shop's life on it.
      const relay = await startRelay({
        dbPath,
        demo: true,
        publicRateLimit: 0,
        webhookAllowPrivate: true,
      });
      try {
        await bootstrap(relay.db, relay.config);
        sqliteToken = await login(relay);
        const shop = (await relay.api.get('/api/shop/shops/', { token: sqliteToken })).body.result
          .results[0];
        shopId = shop.id;
        const auth = { token: sqliteToken };
        const endpoint = await relay.api.post(
          '/api/webhooks/endpoints/',
          { shop_id: shopId, url: `${receiver.url}/hooks`, events: ['lead.created'] },
          auth,
        );
        expect(endpoint.status).toBe(201);
        webhookSecret = endpoint.body.result.secret;
        const key = await relay.api.post(
          '/api/shop/keys/',
          { shop_id: shopId, kind: 'publishable', allowed_origins: [ORIGIN] },
          auth,
        );
        expect(key.status).toBe(201);
        const pk = key.body.result.key;
        // Widget leads (each makes a website visitor's bot user), then a manager's leads.
        for (let i = 0; i < 6; i++) {
          const lead = await postLead(
            relay,
            leadBody(pk, {
              fields: { name: `Visitor ${i}`, phone: `+1 202 555 01${10 + i}`, message: 'Call me' },
              consent: { version: '2024-06' },
            }),
          );
          expect(lead.status, JSON.stringify(lead.body)).toBe(202);
        }
        for (const name of ['Ann', 'Борис', 'Zoë "Z" Ng']) {
          const lead = await relay.api.post(
            '/api/store/leads/',
            { shop_id: shopId, fields: { name, note: 'by phone' } },
            auth,
          );
          expect(lead.status).toBe(201);
        }
        for (let i = 1; i <= 4; i++) {
          const order = await relay.api.post(
            '/api/store/orders/',
            {
              shop_id: shopId,
              external_id: `ext-${i}`,
              number: `10${i}`,
              customer: { name: `Buyer ${i}`, phone: '+12025550199' },
              items: [
                { sku: 'ROAST-250', name: 'House roast', qty: i, price: 9.5 },
                { name: 'Mug', qty: 1, price: 12.25 },
              ],
              currency: 'EUR',
            },
            auth,
          );
          expect(order.status, JSON.stringify(order.body)).toBe(201);
          if (i % 2)
            expect(
              (
                await relay.api.patch(
                  `/api/store/orders/${order.body.result.id}/`,
                  { status: 'paid' },
                  auth,
                )
              ).status,
            ).toBe(200);
        }
        // People who pressed Start in the sandbox messenger: the welcome flow runs for each, and
        // one goes on to leave a phone (a lead, a scenario run waiting on its delay step).
        const bots = (await relay.api.get('/demo/inbox/api/bots')).body.result;
        sandboxBotId = bots[0].id;
        const inbox = (path: string, body: unknown) =>
          relay.api.post(`/demo/inbox/api/${path}`, body);
        const users: string[] = [];
        for (const name of ['Kim', 'Lee', 'Max']) {
          const start = await inbox('start', { bot_id: sandboxBotId, name });
          expect(start.status).toBe(201);
          users.push(start.body.result.user_id);
          oneBotUser = start.body.result.bot_user_id;
        }
        const chat = async (user: string) =>
          (await relay.api.get(`/demo/inbox/api/messages?bot_id=${sandboxBotId}&chat_id=${user}`))
            .body.result as {
            id: number;
            direction: string;
            buttons?: { text: string; callback_data?: string }[][];
          }[];
        const greeting = await eventually(async () =>
          (await chat(users[2])).find((m) => m.direction === 'out' && m.buttons?.length),
        );
        const callBack = greeting
          .buttons!.flat()
          .find((b) => b.text === DEMO_FLOW_BUTTONS.callBack)!;
        expect(
          (
            await inbox('press', {
              bot_id: sandboxBotId,
              user_id: users[2],
              message_id: greeting.id,
              data: callBack.callback_data,
            })
          ).status,
        ).toBe(201);
        expect(
          (
            await inbox('messages', {
              bot_id: sandboxBotId,
              user_id: users[2],
              text: '+1 202 555 0147',
            })
          ).status,
        ).toBe(201);
        await eventually(async () => receiver.received.length >= 10);

        before = await views(relay, sqliteToken, shopId);
        one = await before.one(oneBotUser, 'Max');
        expect(one.exported.trim().split('\n')).toHaveLength(1);
      } finally {
        await relay.close();
      }
    });
    afterAll(async () => {
      await receiver?.close();
      await admin?.end();
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('holds what the test means to copy', () => {
      const n = sqliteCounts(dbPath);
      for (const table of ['leads', 'orders', 'order_items', 'order_status_history', 'bot_users'])
        expect(n[table], table).toBeGreaterThan(3);
      for (const table of [
        'deliveries',
        'scenario_runs',
        'messages',
        'steps',
        'menu_items',
        'flows',
      ])
        expect(n[table], table).toBeGreaterThan(0);
      expect(before.leads.count).toBe(10); // 6 widget leads, 3 by hand, 1 from the bot flow
    });

    let url: string;
    let output: Awaited<ReturnType<typeof run>>;
    const progress: string[] = [];

    it('copies every table into an empty database, printing progress, and verifies the counts', async () => {
      url = await newDatabase();
      output = await run(['db:copy', '--to', url], env, (line) => progress.push(line));
      const expected = sqliteCounts(dbPath);
      const copied = Object.fromEntries(
        (output.json as { tables: { table: string; rows: number }[] }).tables.map((t) => [
          t.table,
          t.rows,
        ]),
      );
      expect(copied).toEqual(expected);
      await expectSameRows(dbPath, url, expected);
      // Parents before children: every table is done before one that refers to it starts.
      const order = progress.map((l) => l.split(':')[0]);
      expect(order.indexOf('shops')).toBeLessThan(order.indexOf('leads'));
      expect(order.indexOf('bot_users')).toBeLessThan(order.indexOf('leads'));
      expect(order.indexOf('orders')).toBeLessThan(order.indexOf('order_items'));
      expect(progress).toContain(`leads: ${expected.leads} / ${expected.leads}`);
      expect(output.text).toMatch(/every table's row count matches/);
      expect(output.text).toContain(`grep -v '^#' ${dbPath}.key | paste -sd, -`);
    });

    it('serves the copied shop from PostgreSQL with the same operator key', async () => {
      // The key exactly as the command says to set it, through a shell.
      const line = output.text.split('\n').find((l) => l.includes('TOUCHPOINT_SECRET_KEY='))!;
      const key = execFileSync('sh', ['-c', `${line.trim()}; printf %s "$TOUCHPOINT_SECRET_KEY"`], {
        encoding: 'utf8',
      });
      const relay = await startRelay({
        databaseUrl: url,
        secretKeys: parseKeys(key),
        demo: true,
        webhookAllowPrivate: true,
      });
      try {
        expect(relay.db.engine).toBe('postgres');
        const token = await login(relay);
        // A login token issued on SQLite still works (tokens are copied, hashed).
        expect((await relay.api.get('/api/shop/shops/', { token: sqliteToken })).status).toBe(200);
        const after = await views(relay, token, shopId);
        expect(after.leads).toEqual(before.leads);
        expect(after.orders).toEqual(before.orders);
        expect(after.botUsers).toEqual(before.botUsers);
        expect(after.exportCsv).toBe(before.exportCsv);
        expect(await after.one(oneBotUser, 'Max')).toEqual(one);

        // New rows get ids after the copied ones, and the copied webhook secret still signs.
        const seen = receiver.received.length;
        const lead = await relay.api.post(
          '/api/store/leads/',
          { shop_id: shopId, fields: { name: 'After the move' } },
          { token },
        );
        expect(lead.status).toBe(201);
        expect(lead.body.result.id).toBeGreaterThan(
          Math.max(...before.leads.results.map((l: { id: number }) => l.id)),
        );
        const start = await relay.api.post('/demo/inbox/api/start', {
          bot_id: sandboxBotId,
          name: 'New',
        });
        expect(start.status).toBe(201);
        // The copied welcome flow greets them (bots.welcome_flow_id, flows.first_step_id, buttons).
        const greeting = await eventually(async () =>
          (
            await relay.api.get(
              `/demo/inbox/api/messages?bot_id=${sandboxBotId}&chat_id=${start.body.result.user_id}`,
            )
          ).body.result.find((m: { direction: string }) => m.direction === 'out'),
        );
        expect(greeting.buttons.flat().map((b: { text: string }) => b.text)).toEqual(
          Object.values(DEMO_FLOW_BUTTONS),
        );
        expect(start.body.result.bot_user_id).toBeGreaterThan(
          Math.max(...before.botUsers.results.map((u: { id: number }) => u.id)),
        );
        const hook = await eventually(async () =>
          receiver.received
            .slice(seen)
            .find((r) => JSON.parse(r.body).data?.id === lead.body.result.id),
        );
        expect(verify(webhookSecret, hook).type).toBe('lead.created');
      } finally {
        await relay.close();
      }
    });

    it('refuses a database that is not empty, and leaves it as it was', async () => {
      const leads = await count(url, 'leads');
      const again = await run(['db:copy', '--to', url], env, () => {}).catch((e) => e);
      expect(again).toBeInstanceOf(CopyError);
      expect(again.message).toMatch(
        /is not empty: .*leads.* rows\. db:copy copies only into an empty database/,
      );
      expect(await count(url, 'leads')).toBe(leads);

      const foreign = await newDatabase();
      await withClient(foreign, (c) => c.query('CREATE TABLE invoices (id int)'));
      const refused = await run(['db:copy', '--to', foreign], env, () => {}).catch((e) => e);
      expect(refused.message).toMatch(/not Touchpoint's \(invoices\)/);
      // Not migrated either: nothing was written there.
      expect(
        await withClient(
          foreign,
          async (c) => (await c.query(`SELECT to_regclass('leads') AS t`)).rows[0].t,
        ),
      ).toBeNull();
    });

    it('says what is wrong with its arguments before touching anything', async () => {
      const usage = (argv: string[], e = env) => run(argv, e, () => {}).catch((err) => err.message);
      expect(await usage(['db:copy'])).toBe('missing --to');
      expect(await usage(['db:copy', '--to', join(dir, 'other.db')])).toBe(
        '--to must be a postgres:// URL',
      );
      const missing = join(dir, 'missing.db');
      expect(await usage(['db:copy', '--to', server.url], { TOUCHPOINT_DB: missing })).toBe(
        `no SQLite database at ${missing} (TOUCHPOINT_DB)`,
      );
      expect(existsSync(missing)).toBe(false);
    });

    it('commits nothing when a row cannot be copied, and can be run again once it is fixed', async () => {
      const broken = join(dir, 'broken.db');
      copyFileSync(`${dbPath}.key`, `${broken}.key`);
      const src = new BetterSqlite3(dbPath, { readonly: true });
      await src.backup(broken);
      src.close();
      const raw = new BetterSqlite3(broken);
      const lastLead = raw.prepare('SELECT max(id) FROM leads').pluck().get() as number;
      raw.prepare(`UPDATE leads SET updated_at = 'last Tuesday' WHERE id = ?`).run(lastLead);
      raw.close();

      const target = await newDatabase();
      const failed = await run(
        ['db:copy', '--to', target],
        { TOUCHPOINT_DB: broken },
        () => {},
      ).catch((e) => e);
      expect(failed).toBeInstanceOf(CopyError);
      expect(failed.message).toBe(
        `leads.updated_at of the row with id ${lastLead} is not an ISO 8601 time: "last Tuesday".`,
      );
      for (const table of ['shops', 'users', 'bot_users', 'leads'])
        expect(await count(target, table)).toBe(0);

      const fix = new BetterSqlite3(broken);
      fix.prepare(`UPDATE leads SET updated_at = created_at WHERE id = ?`).run(lastLead);
      fix.close();
      // Again, in batches of 3 rows (each table's read resumes after the last key).
      const lines: string[] = [];
      const rerun = await copySqliteToPostgres({
        sqlitePath: broken,
        postgresUrl: target,
        batchRows: 3,
        progress: (line) => lines.push(line),
      });
      const counts = sqliteCounts(broken);
      expect(rerun.rows).toBe(Object.values(counts).reduce((a, b) => a + b, 0));
      expect(lines.filter((l) => l.startsWith('leads: '))).toEqual([
        'leads: 3 / 10',
        'leads: 6 / 10',
        'leads: 9 / 10',
        'leads: 10 / 10',
      ]);
      // References to a table copied later, or within a table, are set by a second pass.
      expect(lines.filter((l) => l.endsWith('filled in'))).toEqual([
        'bots: welcome_flow_id filled in',
        'flows: first_step_id filled in',
        'steps: else_step_id, next_step_id, then_step_id filled in',
      ]);
      await expectSameRows(broken, target, counts);
    });
  },
);
