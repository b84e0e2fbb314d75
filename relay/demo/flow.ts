import type { Stores } from '../deps.js';
import { FlowInput, MenuItemInput, StepInput } from '../scenario/schemas.js';

/** The demo's welcome flow; its name is how a second seed finds it. */
export const DEMO_FLOW_NAME = 'Welcome: call back';

/** What the demo's welcome flow says, for the README and the tests that walk it. */
export const DEMO_FLOW_TEXT = {
  greeting:
    'Hi {{name}}! This is the Demo Shop bot, running the shop’s welcome scenario. ' +
    'Shall a barista call you back about beans, grinders or an order?',
  ask: 'Which number should we call? Please include the country code, for example +1 212 555 0100.',
  invalid:
    'That does not look like a phone number. Please send digits with the country code, ' +
    'for example +1 212 555 0100.',
  thanks: 'Thank you, {{name}}! A barista will call you at {{phone}} within a working day.',
  followUp:
    'While you wait: this week’s Morning Roast is made for espresso and the moka pot. ' +
    'Press Start again any time to see the menu.',
} as const;

export const DEMO_FLOW_BUTTONS = { callBack: 'Request a call back', catalog: 'Browse the coffee' };

/** The pause before the follow-up: long enough to notice, short enough to wait for. */
export const DEMO_FOLLOW_UP_SECONDS = 5;

type FlowTarget = { shopId: number; botId: number; formId: number; publicUrl: string };

/**
 * The demo's welcome flow on its sandbox bot, run on Start in /demo/inbox/: a greeting with a
 * button to a phone question and a link to the shop, the question (validated as a phone), a
 * `lead` step on the contact form that thanks the person (its lead raises the managers'
 * alert), then a delay and a follow-up. Seeds once: when the bot already has a welcome flow,
 * or a flow of this name (a manager may have unset it since), nothing is added. Built through
 * the scenario store, so the same reference and loop checks as the API apply. Resolves to the
 * bot's welcome flow afterwards.
 */
export async function seedDemoFlow(stores: Stores, target: FlowTarget): Promise<number | null> {
  const { shopId, botId, formId, publicUrl } = target;
  const { flows, steps, menuItems } = stores.scenario;
  const bot = await stores.bots.get(botId);
  if (!bot || bot.welcome_flow_id !== null) return bot?.welcome_flow_id ?? null;
  const existing = await flows.list(shopId, botId, { limit: 100, offset: 0 });
  if (existing.rows.some((f) => f.name === DEMO_FLOW_NAME)) return null;

  const flow = await flows.create(shopId, FlowInput.parse({ bot_id: botId, name: DEMO_FLOW_NAME }));
  // Last step first: a step may only lead to a step that exists.
  const step = async (input: Record<string, unknown>) =>
    (await steps.create(shopId, StepInput.parse({ flow_id: flow.id, ...input }))).id;
  const followUp = await step({
    type: 'message',
    name: 'follow-up',
    payload: { text: DEMO_FLOW_TEXT.followUp },
  });
  const pause = await step({
    type: 'delay',
    name: 'pause',
    delay_seconds: DEMO_FOLLOW_UP_SECONDS,
    next_step_id: followUp,
  });
  const thanks = await step({
    type: 'lead',
    name: 'thanks',
    form: formId,
    payload: { text: DEMO_FLOW_TEXT.thanks },
    next_step_id: pause,
  });
  const ask = await step({
    type: 'question',
    name: 'phone',
    payload: { text: DEMO_FLOW_TEXT.ask },
    variable: 'phone',
    validate: 'phone',
    error_text: DEMO_FLOW_TEXT.invalid,
    next_step_id: thanks,
  });
  const greeting = await step({
    type: 'message',
    name: 'greeting',
    payload: { text: DEMO_FLOW_TEXT.greeting },
  });
  const button = (input: Record<string, unknown>) =>
    menuItems.create(shopId, MenuItemInput.parse({ step_id: greeting, ...input }));
  await button({ title: DEMO_FLOW_BUTTONS.callBack, next_step_id: ask });
  await button({ title: DEMO_FLOW_BUTTONS.catalog, url: `${publicUrl.replace(/\/+$/, '')}/demo/` });

  await flows.update(flow.id, { first_step_id: greeting });
  await stores.bots.update(botId, { welcome_flow_id: flow.id });
  return flow.id;
}
