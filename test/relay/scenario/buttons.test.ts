import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTICES } from '../../../relay/scenario/runtime/engine.js';
import type { StepSpec } from '../../helpers/flows.js';
import type { Relay } from '../../helpers/relay.js';
import {
  callbackOf,
  runOf,
  sandboxPerson,
  sandboxShop,
  startScenarioRelay,
  type SandboxShop,
} from './sandbox.js';

/** Scenario buttons (menu items) as inline keyboards: pressed, typed, outdated, removed. */
describe('scenario buttons', () => {
  let relay: Relay;
  let shop: SandboxShop;
  beforeAll(async () => {
    relay = await startScenarioRelay();
    shop = await sandboxShop(relay);
  });
  afterAll(() => relay.close());

  const begin = async (specs: StepSpec[]) => {
    const botId = await shop.newBot();
    const flow = await shop.flow(specs, { welcome: true, botId });
    const person = sandboxPerson(relay, botId);
    await person.start();
    return { flow, person, botId };
  };
  const MENU: StepSpec[] = [
    {
      key: 'menu',
      type: 'message',
      text: 'Menu',
      buttons: [
        { title: 'Catalog', to: 'catalog' },
        { title: 'Prices', url: 'https://shop.example/prices' },
        { title: 'Contacts', to: 'contacts' },
      ],
    },
    {
      key: 'catalog',
      type: 'message',
      text: 'Catalog',
      buttons: [{ title: 'Back', to: 'menu' }],
    },
    { key: 'contacts', type: 'message', text: 'Call us.' },
  ];

  it('shows step buttons with short callback data and URL buttons as links, and moves on a press', async () => {
    const { flow, person } = await begin(MENU);
    const [menu] = await person.received();
    const seq = (await runOf(relay, person.botUserId))!.seq;
    expect(menu.buttons).toEqual([
      [{ text: 'Catalog', callback_data: `mi:${flow.items['menu/Catalog']}:${seq}` }],
      [{ text: 'Prices', url: 'https://shop.example/prices' }],
      [{ text: 'Contacts', callback_data: `mi:${flow.items['menu/Contacts']}:${seq}` }],
    ]);
    for (const b of menu.buttons.flat())
      if (b.callback_data) expect(Buffer.byteLength(b.callback_data)).toBeLessThanOrEqual(64);

    const pressed = await person.press('Catalog');
    expect(pressed.notice).toBeUndefined();
    expect(await person.texts()).toEqual(['Menu', 'Catalog']);
    expect(await runOf(relay, person.botUserId)).toMatchObject({
      step_id: flow.steps.catalog,
      waiting: 'buttons',
      seq: seq + 1,
    });
    const [, catalog] = await person.received();
    expect(callbackOf(catalog, 'Back')).toBe(`mi:${flow.items['catalog/Back']}:${seq + 1}`);
  });

  it('takes a typed button title, in any case, as a press', async () => {
    const { flow, person } = await begin(MENU);
    await person.say('  cATALOG ');
    expect(await person.texts()).toEqual(['Menu', 'Catalog']);
    expect((await runOf(relay, person.botUserId))!.step_id).toBe(flow.steps.catalog);
    // A URL button's title is no step to go to.
    await person.say('back');
    await person.say('Prices');
    expect(await person.texts()).toEqual(['Menu', 'Catalog', 'Menu']);
  });

  it('answers a press on an older message with a notice and moves nothing', async () => {
    const { flow, person } = await begin(MENU);
    const [first] = await person.received();
    await person.press('Catalog', first);
    const before = (await runOf(relay, person.botUserId))!;

    expect(await person.press('Contacts', first)).toEqual({
      message_id: expect.any(Number),
      bot_user_id: person.botUserId,
      notice: NOTICES.stale,
    });
    expect(await person.texts()).toEqual(['Menu', 'Catalog']);
    expect(await runOf(relay, person.botUserId)).toEqual(before);

    // Back at the same step, the first menu is still out of date: only the newest one works.
    await person.press('Back');
    expect((await runOf(relay, person.botUserId))!.step_id).toBe(flow.steps.menu);
    expect((await person.press('Contacts', first)).notice).toBe(NOTICES.stale);
    expect(await person.texts()).toEqual(['Menu', 'Catalog', 'Menu']);
    expect((await person.press('Contacts')).notice).toBeUndefined();
    expect(await person.texts()).toEqual(['Menu', 'Catalog', 'Menu', 'Call us.']);
  });

  it('says a deleted button, or one whose step was deleted, is no longer available', async () => {
    const { flow, person } = await begin(MENU);
    const del = (path: string) => relay.api.delete(path, { token: shop.token });
    expect((await del(`/api/bot/menu_items/${flow.items['menu/Catalog']}/`)).status).toBe(200);
    expect((await person.press('Catalog')).notice).toBe(NOTICES.gone);
    expect((await del(`/api/bot/steps/${flow.steps.contacts}/`)).status).toBe(200);
    expect((await person.press('Contacts')).notice).toBe(NOTICES.gone);
    expect(await person.texts()).toEqual(['Menu']);
    expect((await runOf(relay, person.botUserId))!.step_id).toBe(flow.steps.menu);
  });

  it('refuses forged callback data: unknown, malformed, or a button of another shop', async () => {
    const { person, botId } = await begin(MENU);
    const other = await sandboxShop(relay, 'Other');
    const foreign = await other.flow(MENU);
    const bot = { id: botId, shop_id: shop.shopId, bot_type: 'sandbox' as const };
    const who = {
      messenger_user_id: person.userId,
      chat_id: person.userId,
      name: 'Ann',
      lang_code: '',
      messenger_user_url: '',
    };
    const press = (data: string) =>
      relay.channels.inbound.press(bot, who, { remoteId: null, text: '?', data });
    const seq = (await runOf(relay, person.botUserId))!.seq;
    for (const data of [
      `mi:${foreign.items['menu/Catalog']}:${seq}`,
      `mi:999999999:${seq}`,
      'mi:x:1',
      'garbage',
      `step:${foreign.steps.contacts}`,
    ])
      expect((await press(data))!.notice, data).toBe(NOTICES.gone);
    expect(await person.texts()).toEqual(['Menu']);
  });

  it('takes free text at a step with buttons to its next step when it has one, else says nothing', async () => {
    const withNext = await begin([
      {
        key: 'menu',
        type: 'message',
        text: 'Pick or write',
        buttons: [{ title: 'Sale', to: 'sale' }],
        next: 'free',
      },
      { key: 'sale', type: 'message', text: 'Sale!' },
      { key: 'free', type: 'message', text: 'A manager will read it.' },
    ]);
    await withNext.person.say('I need a red one');
    expect(await withNext.person.texts()).toEqual(['Pick or write', 'A manager will read it.']);

    const without = await begin(MENU);
    await without.person.say('I need a red one');
    expect(await without.person.texts()).toEqual(['Menu']);
    expect((await runOf(relay, without.person.botUserId))!.step_id).toBe(without.flow.steps.menu);
  });

  it('takes a typed button title at a question as a press, not as the answer', async () => {
    const { person } = await begin([
      {
        key: 'ask',
        type: 'question',
        text: 'Your email?',
        variable: 'email',
        validate: 'email',
        buttons: [{ title: 'Skip', to: 'end' }],
        next: 'end',
      },
      { key: 'end', type: 'message', text: 'Bye.' },
    ]);
    await person.say('nope');
    const [, retry] = await person.received();
    // The question asked again keeps its buttons, and they work.
    expect(retry.buttons.flat().map((b) => b.text)).toEqual(['Skip']);
    await person.say('skip');
    expect(await person.texts()).toEqual(['Your email?', expect.any(String), 'Bye.']);
    expect(await runOf(relay, person.botUserId)).toMatchObject({ step_id: null, waiting: null });
  });

  it('starts a step from a send_message button of a step', async () => {
    const { flow, person } = await begin(MENU);
    const sent = await relay.api.post(
      '/api/bot/messages/send_message/',
      {
        shop_id: shop.shopId,
        bot_user_id: person.botUserId,
        payload: { text: 'Any questions?' },
        inline_buttons: [{ text: 'See catalog', step_id: flow.steps.catalog }],
      },
      { token: shop.token },
    );
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    expect(await person.press('See catalog')).not.toHaveProperty('notice');
    expect(await person.texts()).toEqual(['Menu', 'Any questions?', 'Catalog']);
    expect((await runOf(relay, person.botUserId))!.step_id).toBe(flow.steps.catalog);
  });
});
