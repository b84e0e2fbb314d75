import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectIsolated, expectRejectsBadInput } from '../../helpers/checks.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { eventually } from '../webhooks/receiver.js';

/** POST /api/bot/messages/send_message/ and the history, over the sandbox messenger. */
describe('messages API', () => {
  let relay: Relay;
  let a: Owner;
  let b: Owner;
  let botA: { id: number; shop_id: number; bot_type: 'sandbox' };
  let botB: { id: number; shop_id: number; bot_type: 'sandbox' };
  let userA: number;

  const sandboxBot = async (o: Owner) => {
    const r = await relay.api.post(
      '/api/bot/bots/',
      { shop_id: o.shop.id, bot_type: 'sandbox', name: 'Sandbox' },
      { token: o.token },
    );
    return r.body.result;
  };
  /** A person who pressed Start; sandbox people chat privately, so chat id = user id. */
  const person = async (bot: typeof botA, name = 'Pat') => {
    const id = String(Math.floor(Math.random() * 1e9) + 1);
    const r = await relay.channels.inbound.start(
      bot,
      { messenger_user_id: id, chat_id: id, name, lang_code: '', messenger_user_url: '' },
      null,
      { remoteId: null },
    );
    return r!.botUser.id;
  };
  const send = (o: Owner, body: Record<string, unknown>) =>
    relay.api.post('/api/bot/messages/send_message/', body, { token: o.token });

  beforeAll(async () => {
    relay = await startRelay({ demo: true });
    a = await userWithShop(relay, 'A', { demo: true });
    b = await userWithShop(relay, 'B', { demo: true });
    botA = await sandboxBot(a);
    botB = await sandboxBot(b);
    userA = await person(botA);
  });
  afterAll(() => relay.close());

  it('answers each message as this request queued it, however soon a worker sends it', async () => {
    // The worker wakes as the message commits: on PostgreSQL it claims the row on another
    // connection at once, and a read after the commit could find it `sending` or `sent`.
    const statuses: string[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await send(a, {
        shop_id: a.shop.id,
        bot_user_id: userA,
        payload: { text: `#${i}` },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      statuses.push(r.body.result.status);
    }
    expect(statuses).toEqual(Array(25).fill('queued'));
  });

  it('queues a message and answers with it, queued, with its delivery; it is then sent', async () => {
    const r = await send(a, {
      shop_id: a.shop.id,
      bot_user_id: userA,
      content_type: 'text',
      payload: { text: 'Hi & welcome' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.result).toMatchObject({
      shop_id: a.shop.id,
      bot_id: botA.id,
      bot_user_id: userA,
      direction: 'out',
      content_type: 'text',
      payload: { text: 'Hi & welcome' },
      inline_buttons: [],
      status: 'queued',
      delivery_id: expect.any(Number),
      remote_id: null,
    });
    const sent = await eventually(async () => {
      const m = await relay.api.get(`/api/bot/messages/${r.body.result.id}/`, { token: a.token });
      return m.body.result.status === 'sent' && m.body.result;
    });
    expect(sent.remote_id).toBe(String(r.body.result.id));
    const delivery = await relay.api.get(
      `/api/notifications/deliveries/${r.body.result.delivery_id}/`,
      { token: a.token },
    );
    expect(delivery.body.result).toMatchObject({
      kind: 'sandbox',
      bot_user_id: userA,
      status: 'sent',
    });
  });

  it('lists the history in both directions, newest first, filtered and paginated', async () => {
    const other = await person(botA, 'Quinn');
    for (let i = 0; i < 3; i++)
      expect(
        (await send(a, { shop_id: a.shop.id, bot_user_id: other, payload: { text: `m${i}` } }))
          .status,
      ).toBe(201);
    const all = await relay.api.get(
      `/api/bot/messages/?shop_id=${a.shop.id}&bot_user_id=${other}`,
      { token: a.token },
    );
    expect(all.body.result.results.map((m: any) => [m.direction, m.payload.text])).toEqual([
      ['out', 'm2'],
      ['out', 'm1'],
      ['out', 'm0'],
      ['in', '/start'],
    ]);
    const inbound = await relay.api.get(
      `/api/bot/messages/?shop_id=${a.shop.id}&bot_user_id=${other}&direction=in`,
      {
        token: a.token,
      },
    );
    expect(inbound.body.result.results.map((m: any) => m.status)).toEqual(['received']);
    const page = await relay.api.get(
      `/api/bot/messages/?shop_id=${a.shop.id}&bot_user_id=${other}&limit=2`,
      {
        token: a.token,
      },
    );
    expect(page.body.result).toMatchObject({ count: 4, previous: null });
    const next = new URL(page.body.result.next);
    expect(next.searchParams.get('offset')).toBe('2');
    expect(next.searchParams.get('bot_user_id')).toBe(String(other));
    const second = await relay.api.get(next.pathname + next.search, { token: a.token });
    expect(second.body.result.results).toHaveLength(2);
    expect(second.body.result.next).toBeNull();
    expect(second.body.result.previous).not.toBeNull();
    const clamped = await relay.api.get(`/api/bot/messages/?shop_id=${a.shop.id}&limit=500`, {
      token: a.token,
    });
    expect(
      new URL(clamped.body.result.next ?? `http://x/?limit=100`).searchParams.get('limit'),
    ).toBe('100');
  });

  it('refuses an unsubscribed bot user with 409 and one without a messenger chat with 400', async () => {
    const gone = await person(botA, 'Gone');
    await relay.api.patch(
      `/api/bot/bot_users/${gone}/`,
      { store: { subscribed_to_bot: false } },
      { token: a.token },
    );
    const r = await send(a, { shop_id: a.shop.id, bot_user_id: gone, payload: { text: 'hello?' } });
    expect(r.status).toBe(409);
    expect(r.body.errors).toHaveProperty('bot_user_id');
    // A website visitor's bot user (the shop's `web` bot) has no messenger to be reached in.
    const webBot = await relay.api.post(
      '/api/bot/bots/',
      { shop_id: a.shop.id, bot_type: 'web', name: 'Website' },
      { token: a.token },
    );
    const web = await relay.api.post(
      '/api/bot/bot_user/unsafe_create/',
      { shop_id: a.shop.id, bot_id: webBot.body.result.id, messenger_user_id: 'visitor-1' },
      { token: a.token },
    );
    expect(web.status, JSON.stringify(web.body)).toBe(201);
    const noChat = await send(a, {
      shop_id: a.shop.id,
      bot_user_id: web.body.result.id,
      payload: { text: 'x' },
    });
    expect(noChat.status).toBe(400);
    expect(noChat.body.errors.bot_user_id[0]).toMatch(/no messenger chat/);
  });

  it('refuses another shop’s bot user and step with a field error, and empty or double media', async () => {
    const userB = await person(botB);
    const foreign = await send(a, {
      shop_id: a.shop.id,
      bot_user_id: userB,
      payload: { text: 'x' },
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors).toHaveProperty('bot_user_id');
    const flowB = await relay.api.post(
      '/api/bot/flows/',
      { shop_id: b.shop.id, bot_id: botB.id, name: 'F' },
      { token: b.token },
    );
    const stepB = await relay.api.post(
      '/api/bot/steps/',
      {
        shop_id: b.shop.id,
        flow_id: flowB.body.result.id,
        type: 'message',
        payload: { text: 'x' },
      },
      { token: b.token },
    );
    const step = await send(a, {
      shop_id: a.shop.id,
      bot_user_id: userA,
      payload: { text: 'x' },
      inline_buttons: [{ text: 'Go', step_id: stepB.body.result.id }],
    });
    expect(step.status).toBe(400);
    expect(step.body.errors).toHaveProperty(['inline_buttons.0.step_id']);
    const empty = await send(a, {
      shop_id: a.shop.id,
      bot_user_id: userA,
      payload: { text: '  ' },
    });
    expect(empty.body.errors).toHaveProperty(['payload.text']);
    const both = await send(a, {
      shop_id: a.shop.id,
      bot_user_id: userA,
      payload: { image_url: 'https://x.example/a.png', file_url: 'https://x.example/a.pdf' },
    });
    expect(both.body.errors).toHaveProperty(['payload.file_url']);
    const button = await send(a, {
      shop_id: a.shop.id,
      bot_user_id: userA,
      payload: { text: 'x' },
      inline_buttons: [{ text: 'Both', url: 'https://x.example', step_id: 1 }],
    });
    expect(button.body.errors).toHaveProperty(['inline_buttons.0']);
  });

  it('keeps each shop’s messages to itself', async () => {
    const userB = await person(botB);
    const m = await send(b, { shop_id: b.shop.id, bot_user_id: userB, payload: { text: 'for B' } });
    expect(m.status).toBe(201);
    await expectIsolated(relay.api, {
      base: '/api/bot/messages/',
      tokenA: a.token,
      shopA: a.shop.id,
      shopB: b.shop.id,
      idOfB: m.body.result.id,
      deletable: false,
    });
    const key = await relay.stores.keys.create({ shop_id: a.shop.id, kind: 'secret' });
    await expectIsolated(relay.api, {
      base: '/api/bot/messages/',
      tokenA: key.key,
      shopA: a.shop.id,
      shopB: b.shop.id,
      idOfB: m.body.result.id,
      deletable: false,
    });
  });

  it('rejects bad input on send_message', async () => {
    await expectRejectsBadInput(relay.api, {
      method: 'POST',
      path: '/api/bot/messages/send_message/',
      token: a.token,
      valid: { shop_id: a.shop.id, bot_user_id: userA, payload: { text: 'ok' } },
      required: ['bot_user_id', 'payload'],
    });
  });
});
