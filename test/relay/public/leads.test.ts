import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { counts, leadBody, ORIGIN, postLead, widgetShop, type WidgetShop } from './fixtures.js';
import { sql } from '../../../relay/db/sql.js';

describe('public lead intake', () => {
  let relay: Relay;
  let shop: WidgetShop;
  const deliveriesOf = (leadId: number) =>
    relay.db.all(
      sql<[string], { event: string; kind: string; payload: string }>(
        `SELECT event, kind, payload FROM deliveries WHERE payload LIKE ?`,
      ),
      [`%"id":${leadId},%`],
    );

  beforeAll(async () => {
    relay = await startRelay({ publicRateLimit: 0 });
    await relay.worker.stop(); // outbox rows stay queued, to be counted
    shop = await widgetShop(relay);
    await relay.stores.webhooks.create({
      shop_id: shop.shopId,
      url: 'https://hooks.example/leads',
      events: ['lead.created'],
    });
  });
  afterAll(() => relay.close());

  it('stores a lead with its page, UTM, consent and visitor, and queues its webhook', async () => {
    const body = leadBody(shop.pk);
    const r = await postLead(relay, body);
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect(r.body.status).toBe('ok');
    const { lead_id, bot_user_id } = r.body.result;
    const lead = await relay.stores.leads.get(lead_id);
    expect(lead).toMatchObject({
      shop_id: shop.shopId,
      form: shop.formId,
      source: 'widget',
      spam: false,
      bot_user_id,
      visitor_id: body.visitor_id,
      fields: {
        name: 'Ann',
        phone: '+79123456789',
        email: 'ann@example.com',
        topic: 'sales',
        news: false,
      },
      page: body.page,
      utm: body.utm,
    });
    expect(lead!.consent).toMatchObject({ text: 'I agree to be called back.', version: '2' });
    expect(Date.parse(String(lead!.consent!.accepted_at))).toBeGreaterThan(Date.now() - 60_000);
    expect(await deliveriesOf(lead_id)).toEqual([
      expect.objectContaining({ event: 'lead.created', kind: 'webhook' }),
    ]);
  });

  it("makes the visitor a bot user of the shop's web bot, created on the first lead", async () => {
    const visitor = `v-returning-${Date.now()}`;
    const first = await postLead(relay, leadBody(shop.pk, { visitor_id: visitor }));
    const botUser = await relay.stores.botUsers.get(first.body.result.bot_user_id);
    expect(botUser).toMatchObject({
      shop_id: shop.shopId,
      messenger_user_id: visitor,
      name: 'Ann',
      bot: { bot_type: 'web' },
      store: { phone: '+79123456789' },
      links: { visitor_id: visitor },
    });
    const webBots = (await relay.db.get(
      sql(`SELECT count(*) AS n FROM bots WHERE shop_id = ? AND bot_type = 'web'`),
      [shop.shopId],
    )) as { n: number };
    expect(webBots.n).toBe(1);

    // The same visitor again: the same bot user, updated with what the new lead tells.
    const again = await postLead(
      relay,
      leadBody(shop.pk, {
        visitor_id: visitor,
        fields: { name: 'Ann Lee', phone: '+7 912 000-11-22' },
      }),
    );
    expect(again.body.result.bot_user_id).toBe(first.body.result.bot_user_id);
    const updated = await relay.stores.botUsers.get(first.body.result.bot_user_id);
    expect(updated).toMatchObject({ name: 'Ann Lee', store: { phone: '+79120001122' } });
    expect(updated!.links.lead_ids).toEqual([first.body.result.lead_id, again.body.result.lead_id]);
  });

  it('gives a visitor without visitor_id a bot user of their own', async () => {
    const { visitor_id: _, ...body } = leadBody(shop.pk);
    const r = await postLead(relay, body);
    expect(r.status).toBe(202);
    const lead = await relay.stores.leads.get(r.body.result.lead_id);
    expect(lead!.visitor_id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await relay.stores.botUsers.get(r.body.result.bot_user_id))!.messenger_user_id).toBe(
      lead!.visitor_id,
    );
  });

  it('names every invalid field, lead fields as fields.<name>, and stores nothing', async () => {
    const before = await counts(relay);
    const r = await postLead(
      relay,
      leadBody(shop.pk, {
        fields: { name: '', phone: 'call me', email: 'not-an-email', topic: 'other', extra: 'x' },
        consent: null,
        elapsed_ms: 'soon',
      }),
    );
    expect(r.status).toBe(400);
    expect(r.body.errors).toHaveProperty('elapsed_ms');
    const r2 = await postLead(
      relay,
      leadBody(shop.pk, {
        fields: { name: '', phone: 'call me', email: 'not-an-email', topic: 'other', extra: 'x' },
        consent: null,
      }),
    );
    expect(r2.status).toBe(400);
    expect(Object.keys(r2.body.errors).sort()).toEqual([
      'common',
      'consent',
      'fields.email',
      'fields.extra',
      'fields.name',
      'fields.phone',
      'fields.topic',
    ]);
    expect(r2.body.errors['fields.phone']).toEqual(['Enter a valid phone number.']);
    expect(r2.headers.get('access-control-allow-origin')).toBe(ORIGIN); // the widget can read it

    const noForm = await postLead(relay, leadBody(shop.pk, { form: 'nope' }));
    expect(noForm.status).toBe(400);
    expect(noForm.body.errors.form).toBeDefined();
    const oldConsent = await postLead(relay, leadBody(shop.pk, { consent: { version: '1' } }));
    expect(oldConsent.status).toBe(400);
    expect(oldConsent.body.errors.consent[0]).toMatch(/changed/);
    const missing = await postLead(relay, { key: shop.pk });
    expect(missing.status).toBe(400);
    for (const field of ['form', 'fields', 'elapsed_ms'])
      expect(missing.body.errors).toHaveProperty(field);
    expect(await counts(relay)).toEqual(before);
  });

  it('answers 413 over 64 KiB and 415 for a body that is not JSON, storing nothing', async () => {
    const before = await counts(relay);
    const big = await postLead(
      relay,
      leadBody(shop.pk, { fields: { name: 'x'.repeat(70 * 1024), phone: '+79123456789' } }),
    );
    expect(big.status).toBe(413);
    expect(big.body.status).toBe('error');
    // Without Content-Length (chunked), the limit holds while the body streams in.
    const chunk = new TextEncoder().encode(`{"key":"${shop.pk}","pad":"${'x'.repeat(16 * 1024)}`);
    const streamed = await fetch(`${relay.url}/public/v1/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN },
      body: new ReadableStream({
        pull(controller) {
          controller.enqueue(chunk); // never ends on its own: the relay must stop reading
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(streamed.headers.get('connection')).toBe('close');
    const form = await postLead(relay, `key=${shop.pk}&form=callback`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const text = await postLead(relay, JSON.stringify(leadBody(shop.pk)), {
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    const malformed = await postLead(relay, '{"key": ', {
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors.common).toMatch(/JSON/);
    expect(await counts(relay)).toEqual(before);
  });

  it('takes the key from the X-Touchpoint-Key header too', async () => {
    const { key: _, ...body } = leadBody(shop.pk);
    const r = await postLead(relay, body, { headers: { 'x-touchpoint-key': shop.pk } });
    expect(r.status).toBe(202);
  });

  it('commits every lead of a burst, each answered with its own ids', async () => {
    const before = (await counts(relay)).leads;
    const replies = await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        postLead(
          relay,
          leadBody(shop.pk, { fields: { name: `Burst ${i}`, phone: '+79123456789' } }),
        ),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 202));
    const ids = replies.map((r) => r.body.result.lead_id);
    expect(new Set(ids).size).toBe(120);
    expect((await counts(relay)).leads).toBe(before + 120);
    for (const [i, r] of replies.entries()) {
      const lead = await relay.stores.leads.get(r.body.result.lead_id);
      expect(lead!.fields.name).toBe(`Burst ${i}`);
    }
  });
});
