import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { eventually, startReceiver, type Receiver } from '../webhooks/receiver.js';

type Row = {
  id: number;
  status: string;
  attempts: number;
  max_attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  lease_until: string | null;
};

/** The outbox worker's own behaviour, observed through the webhook adapter and a real receiver. */
describe('delivery worker with the webhook adapter', () => {
  let relay: Relay;
  let owner: Owner;
  let receiver: Receiver;
  beforeAll(async () => {
    // A short lease so that the reclaim test does not wait a minute; sends here take ms.
    relay = await startRelay(
      { webhookAllowPrivate: true },
      { worker: { leaseMs: 400, sendTimeoutMs: 300 } },
    );
    owner = await userWithShop(relay);
  });
  afterAll(() => relay.close());
  afterEach(() => receiver?.close());

  const endpointFor = async (url: string) =>
    relay.stores.webhooks.create({ shop_id: owner.shop.id, url, events: ['lead.created'] });
  const enqueue = async (endpointId: number, maxAttempts?: number) => {
    const [id] = await relay.stores.deliveries.enqueue([
      {
        shop_id: owner.shop.id,
        event: 'lead.created',
        kind: 'webhook',
        endpoint_id: endpointId,
        payload: { type: 'lead.created', timestamp: new Date().toISOString(), data: { id: 1 } },
        max_attempts: maxAttempts,
      },
    ]);
    return id;
  };
  const row = async (id: number) =>
    (await relay.db.get(sql('SELECT * FROM deliveries WHERE id = ?'), [id])) as Row;
  const attempts = async (id: number) =>
    (await relay.db.all(sql('SELECT * FROM delivery_attempts WHERE delivery_id = ? ORDER BY id'), [
      id,
    ])) as {
      started_at: string;
      duration_ms: number;
      outcome: string;
      error: string | null;
    }[];

  it('backs off after a 5xx: the retry is scheduled with jitter and not sent before it', async () => {
    receiver = await startReceiver(() => ({ status: 503 }));
    const ep = await endpointFor(receiver.url);
    const id = await enqueue(ep.id, 2);
    const [first] = await receiver.waitFor(1);
    const failed = await eventually(async () => {
      const r = await row(id);
      return r.status === 'failed' && r;
    });
    const [a1] = await attempts(id);
    // Attempt 1 waits a random time in [250 ms, 1 s] after it ended (full jitter, 250 ms floor).
    const ended = Date.parse(a1.started_at) + a1.duration_ms;
    const delay = Date.parse(failed.next_attempt_at) - ended;
    expect(delay).toBeGreaterThanOrEqual(250);
    expect(delay).toBeLessThanOrEqual(1_000 + 50);
    expect(a1).toMatchObject({ outcome: 'transient_error', error: 'HTTP 503' });
    const [, second] = await receiver.waitFor(2, 3_000);
    expect(second.at).toBeGreaterThanOrEqual(Date.parse(failed.next_attempt_at) - 5);
    expect(second.at - first.at).toBeGreaterThanOrEqual(250);
  });

  it('moves a row to dead after its last attempt, with every attempt recorded', async () => {
    receiver = await startReceiver(() => ({ status: 500, body: 'boom' }));
    const ep = await endpointFor(receiver.url);
    const id = await enqueue(ep.id, 2);
    await eventually(async () => (await row(id)).status === 'dead', 4_000);
    expect(await row(id)).toMatchObject({
      attempts: 2,
      last_error: 'HTTP 500: boom',
      lease_until: null,
    });
    expect((await attempts(id)).map((a) => a.outcome)).toEqual([
      'transient_error',
      'transient_error',
    ]);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received).toHaveLength(2);
  });

  it('records network errors and timeouts as transient', async () => {
    receiver = await startReceiver();
    const closed = await endpointFor(`http://127.0.0.1:1/`); // nothing listens on port 1
    const refused = await enqueue(closed.id, 1);
    // A receiver that never answers: the worker's 300 ms send timeout ends the attempt.
    const silent = await startReceiver(() => 'hang');
    const hang = await endpointFor(silent.url);
    const hung = await enqueue(hang.id, 1);
    await eventually(
      async () => (await row(refused)).status === 'dead' && (await row(hung)).status === 'dead',
      4_000,
    );
    expect((await attempts(refused))[0]).toMatchObject({ outcome: 'transient_error' });
    expect((await attempts(refused))[0].error).toMatch(/ECONNREFUSED/);
    expect((await attempts(hung))[0]).toMatchObject({
      outcome: 'transient_error',
      error: 'The receiver did not answer in time.',
    });
    await silent.close();
  });

  it('reclaims a row left sending by a crashed process once its lease has expired', async () => {
    receiver = await startReceiver();
    const ep = await endpointFor(receiver.url);
    const { id } = (await relay.db.get(
      sql(
        `INSERT INTO deliveries (shop_id, event, kind, endpoint_id, payload, status, attempts, lease_until)
         VALUES (?, 'lead.created', 'webhook', ?, ?, 'sending', 1, ?) RETURNING id`,
      ),
      [
        owner.shop.id,
        ep.id,
        JSON.stringify({ type: 'lead.created', timestamp: new Date().toISOString(), data: {} }),
        new Date(Date.now() - 1_000).toISOString(),
      ],
    )) as { id: number };
    const [req] = await receiver.waitFor(1, 3_000);
    expect(req.headers['webhook-id']).toBe(`msg_${id}`);
    await eventually(async () => (await row(id)).status === 'sent');
    expect((await row(id)).attempts).toBe(2);
  });

  it('does not reclaim a row whose lease is still running', async () => {
    receiver = await startReceiver();
    const ep = await endpointFor(receiver.url);
    const { id } = (await relay.db.get(
      sql(
        `INSERT INTO deliveries (shop_id, event, kind, endpoint_id, payload, status, attempts, lease_until)
         VALUES (?, 'lead.created', 'webhook', ?, '{}', 'sending', 1, ?) RETURNING id`,
      ),
      [owner.shop.id, ep.id, new Date(Date.now() + 60_000).toISOString()],
    )) as { id: number };
    await new Promise((r) => setTimeout(r, 500));
    expect((await row(id)).status).toBe('sending');
    expect(receiver.received).toHaveLength(0);
    await relay.db.run(
      sql(`UPDATE deliveries SET status = 'dead', lease_until = NULL WHERE id = ?`),
      [id],
    );
  });
});
