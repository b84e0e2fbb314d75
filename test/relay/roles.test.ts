import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../relay/db/sql.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../helpers/relay.js';
import { openStream } from '../helpers/sse.js';
import { startReceiver } from './webhooks/receiver.js';

/**
 * The role matrix, on every endpoint of the management API found in the OpenAPI document
 * (a new endpoint without a row here fails): what the shop's owner, a manager, the shop's
 * `sk_` key and the owner of another shop get. "ok" means really allowed: a valid request
 * on a fresh object of the shop answers 2xx. 403 carries a sentence; another shop's object
 * is 404, never 403.
 */
type Want = 'ok' | 403 | 404;
type Row = readonly [owner: Want, manager: Want, key: Want, stranger: Want];
const WHO = ['owner', 'manager', 'key', 'stranger'] as const;
type Who = (typeof WHO)[number];

/** Reads and operational work: every member of the shop and its key. */
const MEMBERS: Row = ['ok', 'ok', 'ok', 404];
/** Shop settings, keys, members, bot credentials, webhook endpoints, alert channels. */
const OWNERS: Row = ['ok', 403, 403, 404];

const MATRIX: Record<string, Row> = {
  'GET /api/shop/shops/': ['ok', 'ok', 'ok', 'ok'],
  'POST /api/shop/shops/': ['ok', 'ok', 403, 'ok'],
  'GET /api/shop/shops/{id}/': MEMBERS,
  'PATCH /api/shop/shops/{id}/': OWNERS,
  'DELETE /api/shop/shops/{id}/': OWNERS,
  'GET /api/shop/keys/': MEMBERS,
  'POST /api/shop/keys/': OWNERS,
  'DELETE /api/shop/keys/{id}/': OWNERS,
  'GET /api/shop/members/': MEMBERS,
  'POST /api/shop/members/': OWNERS,
  'PATCH /api/shop/members/{id}/': OWNERS,
  'DELETE /api/shop/members/{id}/': OWNERS,
  'GET /api/store/forms/': MEMBERS,
  'POST /api/store/forms/': MEMBERS,
  'GET /api/store/forms/{id}/': MEMBERS,
  'PATCH /api/store/forms/{id}/': MEMBERS,
  'DELETE /api/store/forms/{id}/': MEMBERS,
  'GET /api/store/leads/': MEMBERS,
  'POST /api/store/leads/': MEMBERS,
  'GET /api/store/leads/{id}/': MEMBERS,
  'PATCH /api/store/leads/{id}/': MEMBERS,
  'DELETE /api/store/leads/{id}/': MEMBERS,
  'GET /api/store/orders/': MEMBERS,
  'POST /api/store/orders/': MEMBERS,
  'GET /api/store/orders/{id}/': MEMBERS,
  'PATCH /api/store/orders/{id}/': MEMBERS,
  'DELETE /api/store/orders/{id}/': MEMBERS,
  'GET /api/bot/flows/': MEMBERS,
  'POST /api/bot/flows/': MEMBERS,
  'GET /api/bot/flows/{id}/': MEMBERS,
  'PATCH /api/bot/flows/{id}/': MEMBERS,
  'DELETE /api/bot/flows/{id}/': MEMBERS,
  'GET /api/bot/flows/{id}/export/': MEMBERS,
  'POST /api/bot/flows/import/': MEMBERS,
  'POST /api/bot/flows/{id}/try/': MEMBERS,
  'POST /api/bot/try/{bot_user_id}/messages/': MEMBERS,
  'POST /api/bot/try/{bot_user_id}/press/': MEMBERS,
  'GET /api/bot/steps/': MEMBERS,
  'POST /api/bot/steps/': MEMBERS,
  'GET /api/bot/steps/{id}/': MEMBERS,
  'PATCH /api/bot/steps/{id}/': MEMBERS,
  'DELETE /api/bot/steps/{id}/': MEMBERS,
  'GET /api/bot/menu_items/': MEMBERS,
  'POST /api/bot/menu_items/': MEMBERS,
  'GET /api/bot/menu_items/{id}/': MEMBERS,
  'PATCH /api/bot/menu_items/{id}/': MEMBERS,
  'DELETE /api/bot/menu_items/{id}/': MEMBERS,
  'GET /api/bot/bots/': MEMBERS,
  'POST /api/bot/bots/': OWNERS,
  'GET /api/bot/bots/{id}/': MEMBERS,
  // Renaming and the welcome flow; a token or credentials in the body is an owner's (below).
  'PATCH /api/bot/bots/{id}/': MEMBERS,
  'DELETE /api/bot/bots/{id}/': OWNERS,
  'GET /api/bot/bot/{id}/status/': MEMBERS,
  'POST /api/bot/bot/{id}/restart/': MEMBERS,
  'POST /api/bot/bot/{id}/stop/': MEMBERS,
  'POST /api/bot/messages/send_message/': MEMBERS,
  'GET /api/bot/messages/': MEMBERS,
  'GET /api/bot/messages/{id}/': MEMBERS,
  'GET /api/bot/bot_users/': MEMBERS,
  'GET /api/bot/bot_users/export/': MEMBERS,
  'GET /api/bot/bot_users/{id}/': MEMBERS,
  'PATCH /api/bot/bot_users/{id}/': MEMBERS,
  'DELETE /api/bot/bot_users/{id}/': MEMBERS,
  'POST /api/bot/bot_user/unsafe_create/': MEMBERS,
  'POST /api/bot/bot_user/subscribe_to_flow/': MEMBERS,
  'POST /api/bot/bot_user/unsubscribe_from_flow/': MEMBERS,
  'GET /api/store/tags/': MEMBERS,
  'POST /api/store/tags/': MEMBERS,
  'GET /api/store/tags/{id}/': MEMBERS,
  'PATCH /api/store/tags/{id}/': MEMBERS,
  'DELETE /api/store/tags/{id}/': MEMBERS,
  'GET /api/store/custom_fields/': MEMBERS,
  'POST /api/store/custom_fields/': MEMBERS,
  'GET /api/store/custom_fields/{id}/': MEMBERS,
  'PATCH /api/store/custom_fields/{id}/': MEMBERS,
  'DELETE /api/store/custom_fields/{id}/': MEMBERS,
  'GET /api/notifications/channels/': MEMBERS,
  'POST /api/notifications/channels/': OWNERS,
  'GET /api/notifications/channels/{id}/': MEMBERS,
  'PATCH /api/notifications/channels/{id}/': OWNERS,
  'DELETE /api/notifications/channels/{id}/': OWNERS,
  'GET /api/notifications/deliveries/': MEMBERS,
  'GET /api/notifications/deliveries/{id}/': MEMBERS,
  'POST /api/notifications/deliveries/{id}/retry/': MEMBERS,
  'GET /api/webhooks/endpoints/': MEMBERS,
  'POST /api/webhooks/endpoints/': OWNERS,
  'GET /api/webhooks/endpoints/{id}/': MEMBERS,
  'PATCH /api/webhooks/endpoints/{id}/': OWNERS,
  'DELETE /api/webhooks/endpoints/{id}/': OWNERS,
  'POST /api/webhooks/endpoints/{id}/rotate_secret/': OWNERS,
  'GET /api/bot/bot/{id}/chats/': MEMBERS,
  'POST /api/notifications/channels/{id}/test/': MEMBERS,
  'GET /api/bot/conversations/': MEMBERS,
  'POST /api/bot/conversations/{id}/read/': MEMBERS,
  'POST /api/bot/bot_user/take_over/': MEMBERS,
  'POST /api/bot/bot_user/hand_back/': MEMBERS,
  'GET /api/events/stream/': MEMBERS,
  'GET /api/bot/messages/{id}/image/': MEMBERS,
  'GET /api/store/order_templates/': MEMBERS,
  'PUT /api/store/order_templates/': OWNERS,
  'POST /api/store/order_templates/preview/': MEMBERS,
};

