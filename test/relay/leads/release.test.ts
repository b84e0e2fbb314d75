import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { leadBody, postLead, widgetShop, type WidgetShop } from '../public/fixtures.js';
import { eventually, startReceiver, verify, type Receiver } from '../webhooks/receiver.js';
import { sql } from '../../../relay/db/sql.js';

/**
 * A lead the intake held as spam (a person who filled the form fast), released by a manager
 * with `PATCH {spam: false}`: its `lead.created` goes out then — the alert and the webhook,
 * queued with the release — once in the lead's life.
 */
const QUEUED = sql<{ id: number }, { id: number; kind: string; status: string }>({
  sqlite: `SELECT id, kind, status FROM deliveries
           WHERE event = 'lead.created' AND json_extract(payload, '$.body.data.id') = @id
              OR event = 'lead.created' AND json_extract(payload, '$.data.id') = @id
           ORDER BY id`,
  postgres: `SELECT id, kind, status FROM deliveries
             WHERE event = 'lead.created' AND (payload::jsonb #>> '{body,data,id}') = @id::text
                OR event = 'lead.created' AND (payload::jsonb #>> '{data,id}') = @id::text
             ORDER BY id`,
});

describe('releasing a lead from spam', () => {
  let relay: Relay;
  let shop: WidgetShop;
  let alerts: Receiver;
  let hooks: Receiver;
  let secret: string;

  /** The lead.created deliveries queued for a lead, whatever their state. */
  const queued = (leadId: number) => relay.db.all(QUEUED, { id: leadId });
  const patch = (id: number, body: object) =>
    relay.api.patch(`/api/store/leads/${id}/`, body, { token: shop.token });

  beforeAll(async () => {
    [alerts, hooks] = await Promise.all([startReceiver(), startReceiver()]);
    relay = await startRelay({ publicRateLimit: 0, webhookAllowPrivate: true });
    shop = await widgetShop(relay);
    const channel = await relay.api.post(
      '/api/notifications/channels/',
      { shop_id: shop.shopId, type: 'webhook', url: alerts.url, events: ['lead.created'] },
      { token: shop.token },
    );
    expect(channel.status, JSON.stringify(channel.body)).toBe(201);
    const endpoint = await relay.api.post(
      '/api/webhooks/endpoints/',
      { shop_id: shop.shopId, url: hooks.url, events: ['lead.created'] },
      { token: shop.token },
    );
    expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);
    secret = endpoint.body.result.secret;
  });
  afterAll(async () => {
    await relay.close();
    await Promise.all([alerts.close(), hooks.close()]);
  });

  it('raises lead.created when a manager releases a quick person’s lead, and only then', async () => {
    // Sent faster than the form's min_fill_ms: stored as spam, answered like any lead.
    const sent = await postLead(relay, leadBody(shop.pk, { elapsed_ms: 300 }));
    expect(sent.status).toBe(202);
    const id: number = sent.body.result.lead_id;
    expect(
      (await relay.api.get(`/api/store/leads/${id}/`, { token: shop.token })).body.result,
    ).toMatchObject({ spam: true });
    // Other writes while it is spam announce nothing.
    expect((await patch(id, { status: 'in_progress' })).status).toBe(200);
    expect((await patch(id, { spam: true })).status).toBe(200);
    expect(await queued(id)).toEqual([]);

    const released = await patch(id, { spam: false });
    expect(released.status).toBe(200);
    expect(released.body.result).toMatchObject({ id, spam: false, status: 'in_progress' });
    expect((await queued(id)).map((d) => d.kind)).toEqual(['webhook', 'webhook']);

    // Delivered: the managers' alert and the signed webhook, each naming the released lead.
    const [alert] = await alerts.waitFor(1);
    expect(JSON.parse(alert.body)).toMatchObject({ event: 'lead.created', data: { id } });
    expect(JSON.parse(alert.body).text).toContain(`#${id}`);
    const [hook] = await hooks.waitFor(1);
    expect(verify(secret, hook)).toMatchObject({ type: 'lead.created', data: { id, spam: false } });
    await eventually(async () => (await queued(id)).every((d) => d.status === 'sent'));

    // Released again, re-marked as spam, released once more: never a second announcement.
    expect((await patch(id, { spam: false })).status).toBe(200);
    expect((await patch(id, { spam: true })).status).toBe(200);
    expect((await patch(id, { spam: false })).status).toBe(200);
    expect(await queued(id)).toHaveLength(2);
    // The released lead is in the list again.
    const list = await relay.api.get(`/api/store/leads/?shop_id=${shop.shopId}`, {
      token: shop.token,
    });
    expect(list.body.result.results.map((l: { id: number }) => l.id)).toContain(id);
    await new Promise((r) => setTimeout(r, 300));
    expect(alerts.received).toHaveLength(1);
    expect(hooks.received).toHaveLength(1);
  });

  it('announces a lead that was never spam once: at creation, not when it is un-marked', async () => {
    const sent = await postLead(relay, leadBody(shop.pk));
    const id: number = sent.body.result.lead_id;
    await eventually(async () => (await queued(id)).length === 2);
    expect((await patch(id, { spam: true })).status).toBe(200);
    expect((await patch(id, { spam: false })).status).toBe(200);
    expect(await queued(id)).toHaveLength(2);
  });
});
