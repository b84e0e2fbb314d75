import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, userWithShop, type Owner, type Relay } from '../helpers/relay.js';

/**
 * Shop isolation on every endpoint of the management API, found from the OpenAPI document
 * so that a new endpoint cannot be forgotten: shop A's credentials (a user token, and a
 * secret key) get 404 for each of shop B's objects on every method, B's lists answer 404,
 * and A's lists never contain B's rows.
 */
describe('shop isolation on every endpoint', () => {
  let relay: Relay;
  let a: Owner;
  let b: Owner;
  let skA: string;
  /** Shop B's object ids, by the resource path they live under. */
  const ofB: Record<string, number> = {};

  beforeAll(async () => {
    relay = await startRelay({ demo: true, webhookAllowPrivate: true });
    a = await userWithShop(relay, 'A');
    b = await userWithShop(relay, 'B', { demo: true });
    const as = (token: string) => ({ token });
    const create = async (path: string, body: Record<string, unknown>) => {
      const r = await relay.api.post(path, { shop_id: b.shop.id, ...body }, as(b.token));
      expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
      return r.body.result;
    };
    skA = (
      await relay.api.post('/api/shop/keys/', { shop_id: a.shop.id, kind: 'secret' }, as(a.token))
    ).body.result.key;

    ofB['/api/shop/shops/{id}/'] = b.shop.id;
    ofB['/api/shop/keys/{id}/'] = (await create('/api/shop/keys/', { kind: 'secret' })).id;
    ofB['/api/shop/members/{id}/'] = (
      await create('/api/shop/members/', { email: 'manager@b.example', role: 'manager' })
    ).id;
    const form = await create('/api/store/forms/', {
      name: 'callback',
      fields: [{ name: 'name', label: { en: 'Name' }, type: 'text', required: true }],
    });
    ofB['/api/store/forms/{id}/'] = form.id;
    ofB['/api/store/tags/{id}/'] = (await create('/api/store/tags/', { name: 'vip' })).id;
    ofB['/api/store/custom_fields/{id}/'] = (
      await create('/api/store/custom_fields/', { name: 'city', type: 'text' })
    ).id;
    const bot = await create('/api/bot/bots/', { bot_type: 'sandbox', name: 'B bot' });
    ofB['/api/bot/bots/{id}/'] = bot.id;
    for (const action of ['status', 'restart', 'stop', 'chats'])
      ofB[`/api/bot/bot/{id}/${action}/`] = bot.id;
    const botUser = await create('/api/bot/bot_user/unsafe_create/', {
      bot_id: bot.id,
      messenger_user_id: '42',
      name: 'Buyer B',
    });
    ofB['/api/bot/bot_users/{id}/'] = botUser.id;
    ofB['/api/bot/conversations/{id}/read/'] = botUser.id;
    ofB['/api/store/leads/{id}/'] = (
      await create('/api/store/leads/', { form: form.id, fields: { name: 'Lead B' } })
    ).id;
    ofB['/api/store/orders/{id}/'] = (
      await create('/api/store/orders/', { external_id: 'b-1', number: '1', items: [] })
    ).id;
    const flow = await create('/api/bot/flows/', { bot_id: bot.id, name: 'Welcome' });
    ofB['/api/bot/flows/{id}/'] = flow.id;
    ofB['/api/bot/flows/{id}/export/'] = flow.id;
    ofB['/api/bot/flows/{id}/try/'] = flow.id;
    const step = await create('/api/bot/steps/', {
      flow_id: flow.id,
      type: 'message',
      payload: { text: 'Hi' },
    });
    ofB['/api/bot/steps/{id}/'] = step.id;
    ofB['/api/bot/menu_items/{id}/'] = (
      await create('/api/bot/menu_items/', {
        step_id: step.id,
        title: 'Site',
        url: 'https://b.example',
      })
    ).id;
    const channel = await create('/api/notifications/channels/', {
      type: 'telegram',
      bot_id: bot.id,
      chat_id: '-1001234567890',
      events: ['lead.created'],
    });
    ofB['/api/notifications/channels/{id}/'] = channel.id;
    ofB['/api/notifications/channels/{id}/test/'] = channel.id;
    const endpoint = await create('/api/webhooks/endpoints/', {
      url: 'http://127.0.0.1:9/hook',
      events: ['lead.created'],
    });
    ofB['/api/webhooks/endpoints/{id}/'] = endpoint.id;
    ofB['/api/webhooks/endpoints/{id}/rotate_secret/'] = endpoint.id;
    const message = await create('/api/bot/messages/send_message/', {
      bot_user_id: botUser.id,
      content_type: 'text',
      payload: { text: 'Hello B' },
    });
    ofB['/api/bot/messages/{id}/'] = message.id;
    ofB['/api/bot/messages/{id}/image/'] = message.id;
    // A lead of B raised an alert: B's delivery.
    const deliveries = await relay.api.get(
      `/api/notifications/deliveries/?shop_id=${b.shop.id}`,
      as(b.token),
    );
    expect(deliveries.body.result.count).toBeGreaterThan(0);
    ofB['/api/notifications/deliveries/{id}/'] = deliveries.body.result.results[0].id;
    ofB['/api/notifications/deliveries/{id}/retry/'] = deliveries.body.result.results[0].id;
  });
  afterAll(() => relay.close());

  const paths = async () => {
    const doc = (await relay.api.get('/api/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    return Object.entries(doc.paths).filter(
      ([p]) => p.startsWith('/api/') && !p.startsWith('/api/auth/'),
    );
  };

  it("answers 404 for each of shop B's objects on every method, with a user token and a secret key", async () => {
    const detailPaths = (await paths()).filter(([p]) => p.includes('{id}'));
    expect(detailPaths.length).toBeGreaterThan(20);
    for (const [path, ops] of detailPaths) {
      expect(ofB, `no object of shop B for ${path}: add one to this suite`).toHaveProperty([path]);
      const url = path.replace('{id}', String(ofB[path]));
      for (const method of Object.keys(ops)) {
        for (const [who, token] of [
          ['user token', a.token],
          ['secret key', skA],
        ]) {
          for (const query of ['', `?shop_id=${a.shop.id}`]) {
            const body = method === 'get' || method === 'delete' ? undefined : { name: 'x' };
            const r = await relay.api.call(method.toUpperCase(), url + query, body, { token });
            expect(r.status, `${method.toUpperCase()} ${url}${query} with A's ${who}`).toBe(404);
            expect(r.body.status).toBe('error');
          }
        }
      }
    }
    // Nothing of B's changed or disappeared.
    for (const path of ['/api/store/leads/{id}/', '/api/bot/bots/{id}/', '/api/shop/shops/{id}/']) {
      const r = await relay.api.get(path.replace('{id}', String(ofB[path])), { token: b.token });
      expect(r.status, path).toBe(200);
    }
  });

  it("answers 404 for shop B's lists and creations, and A's lists never contain B's rows", async () => {
    // The shops list is the caller's own shops, not a shop-level list (tested below).
    const listPaths = (await paths()).filter(
      ([p]) => !p.includes('{id}') && p !== '/api/shop/shops/',
    );
    for (const [path, ops] of listPaths) {
      for (const token of [a.token, skA]) {
        if ('get' in ops) {
          const foreign = await relay.api.get(`${path}?shop_id=${b.shop.id}`, { token });
          expect(foreign.status, `GET ${path}?shop_id=B`).toBe(404);
          // Not lists: a file, and an endless event stream (its isolation: events/stream.test.ts).
          if (path.endsWith('/export/') || path.endsWith('/stream/')) continue;
          const own = await relay.api.get(`${path}?shop_id=${a.shop.id}&limit=100`, { token });
          expect(own.status, `GET ${path}?shop_id=A`).toBe(200);
          type Row = { id: number; shop_id?: number; bot_user?: { shop_id: number } };
          // Not a list: one object of the shop (its order templates).
          for (const row of (own.body.result.results ?? []) as Row[]) {
            const shopId = row.shop_id ?? row.bot_user?.shop_id ?? a.shop.id;
            expect(shopId, `${path} row ${row.id}`).toBe(a.shop.id);
          }
        }
        if ('post' in ops) {
          // 400 when the body is incomplete for that resource (checked first), else 404.
          const r = await relay.api.post(path, { shop_id: b.shop.id, name: 'intruder' }, { token });
          expect([400, 404], `POST ${path} into shop B`).toContain(r.status);
        }
      }
    }
    const shops = await relay.api.get('/api/shop/shops/', { token: a.token });
    expect(shops.body.result.results.map((s: { id: number }) => s.id)).toEqual([a.shop.id]);
  });
});
