import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { sandboxPerson, sandboxShop, runOf, type SandboxShop } from '../scenario/sandbox.js';
import { eventually } from '../channels/fixtures.js';
import { startReceiver } from '../webhooks/receiver.js';

/**
 * The console's conversations: people by their newest message with unread counts and a
 * read marker; a manager taking a person over (the scenario pauses) and handing them back
 * (it goes on); `message.received` for what no scenario took; and the actions under a
 * manager alert (open in the console, mark handled) pressed in the managers' group.
 */
describe('conversations', () => {
  let relay: Relay;
  let shop: SandboxShop;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let groupId = '';

  beforeAll(async () => {
    receiver = await startReceiver();
    relay = await startRelay(
      { demo: true, webhookAllowPrivate: true, publicRateLimit: 0 },
      { scheduler: { maxSleepMs: 50 } },
    );
    shop = await sandboxShop(relay, 'Conversations');
    // The managers' group, as the inbox adds the bot to one, and its alert channel.
    const group = await relay.api.post('/demo/inbox/api/groups', {
      bot_id: shop.botId,
      title: 'Managers',
    });
    expect(group.status, JSON.stringify(group.body)).toBe(201);
    groupId = group.body.result.chat_id;
    expect(groupId).toMatch(/^-100\d{10}$/);
    const listed = await api('get', `/api/bot/bot/${shop.botId}/chats/`);
    expect(listed.results.map((c: any) => [c.chat_id, c.title])).toEqual([[groupId, 'Managers']]);
    await api('post', '/api/notifications/channels/', {
      type: 'telegram',
      bot_id: shop.botId,
      chat_id: groupId,
      events: ['lead.created', 'message.received'],
    });
    await api('post', '/api/webhooks/endpoints/', {
      url: `${receiver.url}/hooks`,
      events: ['message.received'],
    });
  });
  afterAll(async () => {
    await relay.close();
    await receiver.close();
  });

  const api = async (method: 'get' | 'post', path: string, body?: Record<string, unknown>) => {
    const q = path.includes('?') ? '&' : '?';
    const r =
      method === 'get'
        ? await relay.api.get(`${path}${q}shop_id=${shop.shopId}`, { token: shop.token })
        : await relay.api.post(`${path}${q}shop_id=${shop.shopId}`, body, { token: shop.token });
    expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
    return r.body.result;
  };
  const groupChat = async () =>
    (await relay.api.get(`/demo/inbox/api/messages?bot_id=${shop.botId}&chat_id=${groupId}`)).body
      .result as any[];
  const webhookEvents = () => receiver.received.map((r) => JSON.parse(r.body));

  it('lists people by their newest message with unread counts, and keeps a read marker', async () => {
    const ann = sandboxPerson(relay, shop.botId);
    await ann.start('Ann Reader');
    const bob = sandboxPerson(relay, shop.botId);
    await bob.start('Bob Writer');
    await bob.say('Hello?');
    await bob.say('Anyone there?');
    await ann.say('Do you ship to Riga?');

    const list = await api('get', '/api/bot/conversations/');
    const rows = list.results.map((c: any) => [
      c.bot_user.name,
      c.unread,
      c.last_message.payload.text,
    ]);
    expect(rows.slice(0, 2)).toEqual([
      ['Ann Reader', 1, 'Do you ship to Riga?'],
      ['Bob Writer', 2, 'Anyone there?'],
    ]);
    const unread = await api('get', '/api/bot/conversations/?unread=true');
    expect(unread.count).toBe(2);
    const found = await api('get', '/api/bot/conversations/?search=bob');
    expect(found.results.map((c: any) => c.bot_user.name)).toEqual(['Bob Writer']);

    const read = await api('post', `/api/bot/conversations/${bob.botUserId}/read/`);
    expect(read).toMatchObject({ unread: 0, bot_user: { id: bob.botUserId } });
    expect((await api('get', '/api/bot/conversations/?unread=true')).count).toBe(1);
    await bob.say('Thanks!');
    expect((await api('get', '/api/bot/conversations/?search=bob')).results[0].unread).toBe(1);

    // Another shop's person is not found.
    const other = await sandboxShop(relay, 'Elsewhere');
    const foreign = await relay.api.post(
      `/api/bot/conversations/${bob.botUserId}/read/?shop_id=${other.shopId}`,
      undefined,
      { token: other.token },
    );
    expect(foreign.status).toBe(404);
  });

  it('raises message.received for a message no scenario takes, not for an answer', async () => {
    const flow = await shop.flow(
      [
        {
          key: 'ask',
          type: 'question',
          text: 'Your phone?',
          variable: 'phone',
          validate: 'phone',
          next: 'thanks',
        },
        { key: 'thanks', type: 'message', text: 'Thanks, {{phone}}!' },
      ],
      { welcome: false },
    );
    const cy = sandboxPerson(relay, shop.botId);
    await cy.start('Cy Question');
    await api('post', '/api/bot/bot_user/subscribe_to_flow/', {
      flow_id: flow.flowId,
      bot_user_id: cy.botUserId,
    });
    const before = receiver.received.length;
    await cy.say('+44 20 7946 0958');
    expect(await cy.texts()).toContain('Thanks, +442079460958!');
    // The flow has ended: now a question for the shop.
    await cy.say('When do you open?');
    const [event] = (await receiver.waitFor(before + 1))
      .slice(before)
      .map((r) => JSON.parse(r.body));
    expect(event).toMatchObject({
      type: 'message.received',
      data: {
        payload: { text: 'When do you open?' },
        bot_user: { id: cy.botUserId, name: 'Cy Question' },
      },
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(webhookEvents().filter((e) => e.data.bot_user?.id === cy.botUserId)).toHaveLength(1);
    // The managers' group heard of it, with a button to answer in the console.
    const alert = await eventually(async () =>
      (await groupChat()).find((m) => m.payload.text.includes('When do you open?')),
    );
    expect(alert.payload.text).toContain('New message');
    expect(alert.buttons).toEqual([
      [
        {
          text: 'Reply in console',
          url: `/console/#/shops/${shop.shopId}/conversations/${cy.botUserId}`,
        },
      ],
    ]);
  });

  it('pauses the scenario for a person taken over, and resumes it when handed back', async () => {
    const flow = await shop.flow([
      {
        key: 'ask',
        type: 'question',
        text: 'Your phone?',
        variable: 'phone',
        validate: 'phone',
        next: 'wait',
      },
      { key: 'wait', type: 'delay', delay_seconds: 1, next: 'later' },
      { key: 'later', type: 'message', text: 'A call is booked.' },
    ]);
    const dee = sandboxPerson(relay, shop.botId);
    await dee.start('Dee Takeover');
    await api('post', '/api/bot/bot_user/subscribe_to_flow/', {
      flow_id: flow.flowId,
      bot_user_id: dee.botUserId,
    });
    expect(await dee.texts()).toEqual(['Your phone?']);

    const taken = await api('post', '/api/bot/bot_user/take_over/', { bot_user_id: dee.botUserId });
    expect(taken.takeover).toEqual({ at: expect.any(String), by_user_id: shop.user.id });
    const before = receiver.received.length;
    await dee.say('+44 20 7946 0958');
    await new Promise((r) => setTimeout(r, 300));
    // The bot says nothing; the run still waits for the answer; the shop hears of the message.
    expect(await dee.texts()).toEqual(['Your phone?']);
    expect(await runOf(relay, dee.botUserId)).toMatchObject({
      step_id: flow.steps.ask,
      waiting: 'answer',
    });
    const events = (await receiver.waitFor(before + 1))
      .slice(before)
      .map((r) => JSON.parse(r.body));
    expect(events.map((e) => e.data.payload.text)).toEqual(['+44 20 7946 0958']);
    // A manager's reply goes out as usual.
    await api('post', '/api/bot/messages/send_message/', {
      bot_user_id: dee.botUserId,
      payload: { text: 'Hi Dee, I will call you myself.' },
    });

    const back = await api('post', '/api/bot/bot_user/hand_back/', { bot_user_id: dee.botUserId });
    expect(back.takeover).toBeNull();
    await dee.say('+44 20 7946 0958');
    expect((await dee.texts()).slice(-1)).toEqual(['Hi Dee, I will call you myself.']);
    expect(await runOf(relay, dee.botUserId)).toMatchObject({
      step_id: flow.steps.wait,
      waiting: 'delay',
    });

    // Taken over during the delay: it ends, nothing is sent, the run waits…
    await api('post', '/api/bot/bot_user/take_over/', { bot_user_id: dee.botUserId });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await dee.texts()).not.toContain('A call is booked.');
    expect(await runOf(relay, dee.botUserId)).toMatchObject({ waiting: 'delay' });
    // …and goes on once handed back.
    await api('post', '/api/bot/bot_user/hand_back/', { bot_user_id: dee.botUserId });
    await eventually(async () => (await dee.texts()).includes('A call is booked.'));
  });

  it('keeps the notice a person got for an outdated button, instead of a press', async () => {
    const flow = await shop.flow([
      { key: 'menu', type: 'message', text: 'Pick one', buttons: [{ title: 'Yes', to: 'yes' }] },
      { key: 'yes', type: 'message', text: 'Great' },
    ]);
    const eve = sandboxPerson(relay, shop.botId);
    await eve.start('Eve Stale');
    await api('post', '/api/bot/bot_user/subscribe_to_flow/', {
      flow_id: flow.flowId,
      bot_user_id: eve.botUserId,
    });
    const menu = (await eve.received()).at(-1)!;
    await eve.press('Yes', menu);
    const stale = await eve.press('Yes', menu);
    expect(stale.notice).toMatch(/out of date/);
    const history = await api(
      'get',
      `/api/bot/messages/?bot_user_id=${eve.botUserId}&direction=in`,
    );
    const presses = history.results.filter((m: any) => m.content_type === 'callback');
    expect(presses.map((m: any) => m.payload.notice ?? null)).toEqual([stale.notice, null]);
  });

  it('marks a lead handled from the button of its alert in the managers’ group, once', async () => {
    const lead = await api('post', '/api/store/leads/', { fields: { name: 'Fay Lead' } });
    const alert = await eventually(async () =>
      (await groupChat()).find((m) => m.payload.text.includes(`New lead #${lead.id}`)),
    );
    expect(alert.buttons).toEqual([
      [{ text: 'Open in console', url: `/console/#/shops/${shop.shopId}/leads/${lead.id}` }],
      [{ text: 'Mark handled', callback_data: `lh:${lead.id}` }],
    ]);
    const press = (data: string, chatId = groupId) =>
      relay.api.post('/demo/inbox/api/press', {
        bot_id: shop.botId,
        chat_id: chatId,
        message_id: alert.id,
        data,
        name: 'Gil Manager',
      });
    const first = await press(`lh:${lead.id}`);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.result.notice).toBe(`Lead #${lead.id} marked handled.`);
    expect((await api('get', `/api/store/leads/${lead.id}/`)).status).toBe('done');
    await eventually(async () =>
      (await groupChat()).some(
        (m) => m.payload.text === `✓ Lead #${lead.id} marked handled by Gil Manager.`,
      ),
    );
    expect((await press(`lh:${lead.id}`)).body.result.notice).toBe(
      `Lead #${lead.id} was handled already.`,
    );
    // Callback data comes from the messenger's client: a forged one for another shop's lead,
    // or a press in a chat that is no alert channel, changes nothing.
    const other = await sandboxShop(relay, 'Forged');
    const theirs = await relay.api.post(
      `/api/store/leads/?shop_id=${other.shopId}`,
      { fields: { name: 'Not yours' } },
      { token: other.token },
    );
    const bot = { id: shop.botId, shop_id: shop.shopId, bot_type: 'sandbox' as const };
    const { inbound } = relay.channels;
    expect(await inbound.alertAction(bot, groupId, '', `lh:${theirs.body.result.id}`)).toEqual({
      notice: 'This button is no longer available.',
    });
    const fresh = await api('post', '/api/store/leads/', { fields: { name: 'Hal Lead' } });
    expect(await inbound.alertAction(bot, '-100999', '', `lh:${fresh.id}`)).toEqual({
      notice: 'This button is no longer available.',
    });
    expect((await relay.stores.leads.get(theirs.body.result.id))?.status).toBe('new');
    expect((await relay.stores.leads.get(fresh.id))?.status).toBe('new');
  });
});
