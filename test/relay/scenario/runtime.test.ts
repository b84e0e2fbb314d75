import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ERRORS } from '../../../relay/scenario/runtime/answers.js';
import type { StepSpec } from '../../helpers/flows.js';
import type { Relay } from '../../helpers/relay.js';
import { eventually } from '../channels/fixtures.js';
import { CALLBACK_FORM } from '../public/fixtures.js';
import { insertTag } from './fixtures.js';
import {
  runOf,
  sandboxPerson,
  sandboxShop,
  startScenarioRelay,
  type SandboxShop,
} from './sandbox.js';

/** Each step type as a person in the sandbox messenger meets it, through the real relay. */
describe('scenario runtime', () => {
  let relay: Relay;
  let shop: SandboxShop;
  beforeAll(async () => {
    relay = await startScenarioRelay();
    shop = await sandboxShop(relay);
  });
  afterAll(() => relay.close());

  /** A new bot whose welcome flow is `specs`, and a person who pressed Start on it. */
  const begin = async (specs: StepSpec[], name = 'Ann') => {
    const botId = await shop.newBot();
    const flow = await shop.flow(specs, { welcome: true, botId });
    const person = sandboxPerson(relay, botId);
    await person.start(name);
    return { flow, person, botId };
  };
  const botUser = async (id: number) => {
    const r = await relay.api.get(`/api/bot/bot_users/${id}/?shop_id=${shop.shopId}`, {
      token: shop.token,
    });
    expect(r.status).toBe(200);
    return r.body.result;
  };

  it('sends a message without buttons and goes on to the next step, filling in {{name}}', async () => {
    const { flow, person } = await begin([
      { key: 'greet', type: 'message', text: 'Hello, {{name}}!', next: 'hours' },
      { key: 'hours', type: 'message', text: 'We are open 9 to 18{{ nothing }}.', next: 'ask' },
      { key: 'ask', type: 'question', text: 'Your email, {{ name }}?', variable: 'email' },
    ]);
    expect(await person.texts()).toEqual([
      'Hello, Ann!',
      'We are open 9 to 18.',
      'Your email, Ann?',
    ]);
    expect(await runOf(relay, person.botUserId)).toMatchObject({
      flow_id: flow.flowId,
      step_id: flow.steps.ask,
      waiting: 'answer',
      resume_at: null,
    });
  });

  it('waits at a message whose buttons lead to a step', async () => {
    const { flow, person } = await begin([
      {
        key: 'menu',
        type: 'message',
        text: 'What would you like?',
        buttons: [{ title: 'Catalog', to: 'catalog' }],
        next: 'other',
      },
      { key: 'catalog', type: 'message', text: 'Here is the catalog.' },
      { key: 'other', type: 'message', text: 'Tell us more.' },
    ]);
    expect(await person.texts()).toEqual(['What would you like?']);
    expect(await runOf(relay, person.botUserId)).toMatchObject({
      step_id: flow.steps.menu,
      waiting: 'buttons',
    });
  });

  it('saves valid answers, and asks again with the error text (or the default) when invalid', async () => {
    const { flow, person } = await begin([
      {
        key: 'age',
        type: 'question',
        text: 'How old is your dog?',
        variable: 'age',
        validate: 'number',
        error_text: 'Digits, please.',
        next: 'phone',
      },
      {
        key: 'phone',
        type: 'question',
        text: 'Your phone?',
        variable: 'tel',
        validate: 'phone',
        next: 'email',
      },
      {
        key: 'email',
        type: 'question',
        text: 'Your email?',
        variable: 'email',
        validate: 'email',
        next: 'done',
      },
      { key: 'done', type: 'message', text: 'Thanks: {{age}} / {{tel}} / {{email}} / {{phone}}' },
    ]);
    await person.say('twelve');
    expect((await person.texts()).slice(1)).toEqual(['Digits, please.']);
    expect(await runOf(relay, person.botUserId)).toMatchObject({
      step_id: flow.steps.age,
      waiting: 'answer',
    });
    expect((await botUser(person.botUserId)).store.user_vars).toEqual({});

    await person.say('12,5');
    await person.say('call me');
    await person.say('+7 (912) 345-67-89');
    await person.say('not an email');
    await person.say('Ann@Example.com');
    expect((await person.texts()).slice(2)).toEqual([
      'Your phone?',
      DEFAULT_ERRORS.phone,
      'Your email?',
      DEFAULT_ERRORS.email,
      'Thanks: 12.5 / +79123456789 / ann@example.com / +79123456789',
    ]);
    const user = await botUser(person.botUserId);
    expect(user.store.user_vars).toEqual({
      age: 12.5,
      tel: '+79123456789',
      email: 'ann@example.com',
    });
    // A phone answer is the bot user's phone too, whatever the variable is called.
    expect(user.store.phone).toBe('+79123456789');
    expect(await runOf(relay, person.botUserId)).toMatchObject({ step_id: null, waiting: null });
  });

  it('creates a lead of the form from the variables and queues the managers alert', async () => {
    const form = await relay.api.post(
      '/api/store/forms/',
      { shop_id: shop.shopId, ...CALLBACK_FORM },
      { token: shop.token },
    );
    expect(form.status, JSON.stringify(form.body)).toBe(201);
    const channel = await relay.api.post(
      '/api/notifications/channels/',
      {
        shop_id: shop.shopId,
        type: 'telegram',
        bot_id: shop.botId,
        chat_id: '-100',
        events: ['lead.created'],
      },
      { token: shop.token },
    );
    expect(channel.status, JSON.stringify(channel.body)).toBe(201);
    const { person } = await begin(
      [
        {
          key: 'phone',
          type: 'question',
          text: 'Phone?',
          variable: 'phone',
          validate: 'phone',
          next: 'topic',
        },
        { key: 'topic', type: 'question', text: 'Topic?', variable: 'topic', next: 'lead' },
        { key: 'lead', type: 'lead', form: form.body.result.id, text: 'Thank you, {{name}}!' },
      ],
      'Bea',
    );
    await person.say('+44 20 7946 0958');
    await person.say('sales');
    expect((await person.texts()).at(-1)).toBe('Thank you, Bea!');

    const leads = await relay.api.get(
      `/api/store/leads/?shop_id=${shop.shopId}&bot_user_id=${person.botUserId}`,
      { token: shop.token },
    );
    expect(leads.body.result.results).toHaveLength(1);
    const [lead] = leads.body.result.results;
    expect(lead).toMatchObject({
      form: form.body.result.id,
      // name falls back to the bot user's own; variables the form lacks stay out.
      fields: { name: 'Bea', phone: '+442079460958', topic: 'sales' },
      bot_user_id: person.botUserId,
      source: 'bot',
      status: 'new',
    });
    expect(Object.keys(lead.fields).sort()).toEqual(['name', 'phone', 'topic']);
    const alert = await eventually(async () => {
      const r = await relay.api.get(
        `/api/notifications/deliveries/?shop_id=${shop.shopId}&event=lead.created`,
        { token: shop.token },
      );
      return r.body.result.results.find((d: any) =>
        JSON.stringify(d.payload).includes('+442079460958'),
      );
    });
    expect(alert).toMatchObject({
      kind: 'sandbox',
      chat_id: '-100',
      channel_id: channel.body.result.id,
    });
  });

  it('pauses at a delay, then goes on once it is over', async () => {
    const { flow, person } = await begin([
      { key: 'wait', type: 'delay', delay_seconds: 1, text: 'One moment…', next: 'after' },
      { key: 'after', type: 'message', text: 'Done waiting, {{name}}.' },
    ]);
    const paused = (await runOf(relay, person.botUserId))!;
    expect(paused).toMatchObject({ step_id: flow.steps.wait, waiting: 'delay' });
    // Due a second after the move that reached the delay (timed by the relay, not by this test).
    const due = Date.parse(paused.resume_at!);
    expect(due - Date.parse(paused.updated_at)).toBeGreaterThan(900);
    expect(due - Date.parse(paused.updated_at)).toBeLessThanOrEqual(1000);
    expect(await person.texts()).toEqual(['One moment…']);
    // Writing meanwhile neither ends the pause early nor gets an answer.
    await person.say('hello?');

    const after = await eventually(async () => (await person.received())[1], 4_000);
    expect(after.payload.text).toBe('Done waiting, Ann.');
    expect(Date.parse(after.created_at)).toBeGreaterThanOrEqual(due);
    expect(await person.texts()).toEqual(['One moment…', 'Done waiting, Ann.']);
    expect(await runOf(relay, person.botUserId)).toMatchObject({
      step_id: null,
      waiting: null,
      resume_at: null,
    });
  });

  it('branches on a variable, trimmed and case-insensitive', async () => {
    const specs: StepSpec[] = [
      {
        key: 'ask',
        type: 'question',
        text: 'Do you have an order?',
        variable: 'has_order',
        next: 'check',
      },
      {
        key: 'check',
        type: 'condition',
        condition: { variable: 'has_order', equals: ' Yes', then: 'number', else: 'help' },
      },
      { key: 'number', type: 'message', text: 'Your order number?' },
      { key: 'help', type: 'message', text: 'Let us help you choose.' },
    ];
    const { botId } = await begin(specs);
    const yes = sandboxPerson(relay, botId);
    await yes.start('Yan');
    await yes.say('  YES ');
    expect(await yes.texts()).toEqual(['Do you have an order?', 'Your order number?']);
    const no = sandboxPerson(relay, botId);
    await no.start('Nora');
    await no.say('not yet');
    expect(await no.texts()).toEqual(['Do you have an order?', 'Let us help you choose.']);
  });

  it('sets variables and tags in action steps, and branches on a tag', async () => {
    const vip = await insertTag(relay, shop.shopId, 'VIP');
    const { person } = await begin([
      {
        key: 'promote',
        type: 'action',
        action: { set_var: { name: 'code', value: 'X-{{name}}' }, add_tag_id: vip },
        next: 'check1',
      },
      {
        key: 'check1',
        type: 'condition',
        condition: { variable: 'tag', equals: 'vip', then: 'isvip', else: 'notvip' },
      },
      { key: 'isvip', type: 'message', text: 'Hello VIP, your code is {{code}}.', next: 'demote' },
      { key: 'notvip', type: 'message', text: 'Hello.' },
      { key: 'demote', type: 'action', action: { remove_tag_id: vip }, next: 'check2' },
      {
        key: 'check2',
        type: 'condition',
        condition: { variable: 'tag', equals: 'VIP', then: 'stillvip', else: 'bye' },
      },
      { key: 'stillvip', type: 'message', text: 'Still VIP.' },
      { key: 'bye', type: 'message', text: 'No longer VIP.' },
    ]);
    expect(await person.texts()).toEqual(['Hello VIP, your code is X-Ann.', 'No longer VIP.']);
    const user = await botUser(person.botUserId);
    expect(user.store.user_vars).toEqual({ code: 'X-Ann' });
    expect(user.store.tags).toEqual([]);
  });

  it('runs the welcome flow on /start, and from its start again on a second /start', async () => {
    const { flow, person } = await begin([
      { key: 'hi', type: 'message', text: 'Welcome!', buttons: [{ title: 'Go', to: 'ask' }] },
      { key: 'ask', type: 'question', text: 'Your name?', variable: 'first' },
    ]);
    await person.press('Go');
    expect(await runOf(relay, person.botUserId)).toMatchObject({
      step_id: flow.steps.ask,
      waiting: 'answer',
    });
    const seq = (await runOf(relay, person.botUserId))!.seq;
    await person.start();
    expect(await person.texts()).toEqual(['Welcome!', 'Your name?', 'Welcome!']);
    const run = (await runOf(relay, person.botUserId))!;
    expect(run).toMatchObject({ step_id: flow.steps.hi, waiting: 'buttons' });
    expect(run.seq).toBeGreaterThan(seq);
    // The answer the question waited for is now just a message.
    await person.say('Ann');
    expect(await person.texts()).toHaveLength(3);
    expect((await botUser(person.botUserId)).store.user_vars).toEqual({});
  });

  it('keeps the history of what the person wrote and pressed and what the bot sent', async () => {
    const { person } = await begin([
      { key: 'hi', type: 'message', text: 'Pick', buttons: [{ title: 'Go', to: 'end' }] },
      { key: 'end', type: 'message', text: 'Gone.' },
    ]);
    await person.press('Go');
    const r = await relay.api.get(
      `/api/bot/messages/?shop_id=${shop.shopId}&bot_user_id=${person.botUserId}&limit=50`,
      { token: shop.token },
    );
    const history = r.body.result.results.reverse();
    expect(history.map((m: any) => [m.direction, m.content_type, m.payload.text])).toEqual([
      ['in', 'command', '/start'],
      ['out', 'text', 'Pick'],
      ['in', 'callback', 'Go'],
      ['out', 'text', 'Gone.'],
    ]);
    expect(history[2].payload.data).toMatch(/^mi:\d+:\d+$/);
    expect(history[1].inline_buttons).toEqual([{ text: 'Go', menu_item_id: expect.any(Number) }]);
  });
});
