import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearPublicCaches } from '../../../relay/public/cache.js';
import { startPostgres, type PostgresServer } from '../../helpers/postgres-server.js';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { counts, leadBody, postLead, widgetShop, type WidgetShop } from './fixtures.js';

/**
 * On PostgreSQL a round trip is most of what a lead costs (bench/README.md, ingest): the
 * intake must stay at BEGIN, one statement for the visitor, the lead and its first answer,
 * one for lead.created's targets, COMMIT — plus the route's look-up of the submission id.
 * Counted at the driver: every statement the relay sends is one `Client.query`.
 */
describe('lead intake on PostgreSQL', () => {
  let server: PostgresServer;
  let relay: Relay;
  let shop: WidgetShop;
  const sent: string[] = [];
  const query = pg.Client.prototype.query;

  beforeAll(async () => {
    server = await startPostgres();
    const admin = new pg.Client(server.url);
    await admin.connect();
    await admin.query('CREATE DATABASE round_trips');
    await admin.end();
    relay = await startRelay({
      databaseUrl: server.url.replace(/\/postgres$/, '/round_trips'),
      secretKeys: [Buffer.alloc(32, 3)],
    });
    shop = await widgetShop(relay);
    // The shop's first lead makes its web bot; the ones after it are the common case.
    expect((await postLead(relay, leadBody(shop.pk))).status).toBe(202);
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const q = args[0] as string | { text?: string };
      sent.push(typeof q === 'string' ? q : (q.text ?? ''));
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
  });
  afterAll(async () => {
    pg.Client.prototype.query = query;
    await relay?.close();
    await server?.stop();
  });

  it('writes a visitor’s lead in five round trips, and a repeat is still answered as the first', async () => {
    clearPublicCaches();
    await postLead(relay, leadBody(shop.pk)); // the shop's key and form are cached again
    const before = await counts(relay);
    sent.length = 0;
    const body = leadBody(shop.pk);
    const first = await postLead(relay, body);
    expect(first.status).toBe(202);
    expect(sent.map((t) => t.trim().split(/\s+/)[0])).toEqual([
      'SELECT', // the submission id's first answer, if any
      'BEGIN',
      'WITH', // visitor, lead, first answer
      'SELECT', // lead.created's alert channels and webhook endpoints
      'COMMIT',
    ]);
    const after = await counts(relay);
    expect(after).toMatchObject({
      leads: before.leads + 1,
      bot_users: before.bot_users + 1,
      idempotency: before.idempotency + 1,
    });

    const again = await postLead(relay, { ...body, elapsed_ms: 9000 });
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await counts(relay)).toEqual(after);
  });
});
