import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_FLOW_BUTTONS,
  DEMO_FLOW_NAME,
  DEMO_FLOW_TEXT,
  DEMO_FOLLOW_UP_SECONDS,
} from '../../../relay/demo/flow.js';
import { bootstrap } from '../../../relay/bootstrap.js';
import { findDemoShop, seedDemo } from '../../../relay/demo/seed.js';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { eventually } from '../channels/fixtures.js';

const PAGE = { limit: 100, offset: 0 };

describe('demo welcome flow', () => {
  let relay: Relay;
  let seeded: Awaited<ReturnType<typeof seedDemo>>;
  const flowsOf = async () =>
    (await relay.stores.scenario.flows.list(seeded.shop.id, seeded.sandboxBotId, PAGE)).rows;

  beforeAll(async () => {
    relay = await startRelay({ demo: true });
    seeded = await seedDemo(relay.stores, { publicUrl: 'https://demo.example/touchpoint' });
  });
  afterAll(() => relay.close());

  it('seeds one flow as the sandbox bot’s welcome flow', async () => {
    const flows = await flowsOf();
    expect(flows.map((f) => f.name)).toEqual([DEMO_FLOW_NAME]);
    expect(seeded.welcomeFlowId).toBe(flows[0].id);
    const bot = await relay.stores.bots.get(seeded.sandboxBotId);
    expect(bot!.welcome_flow_id).toBe(flows[0].id);
  });

  it('greets with buttons, asks for a phone, makes a lead of the contact form, then follows up', async () => {
    const flow = (await flowsOf())[0];
    const { rows: steps } = await relay.stores.scenario.steps.list(seeded.shop.id, flow.id, PAGE);
    const byName = Object.fromEntries(steps.map((s) => [s.name, s]));
    const { greeting, phone, thanks, pause } = byName;
    expect(flow.first_step_id).toBe(greeting.id);
    expect(greeting).toMatchObject({ type: 'message', payload: { text: DEMO_FLOW_TEXT.greeting } });
    expect(greeting.menu_items.map((i) => [i.title, i.next_step_id, i.url])).toEqual([
      [DEMO_FLOW_BUTTONS.callBack, phone.id, null],
      [DEMO_FLOW_BUTTONS.catalog, null, 'https://demo.example/touchpoint/demo/'],
    ]);
    expect(phone).toMatchObject({
      type: 'question',
      variable: 'phone',
      validate: 'phone',
      error_text: DEMO_FLOW_TEXT.invalid,
      next_step_id: thanks.id,
    });
    const callback = await relay.stores.forms.byName(seeded.shop.id, 'callback');
    expect(thanks).toMatchObject({
      type: 'lead',
      form: callback!.id,
      payload: { text: DEMO_FLOW_TEXT.thanks },
      next_step_id: pause.id,
    });
    expect(pause).toMatchObject({ type: 'delay', delay_seconds: DEMO_FOLLOW_UP_SECONDS });
    expect(byName['follow-up']).toMatchObject({
      id: pause.next_step_id,
      type: 'message',
      payload: { text: DEMO_FLOW_TEXT.followUp },
      next_step_id: null,
    });
  });

  it('adds nothing when seeded again, as `npm start` on the same database would', async () => {
    const again = await seedDemo(relay.stores);
    expect(again.shop.id).toBe(seeded.shop.id);
    expect(again.sandboxBotId).toBe(seeded.sandboxBotId);
    expect(again.welcomeFlowId).toBe(seeded.welcomeFlowId);
    expect((await relay.stores.scenario.flows.list(seeded.shop.id, null, PAGE)).count).toBe(1);
    expect((await relay.stores.bots.list(seeded.shop.id, PAGE)).count).toBe(6);
    expect((await relay.stores.forms.list(seeded.shop.id, PAGE)).count).toBe(1);
    expect((await relay.stores.channels.list(seeded.shop.id, PAGE)).count).toBe(1);
    expect(await relay.stores.shops.first()).toMatchObject({ id: seeded.shop.id });
  });

  it('leaves a manager’s choice alone: an unset welcome flow stays unset', async () => {
    await relay.stores.bots.update(seeded.sandboxBotId, { welcome_flow_id: null });
    const again = await seedDemo(relay.stores);
    expect(again.welcomeFlowId).toBeNull();
    expect(await flowsOf()).toHaveLength(1);
    await relay.stores.bots.update(seeded.sandboxBotId, { welcome_flow_id: seeded.welcomeFlowId });
  });

  it('adds the flow to a demo shop seeded before there was one', async () => {
    await relay.stores.scenario.flows.delete(seeded.welcomeFlowId!);
    expect((await relay.stores.bots.get(seeded.sandboxBotId))!.welcome_flow_id).toBeNull();
    const again = await seedDemo(relay.stores);
    const flows = await flowsOf();
    expect(flows).toHaveLength(1);
    expect(again.welcomeFlowId).toBe(flows[0].id);
    expect((await relay.stores.bots.get(seeded.sandboxBotId))!.welcome_flow_id).toBe(flows[0].id);
    seeded = again;
  });

  it('runs on Start in the sandbox inbox: the greeting arrives with its buttons', async () => {
    const start = await relay.api.post('/demo/inbox/api/start', {
      bot_id: seeded.sandboxBotId,
      name: 'Robin',
    });
    expect(start.status).toBe(201);
    const chat = start.body.result.chat_id;
    const greeting = await eventually(async () => {
      const { body } = await relay.api.get(
        `/demo/inbox/api/messages?bot_id=${seeded.sandboxBotId}&chat_id=${chat}`,
      );
      return body.result.find((m: { direction: string }) => m.direction === 'out');
    });
    expect(greeting.payload.text).toBe(DEMO_FLOW_TEXT.greeting.replace('{{name}}', 'Robin'));
    expect(greeting.buttons.flat().map((b: any) => b.text)).toEqual([
      DEMO_FLOW_BUTTONS.callBack,
      DEMO_FLOW_BUTTONS.catalog,
    ]);
  });
});

describe('demo bootstrap', () => {
  it('seeds an empty demo database, and adds the flow to one seeded before scenarios', async () => {
    const relay = await startRelay({ demo: true, publicUrl: 'https://demo.example' });
    try {
      await bootstrap(relay.db, relay.config);
      const shop = (await findDemoShop(relay.stores))!;
      const flows = () => relay.stores.scenario.flows.list(shop.id, null, PAGE);
      const [flow] = (await flows()).rows;
      const { rows: items } = await relay.stores.scenario.menuItems.list(shop.id, null, PAGE);
      expect(items.find((i) => i.url)!.url).toBe('https://demo.example/demo/');

      // A database from before scenarios: the demo shop without flows.
      await relay.stores.scenario.flows.delete(flow.id);
      const lines: string[] = [];
      await bootstrap(relay.db, relay.config, (l) => lines.push(l));
      expect((await flows()).count).toBe(1);
      expect(lines).toEqual([`Added the example bot scenario to the demo shop #${shop.id}`]);
      // With a flow of its own, the shop is left alone.
      await bootstrap(relay.db, relay.config, (l) => lines.push(l));
      expect((await flows()).count).toBe(1);
      expect(lines).toHaveLength(1);
    } finally {
      await relay.close();
    }
  });
});
