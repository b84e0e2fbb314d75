import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';

/** Order message templates per status: read with the defaults, written by owners, previewed. */
describe('order message templates', () => {
  let relay: Relay;
  let owner: Owner;
  let managerToken: string;
  beforeAll(async () => {
    relay = await startRelay();
    owner = await userWithShop(relay, 'Templates');
    const invited = await relay.api.post(
      '/api/shop/members/',
      { shop_id: owner.shop.id, email: `tm-${Date.now()}@example.test`, role: 'manager' },
      { token: owner.token },
    );
    managerToken = await relay.stores.users.issueToken(invited.body.result.user_id);
  });
  afterAll(() => relay.close());
  const q = () => `?shop_id=${owner.shop.id}`;

  it('reads the defaults until the shop writes its own, and keeps them in the shop’s settings', async () => {
    const before = await relay.api.get(`/api/store/order_templates/${q()}`, {
      token: managerToken,
    });
    expect(before.status).toBe(200);
    expect(before.body.result).toMatchObject({
      templates: {},
      defaults: { shipped: 'Your order {order.number} has shipped.' },
      variables: ['order.number', 'order.status', 'order.total', 'order.currency'],
    });
    const put = await relay.api.put(
      `/api/store/order_templates/${q()}`,
      { templates: { shipped: 'On its way: {order.number} ({order.total} {order.currency})' } },
      { token: owner.token },
    );
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.result.templates).toEqual({
      shipped: 'On its way: {order.number} ({order.total} {order.currency})',
    });
    const shop = await relay.api.get(`/api/shop/shops/${owner.shop.id}/`, { token: owner.token });
    expect(shop.body.result.settings.order_templates).toEqual(put.body.result.templates);
  });

  it('lets managers read and preview, not write', async () => {
    const r = await relay.api.put(
      `/api/store/order_templates/${q()}`,
      { templates: { paid: 'x' } },
      { token: managerToken },
    );
    expect(r.status).toBe(403);
    expect(r.body.errors.common).toBe("Only the shop's owners can change or delete the shop.");
  });

  it('previews a draft with an example order or one of the shop’s, escaped for Telegram', async () => {
    const draft = await relay.api.post(
      `/api/store/order_templates/preview/${q()}`,
      { status: 'paid', template: 'Paid <b>{order.number}</b> & {order.total}' },
      { token: managerToken },
    );
    expect(draft.status, JSON.stringify(draft.body)).toBe(200);
    expect(draft.body.result).toEqual({
      text: 'Paid <b>1001</b> & 49.90',
      html: 'Paid &lt;b&gt;1001&lt;/b&gt; &amp; 49.90',
    });
    const order = await relay.api.post(
      '/api/store/orders/',
      { shop_id: owner.shop.id, external_id: 'T-1', number: 'A-77', items: [], currency: 'JPY' },
      { token: owner.token },
    );
    const saved = await relay.api.post(
      `/api/store/order_templates/preview/${q()}`,
      { status: 'shipped', order_id: order.body.result.id },
      { token: owner.token },
    );
    expect(saved.body.result.text).toBe('On its way: A-77 (0 JPY)');
    const fallback = await relay.api.post(
      `/api/store/order_templates/preview/${q()}`,
      { status: 'packed' },
      { token: owner.token },
    );
    expect(fallback.body.result.text).toBe('Your order 1001 is now: packed.');
  });

  it('refuses bad templates here and in the shop’s own settings, field by field', async () => {
    const bad = await relay.api.put(
      `/api/store/order_templates/${q()}`,
      { templates: { Shipped: 'x', paid: '' } },
      { token: owner.token },
    );
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.errors).sort()).toEqual([
      'common',
      'templates.Shipped',
      'templates.paid',
    ]);
    const patch = await relay.api.patch(
      `/api/shop/shops/${owner.shop.id}/`,
      { settings: { order_templates: { shipped: 42 } } },
      { token: owner.token },
    );
    expect(patch.status).toBe(400);
    expect(patch.body.errors['settings.order_templates.shipped']).toBeDefined();
    const other = await userWithShop(relay, 'Other');
    const foreign = await relay.api.get(`/api/store/order_templates/${q()}`, {
      token: other.token,
    });
    expect(foreign.status).toBe(404);
  });

  it('keeps a status’s approved WhatsApp template beside its text, and names a bad one’s fields', async () => {
    const templates = {
      shipped: 'On its way: {order.number}',
      delivered: {
        text: 'Delivered: {order.number}',
        whatsapp_template: {
          name: 'order_update',
          language: 'en_US',
          parameters: ['{order.number}'],
        },
      },
    };
    const put = await relay.api.put(
      `/api/store/order_templates/${q()}`,
      { templates },
      { token: owner.token },
    );
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.result.templates).toEqual(templates);
    const preview = await relay.api.post(
      `/api/store/order_templates/preview/${q()}`,
      { status: 'delivered' },
      { token: managerToken },
    );
    expect(preview.body.result.text).toBe('Delivered: 1001');
    const bad = await relay.api.put(
      `/api/store/order_templates/${q()}`,
      { templates: { delivered: { whatsapp_template: { name: 'Order Update', language: 'en' } } } },
      { token: owner.token },
    );
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.errors)).toContain('templates.delivered.whatsapp_template.name');
  });
});
