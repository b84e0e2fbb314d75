import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { demoKeyIssuer, demoOrigins } from '../../../relay/demo/key.js';
import { DEMO_MANAGERS_CHAT, seedDemo } from '../../../relay/demo/seed.js';
import { DEMO_CSP } from '../../../relay/demo/routes.js';
import { startRelay, userWithShop, type Relay } from '../../helpers/relay.js';

const form = (fields: Record<string, string>, origin?: string) => ({
  headers: {
    'content-type': 'application/x-www-form-urlencoded',
    ...(origin ? { origin } : {}),
  },
  body: new URLSearchParams(fields).toString(),
});

describe('demo shop website', () => {
  let relay: Relay;
  let shopId: number;
  let sandboxBotId: number;
  const post = (path: string, fields: Record<string, string>, origin?: string) => {
    const f = form(fields, origin);
    return relay.api.post(path, f.body, { headers: f.headers });
  };
  /** The alerts and buyer messages queued for the demo shop, oldest first. */
  const deliveries = () =>
    relay.db.all(
      sql<[number], { event: string; kind: string; chat_id: string }>(
        `SELECT event, kind, chat_id FROM deliveries WHERE shop_id = ? ORDER BY id`,
      ),
      [shopId],
    );

  beforeAll(async () => {
    relay = await startRelay({ demo: true, publicRateLimit: 0 });
    const seeded = await seedDemo(relay.stores);
    [shopId, sandboxBotId] = [seeded.shop.id, seeded.sandboxBotId];
  });
  afterAll(() => relay.close());

  it('seeds a web bot, a sandbox bot, the callback form, the alert channel and order texts', async () => {
    const bots = await relay.stores.bots.list(shopId, { limit: 10, offset: 0 });
    expect(bots.rows.map((b) => [b.bot_type, b.name])).toEqual([
      ['web', 'Website'],
      ['sandbox', 'Demo Shop Bot'],
    ]);
    const callback = await relay.stores.forms.byName(shopId, 'callback');
    expect(callback!.fields.map((f) => f.name)).toEqual(['name', 'phone', 'message']);
    expect(callback!.consent?.text).toMatch(/contact me/);
    const channels = await relay.stores.channels.list(shopId, { limit: 10, offset: 0 });
    expect(channels.rows).toMatchObject([
      {
        type: 'telegram',
        bot_id: sandboxBotId,
        chat_id: DEMO_MANAGERS_CHAT,
        events: [
          'lead.created',
          'order.created',
          'order.status_changed',
          'bot_user.subscribed',
          'message.received',
        ],
      },
    ]);
    const shop = await relay.stores.shops.get(shopId);
    expect(shop!.settings.order_templates).toHaveProperty('shipped');
  });

  it('renders every page with a fresh demo key, under a strict CSP, with no inline code', async () => {
    for (const path of ['/demo/', '/demo', '/demo/contact', '/demo/manager']) {
      const res = await relay.api.get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toBe(DEMO_CSP);
      expect(DEMO_CSP).toContain(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'",
      );
      expect(res.text).toMatch(
        /<script async src="\/widget\/touchpoint\.js" data-key="pk_[A-Za-z0-9_-]+"><\/script>/,
      );
      expect(res.text).toContain('<tp-launcher form="callback" channels="sandbox"');
      expect(res.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/); // no inline script
      expect(res.text).not.toMatch(/\sstyle=|<style/); // no inline style
    }
    expect((await relay.api.get('/demo/contact')).text).toContain(
      '<tp-lead-form form="callback"></tp-lead-form>',
    );
    expect((await relay.api.get('/demo/shop.css')).headers.get('content-type')).toMatch(
      /text\/css/,
    );

    // The key in the pages is a working publishable key of the demo shop for the public URL.
    const page = (await relay.api.get('/demo/')).text;
    const pk = /data-key="(pk_[^"]+)"/.exec(page)![1];
    const stored = await relay.stores.keys.find(pk, 'publishable');
    expect(stored).toMatchObject({
      shop_id: shopId,
      name: 'demo page',
      allowed_origins: ['http://localhost:8787', 'http://127.0.0.1:8787'],
    });
    expect(demoOrigins({ publicUrl: 'https://demo.example/touchpoint', port: 8080 })).toEqual([
      'https://demo.example',
      'http://localhost:8080',
      'http://127.0.0.1:8080',
    ]);
    const config = await relay.api.get(`/public/v1/config?key=${pk}`, {
      headers: { origin: relay.config.publicUrl },
    });
    expect(config.status).toBe(200);
    expect(config.body.result.forms.map((f: { name: string }) => f.name)).toEqual(['callback']);
  });

  it('issues one demo key per process and revokes the one before it', async () => {
    const first = await demoKeyIssuer(relay)();
    const second = await demoKeyIssuer(relay)();
    expect(second!.key).not.toBe(first!.key);
    expect(await relay.stores.keys.find(first!.key, 'publishable')).toBeUndefined();
    const keys = await relay.stores.keys.list(shopId, { limit: 100, offset: 0 });
    expect(keys.rows.filter((k) => k.name === 'demo page')).toHaveLength(1);
  });

  it('sells a product: the Buy form creates an order, alerts the managers and shows the order', async () => {
    const before = (await deliveries()).length;
    const res = await post('/demo/api/order', { sku: 'ROAST-250' });
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/demo\/order\/demo-[0-9a-f]{10}$/);
    const ref = location.split('/').pop()!;
    const order = await relay.stores.orders.byExternalId(shopId, ref);
    expect(order).toMatchObject({
      number: '1001',
      status: 'new',
      currency: 'EUR',
      total: 14.5,
      items: [{ sku: 'ROAST-250', name: 'Morning Roast, 250 g', qty: 1, price: 14.5 }],
    });
    expect((await deliveries()).slice(before)).toEqual([
      { event: 'order.created', kind: 'sandbox', chat_id: DEMO_MANAGERS_CHAT },
    ]);
    const page = await relay.api.get(location);
    expect(page.status).toBe(200);
    expect(page.text).toContain(
      `<tp-subscribe channels="sandbox" order-ref="${order!.optin_ref}">`,
    );
    expect(page.text).toContain('Order #1001');

    // The same as JSON, for scripts.
    const json = await relay.api.post('/demo/api/order', { sku: 'MUG-300', qty: 2 });
    expect(json.status).toBe(201);
    expect(json.body.result).toMatchObject({
      number: '1002',
      url: `/demo/order/${json.body.result.ref}`,
    });
    expect((await relay.stores.orders.get(json.body.result.id))!.total).toBe(44);
  });

  it('changes an order’s status from the manager panel, as the API would', async () => {
    const { body } = await relay.api.post('/demo/api/order', { sku: 'ETHIOPIA-250' });
    const id: number = body.result.id;
    const before = (await deliveries()).length;
    const res = await post(`/demo/api/orders/${id}/status`, { status: 'shipped' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/demo/manager');
    const order = await relay.stores.orders.get(id);
    expect(order!.status_history.map((h) => h.status)).toEqual(['new', 'shipped']);
    expect((await deliveries()).slice(before)).toEqual([
      { event: 'order.status_changed', kind: 'sandbox', chat_id: DEMO_MANAGERS_CHAT },
    ]);
    const panel = (await relay.api.get('/demo/manager')).text;
    expect(panel).toMatch(
      new RegExp(
        `action="/demo/api/orders/${id}/status"[\\s\\S]*?<option value="shipped" selected>`,
      ),
    );
    const json = await relay.api.post(`/demo/api/orders/${id}/status`, { status: 'delivered' });
    expect(json.status).toBe(200);
    expect(json.body.result.status).toBe('delivered');
  });

  it('rejects bad input, other shops’ orders and other sites’ forms', async () => {
    const bad = await relay.api.post('/demo/api/order', { sku: 'NOPE', qty: 0 });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.errors)).toEqual(expect.arrayContaining(['sku', 'qty']));
    const malformed = await relay.api.post('/demo/api/order', '{"sku":', {
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    const { body } = await relay.api.post('/demo/api/order', { sku: 'ROAST-250' });
    const status = await relay.api.post(`/demo/api/orders/${body.result.id}/status`, {
      status: 'Not A Status',
    });
    expect(status.status).toBe(400);
    expect(status.body.errors).toHaveProperty('status');

    const other = await userWithShop(relay, 'Other');
    const { order } = await relay.stores.orders.upsert(other.shop.id, { number: '7' });
    const foreign = await post(`/demo/api/orders/${order.id}/status`, { status: 'paid' });
    expect(foreign.status).toBe(404);
    expect((await relay.stores.orders.get(order.id))!.status).toBe('new');
    expect((await post(`/demo/api/orders/abc/status`, { status: 'paid' })).status).toBe(404);

    const elsewhere = await post('/demo/api/order', { sku: 'ROAST-250' }, 'https://evil.example');
    expect(elsewhere.status).toBe(403);
    expect((await relay.api.get('/demo/order/demo-0000000000')).status).toBe(404);
  });
});

describe('demo shop website outside demo mode', () => {
  it('does not exist', async () => {
    const relay = await startRelay();
    try {
      await seedDemo(relay.stores);
      for (const path of ['/demo/', '/demo/contact', '/demo/manager', '/demo/shop.css'])
        expect((await relay.api.get(path)).status, path).toBe(404);
      expect((await relay.api.post('/demo/api/order', { sku: 'ROAST-250' })).status).toBe(404);
    } finally {
      await relay.close();
    }
  });

  it('answers 404 in demo mode until the demo shop is seeded', async () => {
    const relay = await startRelay({ demo: true });
    try {
      const missing = await relay.api.get('/demo/');
      expect(missing.status).toBe(404);
      expect(missing.text).toContain('There is no demo shop here');
      await seedDemo(relay.stores);
      expect((await relay.api.get('/demo/')).status).toBe(200);
    } finally {
      await relay.close();
    }
  });
});