/** Allowed to every member, but 403 for some bodies (tested on their own below). */
const FORBIDDEN_BY_BODY = new Set(['PATCH /api/bot/bots/{id}/']);

/** A shop as the four callers see it: their tokens (the key is this shop's own). */
type Shop = { id: number; tokens: Record<Who, string> };
/** `stream`: the answer is an endless event stream; only its status is read. */
type Call = { path: string; body?: unknown; stream?: boolean };

describe('role matrix on every endpoint', () => {
  let relay: Relay;
  let images: Awaited<ReturnType<typeof startReceiver>>;
  let owner: Owner;
  let manager: Owner;
  let stranger: Owner;
  /** The shop the calls act on, with the fixtures every fresh object hangs from. */
  let shop: Shop;
  const base = { bot: 0, botUser: 0, form: 0, flow: 0, step: 0, button: 0 };
  let n = 0;
  const unique = (prefix: string) => `${prefix}_${++n}`;

  /** A shop owned by `owner`, with `manager` as a manager and a secret key of its own. */
  const newShop = async (): Promise<Shop> => {
    const created = await relay.stores.shops.create({ name: unique('Shop') }, owner.user.id);
    // A demo shop, so that its fixtures may use sandbox bots (the relay's own way to mark one).
    await relay.stores.shops.markDemo(created.id);
    await relay.stores.shops.addMember(created.id, manager.user.id, 'manager');
    const key = await relay.stores.keys.create({ shop_id: created.id, kind: 'secret' });
    return {
      id: created.id,
      tokens: {
        owner: owner.token,
        manager: manager.token,
        key: key.key,
        stranger: stranger.token,
      },
    };
  };

  /** Creates an object in `shop` as its owner and answers its id. */
  const make = async (path: string, body: Record<string, unknown>) => {
    const r = await relay.api.post(path, { shop_id: shop.id, ...body }, { token: owner.token });
    expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
    return r.body.result.id as number;
  };
  const fresh = {
    key: () => make('/api/shop/keys/', { kind: 'publishable' }),
    member: () =>
      make('/api/shop/members/', { email: `${unique('m')}@example.test`, role: 'manager' }),
    form: () =>
      make('/api/store/forms/', {
        name: unique('form'),
        fields: [{ name: 'name', label: { en: 'Name' }, type: 'text', required: true }],
      }),
    lead: () => make('/api/store/leads/', { form: base.form, fields: { name: 'Ann' } }),
    order: () => make('/api/store/orders/', { external_id: unique('o'), number: '1', items: [] }),
    flow: () => make('/api/bot/flows/', { bot_id: base.bot, name: unique('flow') }),
    step: () =>
      make('/api/bot/steps/', { flow_id: base.flow, type: 'message', payload: { text: 'Hi' } }),
    menuItem: () =>
      make('/api/bot/menu_items/', { step_id: base.step, title: 'Site', url: 'https://a.example' }),
    bot: () => make('/api/bot/bots/', { bot_type: 'sandbox', name: unique('bot') }),
    botUser: () =>
      make('/api/bot/bot_user/unsafe_create/', {
        bot_id: base.bot,
        messenger_user_id: unique('u'),
        name: 'Buyer',
      }),
    tag: () => make('/api/store/tags/', { name: unique('tag') }),
    customField: () => make('/api/store/custom_fields/', { name: unique('field'), type: 'text' }),
    channel: () =>
      make('/api/notifications/channels/', {
        type: 'telegram',
        bot_id: base.bot,
        chat_id: '-1001234567890',
        events: ['lead.created'],
      }),
    endpoint: () =>
      make('/api/webhooks/endpoints/', {
        url: 'http://127.0.0.1:9/hook',
        events: ['lead.created'],
      }),
    message: () =>
      make('/api/bot/messages/send_message/', {
        bot_user_id: base.botUser,
        content_type: 'text',
        payload: { text: 'Hello' },
      }),
    /** A message with a picture the relay can fetch (from `images`, on loopback). */
    imageMessage: () =>
      make('/api/bot/messages/send_message/', {
        bot_user_id: base.botUser,
        content_type: 'text',
        payload: { text: 'A picture', image_url: `${images.url}/mug.png` },
      }),
    /** A test person of the scenario editor's Try panel, at the base flow's first step. */
    testPerson: async () => {
      const r = await relay.api.post(
        `/api/bot/flows/${base.flow}/try/`,
        { shop_id: shop.id },
        { token: owner.token },
      );
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.result as { bot_user_id: number; messages: { id: number }[] };
    },
    /** A delivery that failed for good (a sent message's), so that retry applies. */
    deadDelivery: async () => {
      await fresh.message();
      const { id } = (await relay.db.get(
        sql<[number], { id: number }>(
          'SELECT id FROM deliveries WHERE shop_id = ? ORDER BY id DESC LIMIT 1',
        ),
        [shop.id],
      ))!;
      await relay.db.run(sql(`UPDATE deliveries SET status = 'dead' WHERE id = ?`), [id]);
      return id;
    },
  };

  const list = (path: string) => async (): Promise<Call> => ({
    path: `${path}?shop_id=${shop.id}`,
  });
  const create =
    (path: string, body: () => Record<string, unknown>) => async (): Promise<Call> => ({
      path,
      body: { shop_id: shop.id, ...body() },
    });
  const at =
    (path: string, id: () => Promise<number>, body?: () => Record<string, unknown>) =>
    async (): Promise<Call> => ({ path: path.replace('{id}', String(await id())), body: body?.() });
  /** The five routes of a shop-scoped resource. */
  const crud = (
    path: string,
    id: () => Promise<number>,
    input: () => Record<string, unknown>,
    patch: () => Record<string, unknown>,
  ) => ({
    [`GET ${path}`]: list(path),
    [`POST ${path}`]: create(path, input),
    [`GET ${path}{id}/`]: at(`${path}{id}/`, id),
    [`PATCH ${path}{id}/`]: at(`${path}{id}/`, id, patch),
    [`DELETE ${path}{id}/`]: at(`${path}{id}/`, id),
  });

  /** A valid request per endpoint, on a fresh object where the call may change or delete it. */
  const CALLS: Record<string, (who: Who) => Promise<Call & { shop?: Shop }>> = {
    'GET /api/shop/shops/': async () => ({ path: '/api/shop/shops/' }),
    'POST /api/shop/shops/': async () => ({
      path: '/api/shop/shops/',
      body: { name: unique('New') },
    }),
    'GET /api/shop/shops/{id}/': async () => ({ path: `/api/shop/shops/${shop.id}/` }),
    'PATCH /api/shop/shops/{id}/': async () => ({
      path: `/api/shop/shops/${shop.id}/`,
      body: { settings: { theme: 'dark' } },
    }),
    // A shop of its own each time, with the same roles: the call may delete it.
    'DELETE /api/shop/shops/{id}/': async () => {
      const own = await newShop();
      return { path: `/api/shop/shops/${own.id}/`, shop: own };
    },
    'GET /api/shop/keys/': list('/api/shop/keys/'),
    'POST /api/shop/keys/': create('/api/shop/keys/', () => ({ kind: 'publishable' })),
    'DELETE /api/shop/keys/{id}/': at('/api/shop/keys/{id}/', fresh.key),
    'GET /api/shop/members/': list('/api/shop/members/'),
    'POST /api/shop/members/': create('/api/shop/members/', () => ({
      email: `${unique('new')}@example.test`,
      role: 'manager',
    })),
    'PATCH /api/shop/members/{id}/': at('/api/shop/members/{id}/', fresh.member, () => ({
      role: 'owner',
    })),
    'DELETE /api/shop/members/{id}/': at('/api/shop/members/{id}/', fresh.member),
    ...crud(
      '/api/store/forms/',
      fresh.form,
      () => ({
        name: unique('form'),
        fields: [{ name: 'email', label: { en: 'Email' }, type: 'email', required: true }],
      }),
      () => ({ name: unique('form') }),
    ),
    ...crud(
      '/api/store/leads/',
      fresh.lead,
      () => ({ form: base.form, fields: { name: 'Bob' } }),
      () => ({ status: 'done' }),
    ),
    ...crud(
      '/api/store/orders/',
      fresh.order,
      () => ({ external_id: unique('o'), number: '2', items: [] }),
      () => ({ status: 'shipped' }),
    ),
    ...crud(
      '/api/bot/flows/',
      fresh.flow,
      () => ({ bot_id: base.bot, name: unique('flow') }),
      () => ({ name: unique('flow') }),
    ),
    ...crud(
      '/api/bot/steps/',
      fresh.step,
      () => ({ flow_id: base.flow, type: 'message', payload: { text: 'Hello' } }),
      () => ({ name: 'Renamed' }),
    ),
    ...crud(
      '/api/bot/menu_items/',
      fresh.menuItem,
      () => ({ step_id: base.step, title: 'More', url: 'https://b.example' }),
      () => ({ title: 'Other' }),
    ),
    ...crud(
      '/api/bot/bots/',
      fresh.bot,
      () => ({ bot_type: 'sandbox', name: unique('bot') }),
      () => ({ name: unique('bot') }),
    ),
    'GET /api/bot/bot/{id}/status/': at('/api/bot/bot/{id}/status/', fresh.bot),
    'POST /api/bot/bot/{id}/restart/': at('/api/bot/bot/{id}/restart/', fresh.bot),
    'POST /api/bot/bot/{id}/stop/': at('/api/bot/bot/{id}/stop/', fresh.bot),
    'POST /api/bot/messages/send_message/': create('/api/bot/messages/send_message/', () => ({
      bot_user_id: base.botUser,
      content_type: 'text',
      payload: { text: 'Hi there' },
    })),
    'GET /api/bot/messages/': list('/api/bot/messages/'),
    'GET /api/bot/messages/{id}/': at('/api/bot/messages/{id}/', fresh.message),
    'GET /api/bot/bot_users/': list('/api/bot/bot_users/'),
    'GET /api/bot/bot_users/export/': async () => ({
      path: `/api/bot/bot_users/export/?shop_id=${shop.id}&format=csv`,
    }),
    'GET /api/bot/bot_users/{id}/': at('/api/bot/bot_users/{id}/', fresh.botUser),
    'PATCH /api/bot/bot_users/{id}/': at('/api/bot/bot_users/{id}/', fresh.botUser, () => ({
      name: 'Renamed',
    })),
    'DELETE /api/bot/bot_users/{id}/': at('/api/bot/bot_users/{id}/', fresh.botUser),
    'POST /api/bot/bot_user/unsafe_create/': create('/api/bot/bot_user/unsafe_create/', () => ({
      bot_id: base.bot,
      messenger_user_id: unique('u'),
    })),
    'GET /api/bot/flows/{id}/export/': at('/api/bot/flows/{id}/export/', async () => base.flow),
    'POST /api/bot/flows/import/': create('/api/bot/flows/import/', () => ({
      bot_id: base.bot,
      flow: { format: 'touchpoint.flow', version: 1, name: unique('copy'), steps: [] },
    })),
    'POST /api/bot/flows/{id}/try/': async () => ({
      path: `/api/bot/flows/${base.flow}/try/`,
      body: { shop_id: shop.id },
    }),
    'POST /api/bot/try/{bot_user_id}/messages/': async () => ({
      path: `/api/bot/try/${(await fresh.testPerson()).bot_user_id}/messages/`,
      body: { shop_id: shop.id, text: 'Hi' },
    }),
    'POST /api/bot/try/{bot_user_id}/press/': async () => {
      const turn = await fresh.testPerson();
      return {
        path: `/api/bot/try/${turn.bot_user_id}/press/`,
        body: { shop_id: shop.id, message_id: turn.messages[0].id, menu_item_id: base.button },
      };
    },
    'POST /api/bot/bot_user/subscribe_to_flow/': async () => ({
      path: '/api/bot/bot_user/subscribe_to_flow/',
      body: { shop_id: shop.id, flow_id: base.flow, bot_user_id: await fresh.botUser() },
    }),
    'POST /api/bot/bot_user/unsubscribe_from_flow/': async () => ({
      path: '/api/bot/bot_user/unsubscribe_from_flow/',
      body: { shop_id: shop.id, flow_id: base.flow, bot_user_id: base.botUser },
    }),
    ...crud(
      '/api/store/tags/',
      fresh.tag,
      () => ({ name: unique('tag') }),
      () => ({ name: unique('tag') }),
    ),
    ...crud(
      '/api/store/custom_fields/',
      fresh.customField,
      () => ({ name: unique('field'), type: 'number' }),
      () => ({ description: 'Where they live' }),
    ),
    ...crud(
      '/api/notifications/channels/',
      fresh.channel,
      () => ({
        type: 'telegram',
        bot_id: base.bot,
        chat_id: '-1009876543210',
        events: ['order.created'],
      }),
      () => ({ events: ['lead.created', 'order.created'] }),
    ),
    'GET /api/notifications/deliveries/': list('/api/notifications/deliveries/'),
    'GET /api/notifications/deliveries/{id}/': at(
      '/api/notifications/deliveries/{id}/',
      fresh.deadDelivery,
    ),
    'POST /api/notifications/deliveries/{id}/retry/': at(
      '/api/notifications/deliveries/{id}/retry/',
      fresh.deadDelivery,
    ),
    ...crud(
      '/api/webhooks/endpoints/',
      fresh.endpoint,
      () => ({ url: 'http://127.0.0.1:9/other', events: ['order.created'] }),
      () => ({ events: ['lead.created', 'order.created'] }),
    ),
    'POST /api/webhooks/endpoints/{id}/rotate_secret/': at(
      '/api/webhooks/endpoints/{id}/rotate_secret/',
      fresh.endpoint,
    ),
    'GET /api/bot/bot/{id}/chats/': at('/api/bot/bot/{id}/chats/', fresh.bot),
    'POST /api/notifications/channels/{id}/test/': at(
      '/api/notifications/channels/{id}/test/',
      fresh.channel,
    ),
    'GET /api/bot/conversations/': list('/api/bot/conversations/'),
    'POST /api/bot/conversations/{id}/read/': at(
      '/api/bot/conversations/{id}/read/',
      fresh.botUser,
    ),
    'POST /api/bot/bot_user/take_over/': async () => ({
      path: '/api/bot/bot_user/take_over/',
      body: { shop_id: shop.id, bot_user_id: await fresh.botUser() },
    }),
    'POST /api/bot/bot_user/hand_back/': async () => ({
      path: '/api/bot/bot_user/hand_back/',
      body: { shop_id: shop.id, bot_user_id: base.botUser },
    }),
    'GET /api/bot/messages/{id}/image/': at('/api/bot/messages/{id}/image/', fresh.imageMessage),
    'GET /api/store/order_templates/': list('/api/store/order_templates/'),
    'PUT /api/store/order_templates/': async () => ({
      path: '/api/store/order_templates/',
      body: { shop_id: shop.id, templates: { shipped: 'On its way' } },
    }),
    'POST /api/store/order_templates/preview/': create(
      '/api/store/order_templates/preview/',
      () => ({
        status: 'shipped',
      }),
    ),
    'GET /api/events/stream/': async () => ({
      path: `/api/events/stream/?shop_id=${shop.id}`,
      stream: true,
    }),
  };

  beforeAll(async () => {
    // Demo mode for sandbox bots (no messenger needed). The delivery worker is stopped, so
    // deliveries stay as the fixtures leave them.
    relay = await startRelay({ demo: true, webhookAllowPrivate: true });
    await relay.worker.stop();
    images = await startReceiver(() => ({
      status: 200,
      headers: { 'content-type': 'image/png' },
      body: 'not really a png, but typed as one',
    }));
    owner = await userWithShop(relay, 'Owner');
    manager = await userWithShop(relay, 'Manager');
    stranger = await userWithShop(relay, 'Stranger');
    shop = await newShop();
    base.bot = await fresh.bot();
    base.botUser = await fresh.botUser();
    base.form = await fresh.form();
    base.flow = await fresh.flow();
    base.step = await fresh.step();
    await relay.api.patch(
      `/api/bot/flows/${base.flow}/`,
      { first_step_id: base.step },
      { token: owner.token },
    );
    // A button on the first step, leading to another step: the Try panel's press.
    base.button = await make('/api/bot/menu_items/', {
      step_id: base.step,
      title: 'Next',
      next_step_id: await fresh.step(),
    });
  });
  afterAll(async () => {
    await relay.close();
    await images.close();
  });

  /** An event stream's status (and its error body), without reading the endless stream. */
  const streamStatus = async (path: string, token: string) => {
    const s = await openStream(`${relay.url}${path}`, { token });
    s.close();
    return { status: s.status, body: s.body, text: JSON.stringify(s.body ?? '') };
  };

  it('answers each endpoint for owner, manager, shop key and another shop as the matrix says', async () => {
    const doc = (await relay.api.get('/api/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const endpoints = Object.entries(doc.paths)
      .filter(([p]) => p.startsWith('/api/') && !p.startsWith('/api/auth/'))
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(endpoints.length).toBeGreaterThan(60);
    // Every endpoint has a rule and a request; no rule is left for an endpoint that is gone.
    for (const e of endpoints) {
      expect(MATRIX, `no role rule for ${e}: add it to MATRIX`).toHaveProperty([e]);
      expect(CALLS, `no request for ${e}: add it to CALLS`).toHaveProperty([e]);
    }
    expect(Object.keys(MATRIX).sort()).toEqual([...endpoints].sort());

    const failures: string[] = [];
    for (const e of endpoints) {
      const method = e.split(' ')[0];
      for (const [i, who] of WHO.entries()) {
        const want = MATRIX[e][i];
        const call = await CALLS[e](who);
        const token = (call.shop ?? shop).tokens[who];
        const r = call.stream
          ? await streamStatus(call.path, token)
          : await relay.api.call(method, call.path, call.body, { token });
        const got = r.status;
        const ok =
          want === 'ok' ? got >= 200 && got < 300 : got === want && r.body?.status === 'error';
        if (!ok) failures.push(`${e} as ${who}: want ${want}, got ${got} ${r.text.slice(0, 200)}`);
        if (want === 403 && got === 403 && !/^Only /.test(r.body.errors.common))
          failures.push(`${e} as ${who}: 403 without a sentence: ${r.text}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('keeps a bot’s token and credentials to owners, while managers rename it', async () => {
    const bot = await fresh.bot();
    for (const who of ['manager', 'key'] as const) {
      const token = shop.tokens[who];
      for (const body of [{ token: 'secret-credential' }, { name: 'x', token: null }]) {
        const r = await relay.api.patch(`/api/bot/bots/${bot}/`, body, { token });
        expect(r.status, `${who} ${JSON.stringify(body)}`).toBe(403);
        expect(r.body.errors.common).toBe(
          "Only the shop's owners can connect or delete bots and change their credentials.",
        );
      }
      const renamed = await relay.api.patch(
        `/api/bot/bots/${bot}/`,
        { name: `by ${who}`, welcome_flow_id: null },
        { token },
      );
      expect(renamed.status).toBe(200);
      expect(renamed.body.result.name).toBe(`by ${who}`);
    }
    const r = await relay.api.patch(
      `/api/bot/bots/${bot}/`,
      { token: 'owner-set-credential' },
      { token: owner.token },
    );
    expect(r.status).toBe(200);
    expect(r.body.result.has_token).toBe(true);
  });

  it('declares 403 in the OpenAPI document on every route the matrix forbids', async () => {
    const doc = (await relay.api.get('/api/openapi.json')).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    for (const [e, row] of Object.entries(MATRIX)) {
      const [method, path] = e.split(' ');
      const declared = '403' in doc.paths[path][method.toLowerCase()].responses;
      expect(declared, e).toBe(row.includes(403) || FORBIDDEN_BY_BODY.has(e));
    }
  });
});
