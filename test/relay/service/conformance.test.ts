import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConformance, lintDocument } from '../../helpers/openapi.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { openStream } from '../../helpers/sse.js';
import { startReceiver } from '../webhooks/receiver.js';

const ORIGIN = 'https://shop.example';

/**
 * The OpenAPI document against a standard validator and against the relay itself: Redocly's
 * linter finds nothing, and a tour of real requests over loopback — every operation, the
 * happy path and the errors (400 401 403 404 405 409 413 415 422 429, 304, the form post's
 * HTML pages) — gets only answers the document describes: a documented status, content
 * type and body schema, and every Retry-After, ETag, Cache-Control, Location,
 * Content-Disposition, Idempotent-Replayed, WWW-Authenticate and Allow header declared.
 */
describe('the OpenAPI document against real answers', () => {
  let relay: Relay;
  let limited: Relay;
  let images: Awaited<ReturnType<typeof startReceiver>>;
  let owner: Owner;
  let doc: any;
  let conformance: ReturnType<typeof createConformance>;
  const ids: Record<string, number> = {};
  let managerToken = '';
  let pk = '';
  let sk = '';

  beforeAll(async () => {
    relay = await startRelay(
      { demo: true, webhookAllowPrivate: true, publicRateLimit: 0 },
      { events: { heartbeatMs: 60_000 } },
    );
    // A second relay whose public API allows two requests a minute per address: its 429s.
    limited = await startRelay({ publicRateLimit: 2 });
    owner = await userWithShop(relay, 'Tour', { demo: true });
    images = await startReceiver(() => ({
      status: 200,
      headers: { 'content-type': 'image/png' },
      body: 'png bytes',
    }));
    doc = (await relay.api.get('/api/openapi.json')).body;
    conformance = createConformance(doc);
  });
  afterAll(async () => {
    await relay?.close();
    await limited?.close();
    await images?.close();
  });

  /** A request through the relay's HTTP server, its answer checked against the document. */
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    opts: { token?: string | null; headers?: Record<string, string>; on?: Relay } = {},
  ) => {
    const target = opts.on ?? relay;
    const token = opts.token === undefined ? owner.token : (opts.token ?? undefined);
    const r = await target.api.call(method, path, body, { token, headers: opts.headers });
    conformance.check(method, path, r);
    return r;
  };
  const ok = async (method: string, path: string, body?: unknown, opts = {}) => {
    const r = await call(method, path, body, opts);
    expect(r.status, `${method} ${path}: ${r.text.slice(0, 300)}`).toBeLessThan(400);
    return r.body?.result;
  };
  const q = () => `?shop_id=${owner.shop.id}`;

  it('is valid for Redocly’s linter (recommended-strict)', async () => {
    expect(await lintDocument(doc)).toEqual([]);
  });

  it('describes every answer of a tour over every operation', async () => {
    // Auth: a wrong password, then logins, a member's password link, logouts.
    const member = await ok('POST', `/api/shop/members/${q()}`, {
      email: `m-${randomUUID().slice(0, 6)}@example.test`,
      role: 'manager',
    });
    const link = new URL(member.password_set_url).hash.split('token=')[1];
    const set = await ok(
      'POST',
      '/api/auth/set_password/',
      { token: link, password: 'long enough pw' },
      { token: null },
    );
    managerToken = set.token;
    await call(
      'POST',
      '/api/auth/set_password/',
      { token: link, password: 'long enough pw' },
      { token: null },
    );
    await call(
      'POST',
      '/api/auth/login/',
      { email: owner.email, password: 'wrong' },
      { token: null },
    );
    const login = await ok(
      'POST',
      '/api/auth/login/',
      { email: owner.email, password: owner.password },
      { token: null },
    );
    await ok('POST', '/api/auth/logout/', undefined, { token: login.token });
    // Everywhere: the manager's tokens all end; a new login gives one again.
    await ok('POST', '/api/auth/logoutall/', undefined, { token: managerToken });
    managerToken = (
      await ok(
        'POST',
        '/api/auth/login/',
        { email: member.email, password: 'long enough pw' },
        { token: null },
      )
    ).token;
    // 429: more wrong passwords for one email from one address than allowed.
    for (let i = 0; i < 6; i++)
      await call(
        'POST',
        '/api/auth/login/',
        { email: 'nobody@example.test', password: 'x' },
        { token: null },
      );
    expect(conformance.seen.get('POST /api/auth/login/')).toContain(429);

    // Shops, keys, members.
    await ok('GET', '/api/shop/shops/');
    const shop = await ok('POST', '/api/shop/shops/', { name: 'Spare' });
    await ok('GET', `/api/shop/shops/${owner.shop.id}/`);
    await ok('PATCH', `/api/shop/shops/${owner.shop.id}/`, { settings: { theme: 'dark' } });
    await call(
      'PATCH',
      `/api/shop/shops/${owner.shop.id}/`,
      { name: 'x' },
      { token: managerToken },
    );
    await ok('DELETE', `/api/shop/shops/${shop.id}/`);
    await call('GET', '/api/shop/shops/999999/');
    await call('GET', '/api/shop/shops/', undefined, { token: null });
    await call('GET', '/api/shop/shops/', undefined, { token: 'f'.repeat(64) });
    await call('PUT', '/api/shop/shops/');
    await ok('GET', `/api/shop/keys/${q()}`);
    pk = (
      await ok('POST', `/api/shop/keys/${q()}`, { kind: 'publishable', allowed_origins: [ORIGIN] })
    ).key;
    sk = (await ok('POST', `/api/shop/keys/${q()}`, { kind: 'secret' })).key;
    await call('POST', '/api/shop/shops/', { name: 'By key' }, { token: sk });
    const spareKey = await ok('POST', `/api/shop/keys/${q()}`, { kind: 'secret' });
    await ok('DELETE', `/api/shop/keys/${spareKey.id}/${q()}`);
    await ok('GET', `/api/shop/members/${q()}`);
    await call('POST', `/api/shop/members/${q()}`, { email: owner.email, role: 'owner' });
    await ok('PATCH', `/api/shop/members/${member.id}/${q()}`, { role: 'manager' });
    const spare = await ok('POST', `/api/shop/members/${q()}`, {
      email: `s-${randomUUID().slice(0, 6)}@example.test`,
      role: 'manager',
    });
    await ok('DELETE', `/api/shop/members/${spare.id}/${q()}`);

    // Forms, leads, orders and their templates.
    await ok('GET', `/api/store/forms/${q()}`);
    const form = await ok('POST', `/api/store/forms/${q()}`, {
      name: 'callback',
      fields: [{ name: 'name', label: { en: 'Name' }, type: 'text', required: true }],
      consent: { text: 'Call me back', version: '1' },
      min_fill_ms: 0,
    });
    await call('POST', `/api/store/forms/${q()}`, { name: 'callback', fields: form.fields });
    await ok('GET', `/api/store/forms/${form.id}/${q()}`);
    await ok('PATCH', `/api/store/forms/${form.id}/${q()}`, { consent: null });
    const spareForm = await ok('POST', `/api/store/forms/${q()}`, {
      name: 'spare',
      fields: form.fields,
    });
    await ok('DELETE', `/api/store/forms/${spareForm.id}/${q()}`);
    await ok('GET', `/api/store/leads/${q()}`);
    const lead = await ok('POST', `/api/store/leads/${q()}`, {
      form: form.id,
      fields: { name: 'Ann' },
    });
    await ok('GET', `/api/store/leads/${lead.id}/${q()}`);
    await ok('PATCH', `/api/store/leads/${lead.id}/${q()}`, { status: 'done' });
    await ok(
      'DELETE',
      `/api/store/leads/${(await ok('POST', `/api/store/leads/${q()}`, { fields: { a: '1' } })).id}/${q()}`,
    );
    await call('POST', `/api/store/leads/${q()}`, { fields: 'not an object' });
    await call('POST', `/api/store/leads/${q()}`, 'name=Ann', {
      headers: { 'content-type': 'text/plain' },
    });
    await call(
      'POST',
      `/api/store/leads/${q()}`,
      JSON.stringify({ fields: { big: 'x'.repeat(300 * 1024) } }),
      {
        headers: { 'content-type': 'application/json' },
      },
    );
    await ok('GET', `/api/store/orders/${q()}`);
    const order = await ok('POST', `/api/store/orders/${q()}`, {
      external_id: 'T-1',
      number: '1',
      items: [{ name: 'Mug', qty: 1, price: 5 }],
    });
    await ok('POST', `/api/store/orders/${q()}`, {
      external_id: 'T-1',
      number: '1',
      status: 'paid',
      items: [],
    });
    const other = await ok('POST', `/api/store/orders/${q()}`, {
      external_id: 'T-2',
      number: '2',
      items: [],
    });
    await call('PATCH', `/api/store/orders/${other.id}/${q()}`, { external_id: 'T-1' });
    await ok('GET', `/api/store/orders/${order.id}/${q()}`);
    await ok('PATCH', `/api/store/orders/${order.id}/${q()}`, { status: 'shipped' });
    await ok('DELETE', `/api/store/orders/${other.id}/${q()}`);
    await ok('GET', `/api/store/order_templates/${q()}`);
    await ok('PUT', `/api/store/order_templates/${q()}`, {
      templates: { shipped: 'On its way: {order.number}' },
    });
    await call(
      'PUT',
      `/api/store/order_templates/${q()}`,
      { templates: {} },
      { token: managerToken },
    );
    await ok('POST', `/api/store/order_templates/preview/${q()}`, {
      status: 'shipped',
      order_id: order.id,
    });

    // Bots, chats, flows, steps, buttons.
    await ok('GET', `/api/bot/bots/${q()}`);
    const bot = await ok('POST', `/api/bot/bots/${q()}`, { bot_type: 'sandbox', name: 'Sandbox' });
    await call(
      'POST',
      `/api/bot/bots/${q()}`,
      { bot_type: 'sandbox', name: 'x' },
      { token: managerToken },
    );
    await ok('GET', `/api/bot/bots/${bot.id}/${q()}`);
    await ok('PATCH', `/api/bot/bots/${bot.id}/${q()}`, { name: 'Sandbox bot' });
    await ok('GET', `/api/bot/bot/${bot.id}/status/${q()}`);
    await ok('POST', `/api/bot/bot/${bot.id}/stop/${q()}`);
    await ok('POST', `/api/bot/bot/${bot.id}/restart/${q()}`);
    const group = await relay.api.post('/demo/inbox/api/groups', {
      bot_id: bot.id,
      title: 'Managers',
    });
    await ok('GET', `/api/bot/bot/${bot.id}/chats/${q()}`);
    await ok('GET', `/api/bot/flows/${q()}`);
    const flow = await ok('POST', `/api/bot/flows/${q()}`, { bot_id: bot.id, name: 'Welcome' });
    await ok('GET', `/api/bot/flows/${flow.id}/${q()}`);
    await ok('GET', `/api/bot/steps/${q()}`);
    const menu = await ok('POST', `/api/bot/steps/${q()}`, {
      flow_id: flow.id,
      type: 'message',
      payload: { text: 'Pick' },
    });
    const back = await ok('POST', `/api/bot/steps/${q()}`, {
      flow_id: flow.id,
      type: 'message',
      payload: { text: 'Back' },
    });
    await ok('GET', `/api/bot/steps/${menu.id}/${q()}`);
    await ok('PATCH', `/api/bot/steps/${back.id}/${q()}`, { next_step_id: menu.id });
    await ok('PATCH', `/api/bot/flows/${flow.id}/${q()}`, { first_step_id: menu.id });
    await ok('GET', `/api/bot/menu_items/${q()}`);
    const item = await ok('POST', `/api/bot/menu_items/${q()}`, {
      step_id: menu.id,
      title: 'Back',
      next_step_id: back.id,
    });
    await ok('GET', `/api/bot/menu_items/${item.id}/${q()}`);
    await ok('PATCH', `/api/bot/menu_items/${item.id}/${q()}`, { title: 'Go back' });
    // 409: a save from a version someone else has replaced since (with `current`).
    await call('PATCH', `/api/bot/menu_items/${item.id}/${q()}`, {
      title: 'Stale',
      updated_at: item.updated_at,
    });
    await call('PATCH', `/api/bot/steps/${menu.id}/${q()}`, {
      name: 'Stale',
      updated_at: menu.updated_at,
    });
    await call('PATCH', `/api/bot/flows/${flow.id}/${q()}`, {
      name: 'Stale',
      updated_at: flow.updated_at,
    });
    const exported = await ok('GET', `/api/bot/flows/${flow.id}/export/${q()}`);
    const copy = await ok('POST', `/api/bot/flows/import/${q()}`, {
      bot_id: bot.id,
      flow: exported,
    });
    await call('POST', `/api/bot/flows/import/${q()}`, {
      bot_id: bot.id,
      flow: { ...exported, first_step: 'nowhere' },
    });
    await ok('DELETE', `/api/bot/flows/${copy.id}/${q()}`);
    // Try it: a test person through the flow, typing and pressing.
    const tried = await ok('POST', `/api/bot/flows/${flow.id}/try/${q()}`, { name: 'Tess' });
    await ok('POST', `/api/bot/try/${tried.bot_user_id}/messages/${q()}`, { text: 'Hello' });
    await ok('POST', `/api/bot/try/${tried.bot_user_id}/press/${q()}`, {
      message_id: tried.messages[0].id,
      menu_item_id: item.id,
    });
    // 409: without its button the menu would stop waiting and the two steps loop forever.
    await call('DELETE', `/api/bot/menu_items/${item.id}/${q()}`);
    await call('DELETE', `/api/bot/steps/${back.id}/${q()}`);
    const url = await ok('POST', `/api/bot/menu_items/${q()}`, {
      step_id: menu.id,
      title: 'Site',
      url: 'https://shop.example',
    });
    await ok('DELETE', `/api/bot/menu_items/${url.id}/${q()}`);
    const lone = await ok('POST', `/api/bot/steps/${q()}`, {
      flow_id: flow.id,
      type: 'message',
      payload: { text: 'Alone' },
    });
    await ok('DELETE', `/api/bot/steps/${lone.id}/${q()}`);

    // People, conversations, messages, tags, variables.
    const person = await relay.api.post('/demo/inbox/api/start', { bot_id: bot.id, name: 'Cy' });
    const botUserId = person.body.result.bot_user_id as number;
    await relay.api.post('/demo/inbox/api/messages', {
      bot_id: bot.id,
      user_id: person.body.result.user_id,
      text: 'Hi?',
    });
    await ok('GET', `/api/bot/bot_users/${q()}`);
    await ok('GET', `/api/bot/bot_users/export/${q()}&format=csv`);
    await ok('GET', `/api/bot/bot_users/${botUserId}/${q()}`);
    await ok('PATCH', `/api/bot/bot_users/${botUserId}/${q()}`, {
      store: { user_vars: { city: 'Riga' } },
    });
    const made = await ok('POST', `/api/bot/bot_user/unsafe_create/${q()}`, {
      bot_id: bot.id,
      messenger_user_id: '777',
    });
    await call('POST', `/api/bot/bot_user/unsafe_create/${q()}`, {
      bot_id: bot.id,
      messenger_user_id: '777',
    });
    await ok('DELETE', `/api/bot/bot_users/${made.id}/${q()}`);
    await ok('GET', `/api/bot/conversations/${q()}&unread=true`);
    await ok('POST', `/api/bot/conversations/${botUserId}/read/${q()}`);
    await ok('POST', `/api/bot/bot_user/take_over/${q()}`, { bot_user_id: botUserId });
    await ok('POST', `/api/bot/bot_user/hand_back/${q()}`, { bot_user_id: botUserId });
    await ok('POST', `/api/bot/bot_user/subscribe_to_flow/${q()}`, {
      flow_id: flow.id,
      bot_user_id: botUserId,
    });
    await ok('POST', `/api/bot/bot_user/unsubscribe_from_flow/${q()}`, {
      flow_id: flow.id,
      bot_user_id: botUserId,
    });
    const sent = await ok('POST', `/api/bot/messages/send_message/${q()}`, {
      bot_user_id: botUserId,
      payload: { text: 'Hello Cy' },
      inline_buttons: [{ text: 'Site', url: 'https://shop.example' }],
    });
    await ok('GET', `/api/bot/messages/${q()}&bot_user_id=${botUserId}`);
    await ok('GET', `/api/bot/messages/${sent.id}/${q()}`);
    await call('GET', `/api/bot/messages/${sent.id}/image/${q()}`);
    const pictured = await ok('POST', `/api/bot/messages/send_message/${q()}`, {
      bot_user_id: botUserId,
      payload: { text: 'A mug', image_url: `${images.url}/mug.png` },
    });
    await ok('GET', `/api/bot/messages/${pictured.id}/image/${q()}`);
    const unreachable = await ok('POST', `/api/bot/messages/send_message/${q()}`, {
      bot_user_id: botUserId,
      payload: { text: 'Gone', image_url: 'http://127.0.0.1:9/gone.png' },
    });
    await call('GET', `/api/bot/messages/${unreachable.id}/image/${q()}`);
    await ok('DELETE', `/api/bot/flows/${flow.id}/${q()}`);
    for (const [path, body, patch] of [
      ['/api/store/tags/', { name: 'vip' }, { name: 'VIP' }],
      ['/api/store/custom_fields/', { name: 'city', type: 'text' }, { description: 'Where' }],
    ] as const) {
      await ok('GET', `${path}${q()}`);
      const row = await ok('POST', `${path}${q()}`, body);
      await call('POST', `${path}${q()}`, body);
      await ok('GET', `${path}${row.id}/${q()}`);
      await ok('PATCH', `${path}${row.id}/${q()}`, patch);
      await ok('DELETE', `${path}${row.id}/${q()}`);
    }

    // Alert channels and their test, deliveries, webhook endpoints.
    await ok('GET', `/api/notifications/channels/${q()}`);
    const channel = await ok('POST', `/api/notifications/channels/${q()}`, {
      type: 'telegram',
      bot_id: bot.id,
      chat_id: group.body.result.chat_id,
      events: ['lead.created', 'message.received'],
    });
    await ok('GET', `/api/notifications/channels/${channel.id}/${q()}`);
    await ok('PATCH', `/api/notifications/channels/${channel.id}/${q()}`, { enabled: false });
    await ok('POST', `/api/notifications/channels/${channel.id}/test/${q()}`, undefined, {
      token: managerToken,
    });
    await ok('GET', `/api/notifications/deliveries/${q()}`);
    const endpoint = await ok('POST', `/api/webhooks/endpoints/${q()}`, {
      url: 'http://127.0.0.1:9/hook',
      events: ['lead.created'],
    });
    await ok('POST', `/api/store/leads/${q()}`, { fields: { name: 'For the hook' } });
    const dead = await vi_eventually(async () => {
      const list = await relay.api.get(`/api/notifications/deliveries/${q()}`, {
        token: owner.token,
      });
      return list.body.result.results.find(
        (d: any) => d.endpoint_id === endpoint.id && ['failed', 'dead'].includes(d.status),
      );
    });
    await ok('GET', `/api/notifications/deliveries/${dead.id}/${q()}`);
    await ok('POST', `/api/notifications/deliveries/${dead.id}/retry/${q()}`);
    await call('POST', `/api/notifications/deliveries/${sent.delivery_id}/retry/${q()}`);
    await ok('GET', `/api/webhooks/endpoints/${q()}`);
    await ok('GET', `/api/webhooks/endpoints/${endpoint.id}/${q()}`);
    await ok('PATCH', `/api/webhooks/endpoints/${endpoint.id}/${q()}`, {
      events: ['lead.created', 'order.created'],
    });
    await ok('POST', `/api/webhooks/endpoints/${endpoint.id}/rotate_secret/${q()}`);
    await ok('DELETE', `/api/webhooks/endpoints/${endpoint.id}/${q()}`);
    await ok('DELETE', `/api/notifications/channels/${channel.id}/${q()}`);
    await ok('DELETE', `/api/bot/bots/${bot.id}/${q()}`);
    ids.form = form.id;

    // The event stream: its answer's status and headers (the body never ends).
    const stream = await openStream(`${relay.url}/api/events/stream/${q()}`, {
      token: owner.token,
    });
    conformance.check('GET', `/api/events/stream/${q()}`, {
      status: stream.status,
      headers: stream.headers,
      body: undefined,
    });
    stream.close();
    const refused = await openStream(`${relay.url}/api/events/stream/${q()}`);
    conformance.check('GET', `/api/events/stream/${q()}`, {
      status: refused.status,
      headers: refused.headers,
      body: refused.body,
    });

    // The widget API: config and its 304, a lead, its replay and a reused key, an opt-in.
    const origin = { origin: ORIGIN };
    const config = await call('GET', `/public/v1/config?key=${pk}`, undefined, {
      token: null,
      headers: origin,
    });
    expect(config.status).toBe(200);
    await call('GET', '/public/v1/config', undefined, {
      token: null,
      headers: { ...origin, 'x-touchpoint-key': pk, 'if-none-match': config.headers.get('etag')! },
    });
    await call('GET', `/public/v1/config?key=${sk}`, undefined, { token: null, headers: origin });
    await call('GET', `/public/v1/config?key=${pk}`, undefined, {
      token: null,
      headers: { origin: 'https://evil.example' },
    });
    const submission = {
      key: pk,
      form: 'callback',
      fields: { name: 'Dee' },
      page: { url: `${ORIGIN}/contact`, referrer: '', title: 'Contact' },
      hp: '',
      elapsed_ms: 5000,
      submission_id: randomUUID(),
    };
    await call('POST', '/public/v1/leads', submission, { token: null, headers: origin });
    const replay = await call('POST', '/public/v1/leads', submission, {
      token: null,
      headers: origin,
    });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    await call(
      'POST',
      '/public/v1/leads',
      { ...submission, fields: { name: 'Eve' } },
      { token: null, headers: origin },
    );
    await call(
      'POST',
      '/public/v1/leads',
      { ...submission, fields: {}, submission_id: randomUUID() },
      { token: null, headers: origin },
    );
    await call('POST', '/public/v1/leads', 'x', {
      token: null,
      headers: { ...origin, 'content-type': 'text/plain', 'x-touchpoint-key': pk },
    });
    await call(
      'POST',
      '/public/v1/leads',
      JSON.stringify({ ...submission, hp: 'x'.repeat(70 * 1024) }),
      {
        token: null,
        headers: { ...origin, 'content-type': 'application/json' },
      },
    );
    await call('POST', '/public/v1/optins', { key: pk }, { token: null, headers: origin });
    await call('PUT', '/public/v1/thanks', undefined, { token: null });

    // The plain form post: a redirect, and HTML pages for each refusal.
    const formPost = (
      fields: Record<string, string>,
      key = pk,
      headers: Record<string, string> = {},
    ) =>
      call('POST', `/public/v1/forms/${key}`, new URLSearchParams(fields).toString(), {
        token: null,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: ORIGIN,
          ...headers,
        },
      });
    const posted = await formPost({
      form: 'callback',
      name: 'Fay',
      submission_id: 'form-1',
      _elapsed_ms: '5000',
    });
    expect(posted.status).toBe(303);
    await formPost({ form: 'callback', name: 'Gil', submission_id: 'form-1', _elapsed_ms: '5000' });
    await formPost({ form: 'callback' });
    await formPost({ form: 'callback', name: 'Hal' }, 'pk_unknown');
    await formPost({ form: 'callback', name: 'Hal' }, pk, { origin: 'https://evil.example' });
    await formPost({ form: 'callback', name: 'x'.repeat(70 * 1024) });
    await call('POST', `/public/v1/forms/${pk}`, '{"name":"Ivy"}', {
      token: null,
      headers: { 'content-type': 'application/json', origin: ORIGIN },
    });
    await call('GET', '/public/v1/thanks', undefined, { token: null });
    // 429s of a relay whose public API allows two requests a minute per address.
    const limitedOwner = await userWithShop(limited, 'Limited');
    const limitedKey = await limited.api.post(
      '/api/shop/keys/',
      { shop_id: limitedOwner.shop.id, kind: 'publishable', allowed_origins: [ORIGIN] },
      { token: limitedOwner.token },
    );
    for (let i = 0; i < 3; i++)
      await call('GET', `/public/v1/config?key=${limitedKey.body.result.key}`, undefined, {
        token: null,
        headers: origin,
        on: limited,
      });
    for (let i = 0; i < 3; i++)
      await call('POST', `/public/v1/forms/${limitedKey.body.result.key}`, 'form=x', {
        token: null,
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
        on: limited,
      });

    expect(conformance.problems).toEqual([]);
    // Every operation was called, and the tour saw every kind of answer.
    const operations = Object.entries<any>(doc.paths).flatMap(([p, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(operations.filter((o) => !conformance.seen.has(o))).toEqual([]);
    const statuses = new Set([...conformance.seen.values()].flatMap((s) => [...s]));
    for (const status of [
      200, 201, 202, 303, 304, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429,
    ])
      expect(statuses, `status ${status}`).toContain(status);
    const formStatuses = conformance.seen.get('POST /public/v1/forms/{key}')!;
    expect([...formStatuses].sort()).toEqual(
      expect.arrayContaining([303, 400, 401, 403, 413, 415, 422, 429]),
    );
  });
});

/** Waits until `fn` returns something truthy (polling every 100 ms, up to 10 s). */
async function vi_eventually<T>(fn: () => Promise<T | undefined | false>): Promise<T> {
  const until = Date.now() + 10_000;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error('not within 10 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}
