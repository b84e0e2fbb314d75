import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { createDatabase, postgresForSuite, query, startPgRelay } from '../../helpers/cluster.js';
import { userWithShop, type Relay } from '../../helpers/relay.js';
import { eventually, startReceiver, type Receiver } from '../webhooks/receiver.js';

const HOUR = 3_600_000;
const pgs = await postgresForSuite();
afterAll(() => pgs.server?.stop());

/**
 * This process's clock set `offsetMs` off (only `Date`: timers run as usual), as on a
 * machine whose clock drifted, while PostgreSQL's clock stays right.
 */
function clockOff(offsetMs: number) {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + offsetMs);
  });
  afterAll(() => {
    vi.useRealTimers();
  });
}

/**
 * Relays on several machines compare times through the database: heartbeats, leases, when a
 * delivery or a paused scenario run is due. On PostgreSQL those come from the database's
 * clock, so a relay whose own clock is off neither takes a live relay for dead nor leaves
 * due work waiting.
 */
describe.skipIf(!pgs.server)('times on PostgreSQL come from its clock', () => {
  describe('a relay whose clock is an hour ahead', () => {
    clockOff(HOUR);
    let relay: Relay;
    let url: string;
    let beating: NodeJS.Timeout;
    beforeAll(async () => {
      url = await createDatabase(pgs.server!);
      relay = await startPgRelay(url, {}, { heartbeat: { intervalMs: 100, staleMs: 1_000 } });
    }, 60_000);
    afterAll(async () => {
      clearInterval(beating);
      await relay?.close();
    });

    it('leaves a live relay’s delivery in flight to it', async () => {
      const owner = await userWithShop(relay);
      // Another relay, elsewhere, beating by the database's clock, with a send in flight.
      await query(
        url,
        `INSERT INTO relay_instances (id, host, host_key, pid, heartbeat_at)
         VALUES ('elsewhere', 'other-host', 'other-kernel', 4242, now())`,
      );
      beating = setInterval(() => {
        void query(url, `UPDATE relay_instances SET heartbeat_at = now() WHERE id = 'elsewhere'`);
      }, 100);
      const [{ id }] = await query<{ id: number }>(
        url,
        `INSERT INTO deliveries (shop_id, event, kind, payload, status, attempts, lease_until, claimed_by)
         VALUES ($1, 'lead.created', 'webhook', '{}', 'sending', 1, now() + interval '1 hour', 'elsewhere')
         RETURNING id`,
        [owner.shop.id],
      );
      // Several of this relay's sweeps (every 100 ms) go by.
      const mine = relay.heartbeat.id;
      const beatOf = async () =>
        (
          await query<{ at: string }>(
            url,
            `SELECT heartbeat_at::text AS at FROM relay_instances WHERE id = $1`,
            [mine],
          )
        )[0].at;
      const first = await beatOf();
      await eventually(async () => (await beatOf()) !== first && (await beatOf()), 5_000);
      await new Promise((r) => setTimeout(r, 500));
      const [row] = await query(url, `SELECT status, claimed_by FROM deliveries WHERE id = $1`, [
        id,
      ]);
      expect(row).toEqual({ status: 'sending', claimed_by: 'elsewhere' });
      const [instance] = await query(url, `SELECT id FROM relay_instances WHERE id = 'elsewhere'`);
      expect(instance).toEqual({ id: 'elsewhere' });
    });

    it('pauses a scenario run until the database’s clock reaches the end of the pause', async () => {
      const owner = await userWithShop(relay);
      const bot = await relay.stores.bots.create({
        shop_id: owner.shop.id,
        bot_type: 'web',
        name: 'Web',
        credential: null,
        tg_bot_nickname: null,
      });
      const flow = await relay.stores.scenario.flows.create(owner.shop.id, {
        bot_id: bot.id,
        name: 'Flow',
      });
      const person = await relay.stores.botUsers.create({
        shop_id: owner.shop.id,
        bot_id: bot.id,
        messenger_user_id: 'p1',
        name: 'P',
      } as never);
      await relay.db.tx((tx) =>
        relay.stores.scenarioRuntime.runs.saveInTx(
          tx,
          {
            bot_user_id: person.id,
            shop_id: owner.shop.id,
            flow_id: flow.id,
            step_id: null,
            waiting: 'delay',
            seq: 1,
          },
          30_000,
        ),
      );
      const [{ ms }] = await query<{ ms: number }>(
        url,
        `SELECT extract(epoch FROM resume_at - now()) * 1000 AS ms FROM scenario_runs WHERE bot_user_id = $1`,
        [person.id],
      );
      expect(Number(ms)).toBeGreaterThan(20_000);
      expect(Number(ms)).toBeLessThanOrEqual(30_000);
    });
  });

  describe('a relay whose clock is an hour behind', () => {
    clockOff(-HOUR);
    let relay: Relay;
    let receiver: Receiver;
    beforeAll(async () => {
      receiver = await startReceiver();
      relay = await startPgRelay(await createDatabase(pgs.server!), { webhookAllowPrivate: true });
    }, 60_000);
    afterAll(async () => {
      await relay?.close();
      await receiver?.close();
    });

    it('sends a delivery as soon as it is queued', async () => {
      const owner = await userWithShop(relay);
      await relay.stores.webhooks.create({
        shop_id: owner.shop.id,
        url: `${receiver.url}/hook`,
        events: ['lead.created'],
      });
      await relay.stores.leads.create({ shop_id: owner.shop.id, fields: { name: 'Ann' } });
      await receiver.waitFor(1, 10_000);
      const status = sql<undefined, { status: string }>(
        `SELECT status FROM deliveries WHERE kind = 'webhook'`,
      );
      await eventually(async () => (await relay.db.get(status))?.status === 'sent', 5_000);
    });
  });
});
