import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { clearPublicCaches } from '../../../relay/public/cache.js';
import { startPostgres, type PostgresServer } from '../../helpers/postgres-server.js';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { counts, leadBody, postLead, widgetShop, type WidgetShop } from './fixtures.js';

/**
 * On PostgreSQL a round trip is most of what a lead costs (bench/README.md, ingest): the
 * intake must stay at BEGIN, one statement for the visitor, the lead, its first answer and
 * lead.created's targets, one insert per alert or webhook, COMMIT — with no look-up of the
 * submission id before (the statement's insert of its first answer finds a repeat). Counted at the driver: every statement the relay sends is one
 * `Client.query` on one of its pool's connections. The relay's background work (heartbeat,
 * scheduler) may query meanwhile on other connections; a transaction holds its connection
 * alone from BEGIN to COMMIT.
 */
describe('lead intake on PostgreSQL', () => {
  let server: PostgresServer;
  let relay: Relay;
  let shop: WidgetShop;
  const sent: { client: pg.Client; text: string }[] = [];
  const query = pg.Client.prototype.query;

  beforeAll(async () => {
    server = await startPostgres();
    const admin = new pg.Client(server.url);
    await admin.connect();
    await admin.query('CREATE DATABASE round_trips');
    await admin.end();
    relay = await startRelay({
      publicRateLimit: 0,
      databaseUrl: server.url.replace(/\/postgres$/, '/round_trips'),
      secretKeys: [Buffer.alloc(32, 3)],
    });
    await relay.worker.stop(); // the queued webhook stays in the outbox
    shop = await widgetShop(relay);
    // The shop's first lead makes its web bot; the ones after it are the common case.
    expect((await postLead(relay, leadBody(shop.pk))).status).toBe(202);
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const q = args[0] as string | { text?: string };
      sent.push({ client: this, text: typeof q === 'string' ? q : (q.text ?? '') });
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
  });
  afterAll(async () => {
    pg.Client.prototype.query = query;
    await relay?.close();
    await server?.stop();
  });

  /**
   * The statements of posting `body`: the look-ups of its submission id, and the first word
   * of each statement of the transaction that wrote the lead, BEGIN to COMMIT.
   */
  const statementsOf = async (body: object) => {
    sent.length = 0;
    const reply = await postLead(relay, body);
    expect(reply.status).toBe(202);
    const writes = sent.filter((s) => /INSERT INTO leads/.test(s.text));
    expect(writes).toHaveLength(1);
    const on = sent.filter((s) => s.client === writes[0].client).map((s) => s.text.trim());
    const write = on.indexOf(writes[0].text.trim());
    const begin = on.lastIndexOf('BEGIN', write);
    const commit = on.indexOf('COMMIT', write);
    return {
      reply,
      lookUps: sent.filter((s) => /FROM idempotency_keys/.test(s.text)).length,
      statements: on.slice(begin, commit + 1).map((t) => t.split(/\s+/)[0]),
    };
  };

  it('writes a visitor’s lead in three round trips, and a repeat is still answered as the first', async () => {
    clearPublicCaches();
    await postLead(relay, leadBody(shop.pk)); // the shop's key and form are cached again
    const before = await counts(relay);
    const body = leadBody(shop.pk);
    const { reply: first, statements, lookUps } = await statementsOf(body);
    expect(lookUps).toBe(0); // a repeat is found by the write itself
    expect(statements).toEqual([
      'BEGIN',
      'WITH', // visitor, lead, first answer, lead.created's alert channels and webhook endpoints
      'COMMIT',
    ]);
    const after = await counts(relay);
    expect(after).toMatchObject({
      leads: before.leads + 1,
      bot_users: before.bot_users + 1,
      idempotency: before.idempotency + 1,
    });

    sent.length = 0;
    const again = await postLead(relay, { ...body, elapsed_ms: 9000 });
    expect(again.text).toBe(first.text);
    // Its write was rolled back, then the first answer read.
    expect(sent.filter((s) => /FROM idempotency_keys/.test(s.text))).toHaveLength(1);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await counts(relay)).toEqual(after);
  });

  it('adds one insert per webhook lead.created queues, and queues it', async () => {
    // Through the store: the API would check that the URL resolves (no network here).
    const endpoint = await relay.stores.webhooks.create({
      shop_id: shop.shopId,
      url: 'https://hooks.example/leads',
      events: ['lead.created'],
    });
    const before = await counts(relay);
    const { reply, statements, lookUps } = await statementsOf(leadBody(shop.pk));
    expect(lookUps).toBe(0);
    expect(statements).toEqual(['BEGIN', 'WITH', 'INSERT', 'COMMIT']);
    expect((await counts(relay)).deliveries).toBe(before.deliveries + 1);
    const [delivery] = await relay.db.all(
      sql<[number], { payload: string }>(
        'SELECT payload FROM deliveries WHERE endpoint_id = ? ORDER BY id DESC LIMIT 1',
      ),
      [endpoint.id],
    );
    expect(JSON.parse(delivery.payload)).toMatchObject({
      type: 'lead.created',
      data: { id: reply.body.result.lead_id, bot_user_id: reply.body.result.bot_user_id },
    });
  });
});
