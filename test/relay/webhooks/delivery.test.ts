import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { eventually, startReceiver, verify, type Receiver } from './receiver.js';

const DAY = 24 * 3600_000;

describe('signed webhook delivery', () => {
  let relay: Relay;
  let receiver: Receiver;
  beforeAll(async () => {
    // Retries after 100 ms instead of the production backoff, so retry tests take no seconds.
    relay = await startRelay({ webhookAllowPrivate: true }, { worker: { backoff: () => 100 } });
  });
  afterAll(() => relay.close());
  afterEach(() => receiver?.close());

  /** A fresh shop with one endpoint on a fresh receiver. */
  async function setup(events = ['lead.created'], respond?: Parameters<typeof startReceiver>[0]) {
    receiver = await startReceiver(respond);
    const owner = await userWithShop(relay);
    const r = await relay.api.post(
      '/api/webhooks/endpoints/',
      { shop_id: owner.shop.id, url: `${receiver.url}/hooks/touchpoint`, events },
      { token: owner.token },
    );
    expect(r.status).toBe(201);
    return { owner, endpoint: r.body.result as { id: number; secret: string } };
  }
  const postLead = async (owner: Owner, fields: Record<string, unknown> = { name: 'Ann' }) => {
    const r = await relay.api.post(
      '/api/store/leads/',
      { shop_id: owner.shop.id, fields },
      { token: owner.token },
    );
    expect(r.status).toBe(201);
    return r.body.result as { id: number };
  };
  const deliveriesOf = (endpointId: number) =>
    relay.db.all(
      sql<[number], { id: number; status: string; attempts: number; last_error: string }>(
        'SELECT * FROM deliveries WHERE endpoint_id = ? ORDER BY id',
      ),
      [endpointId],
    );
  const detail = async (owner: Owner, id: number) =>
    (await relay.api.get(`/api/notifications/deliveries/${id}/`, { token: owner.token })).body
      .result;
  const endpoint = async (owner: Owner, id: number) =>
    (await relay.api.get(`/api/webhooks/endpoints/${id}/`, { token: owner.token })).body.result;

  it('posts a lead.created webhook whose signature verifies with the standardwebhooks library', async () => {
    const { owner, endpoint: ep } = await setup();
    const lead = await postLead(owner, { name: 'Ann', phone: '+15551234567' });
    const [req] = await receiver.waitFor(1);
    expect(req.path).toBe('/hooks/touchpoint');
    expect(req.headers['content-type']).toBe('application/json');
    const body = verify(ep.secret, req);
    expect(body.type).toBe('lead.created');
    expect(Date.parse(body.timestamp)).not.toBeNaN();
    expect(body.data).toMatchObject({
      id: lead.id,
      shop_id: owner.shop.id,
      fields: { name: 'Ann', phone: '+15551234567' },
    });
    const [row] = await deliveriesOf(ep.id);
    expect(req.headers['webhook-id']).toBe(`msg_${row.id}`);
    expect(Math.abs(Number(req.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
    expect(() => verify(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, req)).toThrow();
    await eventually(async () => (await detail(owner, row.id)).status === 'sent');
  });

  it('signs order.created and order.status_changed, with the previous status', async () => {
    const { owner, endpoint: ep } = await setup(['order.created', 'order.status_changed']);
    const created = await relay.api.post(
      '/api/store/orders/',
      {
        shop_id: owner.shop.id,
        external_id: 'ext-1',
        number: '1001',
        items: [{ sku: 'A', name: 'Mug', qty: 2, price: 9.5 }],
        currency: 'EUR',
      },
      { token: owner.token },
    );
    expect(created.status).toBe(201);
    const id = created.body.result.id;
    await relay.api.patch(`/api/store/orders/${id}/`, { status: 'paid' }, { token: owner.token });
    await relay.api.patch(`/api/store/orders/${id}/`, { number: '1001-A' }, { token: owner.token });
    await relay.api.patch(
      `/api/store/orders/${id}/`,
      { status: 'shipped' },
      { token: owner.token },
    );
    const reqs = await receiver.waitFor(3);
    const bodies = reqs.map((r) => verify(ep.secret, r));
    expect(bodies.map((b) => b.type).sort()).toEqual([
      'order.created',
      'order.status_changed',
      'order.status_changed',
    ]);
    const changes = bodies
      .filter((b) => b.type === 'order.status_changed')
      .map((b) => `${b.data.previous_status}→${b.data.status}`)
      .sort();
    expect(changes).toEqual(['new→paid', 'paid→shipped']);
    const first = bodies.find((b) => b.type === 'order.created')!;
    expect(first.data).toMatchObject({ id, number: '1001', total: 19, currency: 'EUR' });
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.received).toHaveLength(3); // the number change alone is not an event
  });

  it('keeps webhook-id across retries and signs each attempt with its own timestamp', async () => {
    const { owner, endpoint: ep } = await setup(['lead.created'], (_req, n) =>
      n <= 2 ? { status: 500, body: 'temporarily broken' } : { status: 200 },
    );
    await postLead(owner);
    const reqs = await receiver.waitFor(3);
    expect(new Set(reqs.map((r) => r.headers['webhook-id'])).size).toBe(1);
    for (const r of reqs) expect(verify(ep.secret, r).type).toBe('lead.created');
    expect(new Set(reqs.map((r) => r.body)).size).toBe(1);
    const [row] = await deliveriesOf(ep.id);
    const d = await eventually(async () => {
      const x = await detail(owner, row.id);
      return x.status === 'sent' && x;
    });
    expect(d.attempts).toBe(3);
    expect(d.attempt_log.map((a: { outcome: string }) => a.outcome)).toEqual([
      'transient_error',
      'transient_error',
      'sent',
    ]);
    expect(d.attempt_log[0].error).toBe('HTTP 500: temporarily broken');
    expect((await endpoint(owner, ep.id)).failing_since).toBeNull();
  });

  it('honours Retry-After on a 429: no retry before it', async () => {
    const { owner, endpoint: ep } = await setup(['lead.created'], (_req, n) =>
      n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 },
    );
    await postLead(owner);
    const [first, second] = await receiver.waitFor(2, 4_000);
    expect(second.at - first.at).toBeGreaterThanOrEqual(1_000);
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    const [row] = await deliveriesOf(ep.id);
    const d = await eventually(async () => {
      const x = await detail(owner, row.id);
      return x.status === 'sent' && x;
    });
    expect(d.attempt_log[0].error).toBe('HTTP 429');
  });

  it('treats another 4xx as permanent: dead after one recorded attempt', async () => {
    const { owner, endpoint: ep } = await setup(['lead.created'], () => ({
      status: 422,
      body: 'unexpected payload',
    }));
    await postLead(owner);
    await receiver.waitFor(1);
    const [row] = await deliveriesOf(ep.id);
    const d = await eventually(async () => {
      const x = await detail(owner, row.id);
      return x.status === 'dead' && x;
    });
    expect(d.attempts).toBe(1);
    expect(d.last_error).toBe('HTTP 422: unexpected payload');
    expect(d.attempt_log).toEqual([
      expect.objectContaining({
        outcome: 'permanent_error',
        error: 'HTTP 422: unexpected payload',
      }),
    ]);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received).toHaveLength(1);
    // One failure opens a failure run; it takes 5 days of them to disable the endpoint.
    const e = await endpoint(owner, ep.id);
    expect(e.enabled).toBe(true);
    expect(e.failing_since).not.toBeNull();
  });

  it('disables the endpoint at once when the receiver answers 410 Gone', async () => {
    const { owner, endpoint: ep } = await setup(['lead.created'], () => ({ status: 410 }));
    await postLead(owner);
    await receiver.waitFor(1);
    const e = await eventually(async () => {
      const x = await endpoint(owner, ep.id);
      return !x.enabled && x;
    });
    expect(e.disabled_reason).toMatch(/410/);
    await postLead(owner);
    expect(await deliveriesOf(ep.id)).toHaveLength(1); // a disabled endpoint gets no new deliveries
  });

  it('signs with both secrets for 24 hours after a rotation, then with the new one only', async () => {
    const { owner, endpoint: ep } = await setup();
    const rotated = await relay.api.post(
      `/api/webhooks/endpoints/${ep.id}/rotate_secret/`,
      undefined,
      { token: owner.token },
    );
    const fresh = rotated.body.result.secret as string;
    await postLead(owner);
    const [req] = await receiver.waitFor(1);
    const signatures = req.headers['webhook-signature'].split(' ');
    expect(signatures).toHaveLength(2);
    for (const s of signatures) expect(s).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(verify(ep.secret, req).type).toBe('lead.created');
    expect(verify(fresh, req).type).toBe('lead.created');

    await relay.db.run(sql('UPDATE webhook_endpoints SET previous_secret_until = ? WHERE id = ?'), [
      new Date(Date.now() - 1000).toISOString(),
      ep.id,
    ]);
    await postLead(owner);
    const [, later] = await receiver.waitFor(2);
    expect(later.headers['webhook-signature'].split(' ')).toHaveLength(1);
    expect(verify(fresh, later).type).toBe('lead.created');
    expect(() => verify(ep.secret, later)).toThrow();
  });

  it('disables an endpoint that has failed for 5 days, and PATCH enabled:true re-enables it', async () => {
    const { owner, endpoint: ep } = await setup(['lead.created'], () => ({ status: 500 }));
    // Five days of failures, without waiting five days.
    await relay.db.run(sql('UPDATE webhook_endpoints SET failing_since = ? WHERE id = ?'), [
      new Date(Date.now() - 5 * DAY - 60_000).toISOString(),
      ep.id,
    ]);
    await postLead(owner);
    await receiver.waitFor(1);
    const disabled = await eventually(async () => {
      const x = await endpoint(owner, ep.id);
      return !x.enabled && x;
    });
    expect(disabled.disabled_reason).toMatch(/5 days/);
    // The queued retry is not sent to a disabled endpoint.
    const [row] = await deliveriesOf(ep.id);
    const d = await eventually(async () => {
      const x = await detail(owner, row.id);
      return x.status === 'dead' && x;
    });
    expect(d.last_error).toMatch(/disabled/);
    expect(receiver.received).toHaveLength(1);

    receiver.respond(() => ({ status: 200 }));
    const r = await relay.api.patch(
      `/api/webhooks/endpoints/${ep.id}/`,
      { enabled: true },
      { token: owner.token },
    );
    expect(r.body.result).toMatchObject({
      enabled: true,
      disabled_reason: null,
      failing_since: null,
    });
    await postLead(owner);
    await receiver.waitFor(2);
  });

  it('clears failing_since on a success within the 5 days', async () => {
    const { owner, endpoint: ep } = await setup();
    await relay.db.run(sql('UPDATE webhook_endpoints SET failing_since = ? WHERE id = ?'), [
      new Date(Date.now() - 4 * DAY).toISOString(),
      ep.id,
    ]);
    await postLead(owner);
    await receiver.waitFor(1);
    const e = await eventually(async () => {
      const x = await endpoint(owner, ep.id);
      return x.failing_since === null && x;
    });
    expect(e.enabled).toBe(true);
  });

  it('resolves host names through the guarded lookup when the operator allows private addresses', async () => {
    receiver = await startReceiver();
    const owner = await userWithShop(relay);
    const ep = await relay.stores.webhooks.create({
      shop_id: owner.shop.id,
      url: `http://localhost:${receiver.port}/by-name`,
      events: ['lead.created'],
    });
    await postLead(owner);
    const [req] = await receiver.waitFor(1);
    expect(req.path).toBe('/by-name');
    expect(verify(ep.secret, req).type).toBe('lead.created');
  });

  it('sends nothing for events the endpoint is not subscribed to', async () => {
    const { owner, endpoint: ep } = await setup(['order.created']);
    await postLead(owner);
    expect(await deliveriesOf(ep.id)).toHaveLength(0);
  });
});

