import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { eventually, startReceiver, type Receiver } from '../webhooks/receiver.js';

const BEAT_MS = 100;
const STALE_MS = 1_000;

/**
 * Which deliveries left `sending` a relay takes back, with other relays on the same
 * database: those of relays whose heartbeat went stale, that shut down or that are gone,
 * at once and whatever their lease says; never those of a relay whose heartbeat is fresh.
 * The other relays are rows in relay_instances on another machine (another host_key), as
 * a relay elsewhere would write them.
 */
describe('relay heartbeats', () => {
  let relay: Relay;
  let owner: Owner;
  let receiver: Receiver;
  let endpointId: number;
  beforeAll(async () => {
    relay = await startRelay(
      { webhookAllowPrivate: true },
      { heartbeat: { intervalMs: BEAT_MS, staleMs: STALE_MS } },
    );
    owner = await userWithShop(relay);
    receiver = await startReceiver();
    endpointId = (
      await relay.stores.webhooks.create({
        shop_id: owner.shop.id,
        url: `${receiver.url}/hook`,
        events: ['lead.created'],
      })
    ).id;
  });
  afterAll(async () => {
    await relay.close();
    await receiver.close();
  });

  const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
  const otherRelay = (id: string, heartbeatAgoMs: number, stopped = false) =>
    relay.db.run(
      sql(
        `INSERT INTO relay_instances (id, host, host_key, pid, heartbeat_at, stopped_at)
         VALUES (?, 'elsewhere', 'another-kernel', 4242, ?, ?)`,
      ),
      [id, ago(heartbeatAgoMs), stopped ? ago(0) : null],
    );
  const beat = (id: string) =>
    relay.db.run(sql(`UPDATE relay_instances SET heartbeat_at = ? WHERE id = ?`), [ago(0), id]);
  /** A delivery claimed by `by` an hour ago, with a lease running for another hour. */
  const inFlight = async (by: string) =>
    (
      (await relay.db.get(
        sql(
          `INSERT INTO deliveries (shop_id, event, kind, endpoint_id, payload, status, attempts, lease_until, claimed_by)
           VALUES (?, 'lead.created', 'webhook', ?, ?, 'sending', 1, ?, ?) RETURNING id`,
        ),
        [
          owner.shop.id,
          endpointId,
          JSON.stringify({ type: 'lead.created', timestamp: ago(0), data: { by } }),
          new Date(Date.now() + 3_600_000).toISOString(),
          by,
        ],
      )) as { id: number }
    ).id;
  const status = async (id: number) =>
    (
      (await relay.db.get(sql('SELECT status, claimed_by FROM deliveries WHERE id = ?'), [id])) as {
        status: string;
        claimed_by: string | null;
      }
    ).status;
  const ownBeats = async () =>
    (
      (await relay.db.get(sql('SELECT heartbeat_at FROM relay_instances WHERE id = ?'), [
        relay.heartbeat.id,
      ])) as { heartbeat_at: string }
    ).heartbeat_at;

  it('sends at once what a stale, a stopped or an unknown relay left in flight', async () => {
    await otherRelay('stale', STALE_MS * 5);
    await otherRelay('stopped', 0, true);
    const ids = [
      await inFlight('stale'),
      await inFlight('stopped'),
      await inFlight('never-registered'),
    ];
    await eventually(async () => {
      for (const id of ids) if ((await status(id)) !== 'sent') return false;
      return true;
    }, 5_000);
    const sent = receiver.received.map((r) => r.headers['webhook-id']);
    for (const id of ids) expect(sent).toContain(`msg_${id}`);
    // The dead relays are forgotten; this one is still there.
    const left = await relay.db.all(sql('SELECT id FROM relay_instances'));
    expect(left).toEqual([{ id: relay.heartbeat.id }]);
  });

  it('leaves a live relay’s delivery alone, and takes it once that relay’s heartbeat stops', async () => {
    await otherRelay('alive', 0);
    const id = await inFlight('alive');
    // Many sweeps of this relay while the other one keeps beating: its send is its own.
    const until = Date.now() + STALE_MS * 2;
    const seen = new Set<string>();
    while (Date.now() < until) {
      await beat('alive');
      seen.add(await ownBeats());
      await new Promise((r) => setTimeout(r, BEAT_MS / 2));
    }
    expect(seen.size).toBeGreaterThan(5);
    expect(await status(id)).toBe('sending');
    expect(receiver.received.map((r) => r.headers['webhook-id'])).not.toContain(`msg_${id}`);

    // It stops beating (killed, or its machine is gone): taken over after STALE_MS, not
    // after the hour its lease still runs.
    const stoppedAt = Date.now();
    await eventually(async () => (await status(id)) === 'sent', STALE_MS * 5);
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(STALE_MS - BEAT_MS * 2);
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toContain(`msg_${id}`);
  });
});
