import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { counts, leadBody, postLead, widgetShop, type WidgetShop } from './fixtures.js';

describe('idempotent lead submissions', () => {
  let relay: Relay;
  let shop: WidgetShop;
  beforeAll(async () => {
    relay = await startRelay({ publicRateLimit: 0 });
    await relay.worker.stop();
    shop = await widgetShop(relay);
    await relay.stores.webhooks.create({
      shop_id: shop.shopId,
      url: 'https://hooks.example/leads',
      events: ['lead.created'],
    });
  });
  afterAll(() => relay.close());

  it('answers a repeat of a submission_id with the first answer and stores one lead', async () => {
    const body = leadBody(shop.pk);
    const first = await postLead(relay, body);
    expect(first.status).toBe(202);
    const before = await counts(relay);
    // A retry: same values, a new elapsed_ms and page (the widget rebuilds these).
    const again = await postLead(relay, {
      ...body,
      elapsed_ms: 9000,
      page: { url: 'https://shop.example/other', referrer: '', title: 'Other' },
    });
    expect(again.status).toBe(202);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // Field order does not make a submission different.
    const reordered = await postLead(relay, {
      ...body,
      fields: Object.fromEntries(Object.entries(body.fields).reverse()),
    });
    expect(reordered.body).toEqual(first.body);
    expect(await counts(relay)).toEqual(before); // no second lead, bot user or webhook
  });

  it('answers 422 when the submission_id comes back with other values', async () => {
    const body = leadBody(shop.pk);
    await postLead(relay, body);
    const before = await counts(relay);
    const other = await postLead(relay, { ...body, fields: { ...body.fields, name: 'Bob' } });
    expect(other.status).toBe(422);
    expect(other.body.errors.common).toMatch(/submission_id/);
    expect(await counts(relay)).toEqual(before);
  });

  it('keys submissions per shop: another shop may use the same submission_id', async () => {
    const other = await widgetShop(relay);
    const id = randomUUID();
    const a = await postLead(relay, leadBody(shop.pk, { submission_id: id }));
    const b = await postLead(
      relay,
      leadBody(other.pk, { submission_id: id, fields: { name: 'B', phone: '+79123456780' } }),
    );
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.body.result.lead_id).not.toBe(a.body.result.lead_id);
  });

  it('prefers the Idempotency-Key header over submission_id', async () => {
    const key = randomUUID();
    const first = await postLead(relay, leadBody(shop.pk), { headers: { 'idempotency-key': key } });
    const body = leadBody(shop.pk);
    const second = await postLead(
      relay,
      { ...body, fields: { ...body.fields, name: 'Someone else' } },
      { headers: { 'idempotency-key': key } },
    );
    expect(second.status).toBe(422);
    const bad = await postLead(relay, leadBody(shop.pk), { headers: { 'idempotency-key': 'ü' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toHaveProperty('Idempotency-Key');
    expect(first.status).toBe(202);
  });

  it('stores one lead when the same submission arrives many times at once', async () => {
    const body = leadBody(shop.pk);
    const before = await counts(relay);
    const replies = await Promise.all(Array.from({ length: 20 }, () => postLead(relay, body)));
    expect(new Set(replies.map((r) => r.status))).toEqual(new Set([202]));
    expect(new Set(replies.map((r) => r.text)).size).toBe(1);
    expect((await counts(relay)).leads).toBe(before.leads + 1);
    expect((await counts(relay)).deliveries).toBe(before.deliveries + 1);
  });

  it('replays the same normal-looking answer for spam', async () => {
    const body = leadBody(shop.pk, { hp: 'bot' });
    const first = await postLead(relay, body);
    const again = await postLead(relay, { ...body, hp: '' });
    expect(again.text).toBe(first.text);
  });
});