describe('webhook delivery to private addresses (no TOUCHPOINT_WEBHOOK_ALLOW_PRIVATE)', () => {
  let relay: Relay;
  let receiver: Receiver;
  beforeAll(async () => {
    relay = await startRelay();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await relay.close();
    await receiver.close();
  });

  it('refuses at send time a host that resolves to loopback, and an address saved earlier', async () => {
    const owner = await userWithShop(relay);
    // Saved when the name pointed elsewhere (or before the operator turned the flag off):
    // the check at send time is what stops it.
    for (const url of [`http://localhost:${receiver.port}/`, `${receiver.url}/`])
      await relay.stores.webhooks.create({ shop_id: owner.shop.id, url, events: ['lead.created'] });
    await relay.api.post(
      '/api/store/leads/',
      { shop_id: owner.shop.id, fields: { name: 'Mallory' } },
      { token: owner.token },
    );
    const rows = await eventually(async () => {
      const all = (await relay.db.all(
        sql('SELECT status, attempts, last_error FROM deliveries WHERE shop_id = ?'),
        [owner.shop.id],
      )) as { status: string; attempts: number; last_error: string }[];
      return all.length === 2 && all.every((r) => r.status === 'dead') && all;
    });
    for (const r of rows) {
      expect(r.attempts).toBe(1);
      expect(r.last_error).toMatch(/^Refused: .*(private|loopback)/);
    }
    expect(rows.some((r) => r.last_error.includes('localhost resolves to'))).toBe(true);
    expect(receiver.received).toHaveLength(0);
  });
});
