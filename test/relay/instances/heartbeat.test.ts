import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    relay.db
      .prepare(
        `INSERT INTO relay_instances (id, host, host_key, pid, heartbeat_at, stopped_at)
         VALUES (?, 'elsewhere', 'another-kernel', 4242, ?, ?)`,
      )
      .run(id, ago(heartbeatAgoMs), stopped ? ago(0) : null);
  const beat = (id: string) =>
    relay.db.prepare(`UPDATE relay_instances SET heartbeat_at = ? WHERE id = ?`).run(ago(0), id);
  /** A delivery claimed by `by` an hour ago, with a lease running for another hour. */
  const inFlight = (by: string) =>
    (
      relay.db
        .prepare(
          `INSERT INTO deliveries (shop_id, event, kind, endpoint_id, payload, status, attempts, lease_until, claimed_by)
           VALUES (?, 'lead.created', 'webhook', ?, ?, 'sending', 1, ?, ?) RETURNING id`,
        )
        .get(
          owner.shop.id,
          endpointId,
          JSON.stringify({ type: 'lead.created', timestamp: ago(0), data: { by } }),
          new Date(Date.now() + 3_600_000).toISOString(),
          by,
        ) as { id: number }
    ).id;
  const status = (id: number) =>
    (
      relay.db.prepare('SELECT status, claimed_by FROM deliveries WHERE id = ?').get(id) as {
        status: string;
        claimed_by: string | null;
      }
    ).status;
  const ownBeats = () =>
    (
      relay.db
        .prepare('SELECT heartbeat_at FROM relay_instances WHERE id = ?')
        .get(relay.heartbeat.id) as { heartbeat_at: string }
    ).heartbeat_at;

  it('sends at once what a stale, a stopped or an unknown relay left in flight', async () => {
    otherRelay('stale', STALE_MS * 5);
    otherRelay('stopped', 0, true);
    const ids = [inFlight('stale'), inFlight('stopped'), inFlight('never-registered')];
    await eventually(() => ids.every((id) => status(id) === 'sent'), 5_000);
    const sent = receiver.received.map((r) => r.headers['webhook-id']);
    for (const id of ids) expect(sent).toContain(`msg_${id}`);
    // The dead relays are forgotten; this one is still there.
    const left = relay.db.prepare('SELECT id FROM relay_instances').all();
    expect(left).toEqual([{ id: relay.heartbeat.id }]);
  });

  it('leaves a live relay’s delivery alone, and takes it once that relay’s heartbeat stops', async () => {
    otherRelay('alive', 0);
    const id = inFlight('alive');
    // Many sweeps of this relay while the other one keeps beating: its send is its own.
    const until = Date.now() + STALE_MS * 2;
    const seen = new Set<string>();
    while (Date.now() < until) {
      beat('alive');
      seen.add(ownBeats());
      await new Promise((r) => setTimeout(r, BEAT_MS / 2));
    }
    expect(seen.size).toBeGreaterThan(5);
    expect(status(id)).toBe('sending');
    expect(receiver.received.map((r) => r.headers['webhook-id'])).not.toContain(`msg_${id}`);

    // It stops beating (killed, or its machine is gone): taken over after STALE_MS, not
    // after the hour its lease still runs.
    const stoppedAt = Date.now();
    await eventually(() => status(id) === 'sent', STALE_MS * 5);
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(STALE_MS - BEAT_MS * 2);
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toContain(`msg_${id}`);
  });
});
