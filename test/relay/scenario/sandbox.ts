import { expect } from 'vitest';
import { buildFlow, type StepSpec } from '../../helpers/flows.js';
import { startRelay, userWithShop, type Relay } from '../../helpers/relay.js';

/**
 * A relay for running scenarios: demo mode, since the sandbox messenger and its inbox API
 * (/demo/inbox/api) exist only there, and a scheduler that looks for ended delays every 50 ms.
 */
export const startScenarioRelay = () =>
  startRelay({ demo: true }, { scheduler: { maxSleepMs: 50 } });

/** A shop with a sandbox bot, and a way to build its flows through the API. */
export async function sandboxShop(relay: Relay, name = 'Shop') {
  const owner = await userWithShop(relay, name, { demo: true });
  const shopId = owner.shop.id;
  const newBot = async (botName = 'Sandbox bot') => {
    const r = await relay.api.post(
      '/api/bot/bots/',
      { shop_id: shopId, bot_type: 'sandbox', name: botName },
      { token: owner.token },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.result.id as number;
  };
  const botId = await newBot();
  return {
    ...owner,
    shopId,
    botId,
    newBot,
    flow: (specs: StepSpec[], opts: { welcome?: boolean; botId?: number } = {}) =>
      buildFlow(relay.api, { token: owner.token, shopId, botId: opts.botId ?? botId }, specs, opts),
  };
}
export type SandboxShop = Awaited<ReturnType<typeof sandboxShop>>;

export type InboxButton = { text: string; url?: string; callback_data?: string };
export type InboxMessage = {
  id: number;
  direction: 'in' | 'out';
  content_type: string;
  payload: { text: string; data?: string; image_url?: string };
  buttons: InboxButton[][];
  created_at: string;
};

/** The callback data of the button titled `title` under a message. */
export const callbackOf = (message: InboxMessage, title: string): string => {
  const button = message.buttons.flat().find((b) => b.text === title);
  expect(button?.callback_data, `button ${title}`).toBeDefined();
  return button!.callback_data!;
};

/**
 * A person in the sandbox messenger, doing what the demo inbox lets them do: press Start,
 * type, tap a button. What the bot sends is in their chat as soon as it is queued (the
 * history row is written with the delivery).
 */
export function sandboxPerson(relay: Relay, botId: number) {
  let userId = '';
  let botUserId = 0;
  const post = async (path: string, body: object) => {
    const r = await relay.api.post(`/demo/inbox/api/${path}`, body);
    expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(201);
    return r.body.result;
  };
  const chat = async (): Promise<InboxMessage[]> => {
    const r = await relay.api.get(`/demo/inbox/api/messages?bot_id=${botId}&chat_id=${userId}`);
    expect(r.status).toBe(200);
    return r.body.result;
  };
  const received = async () => (await chat()).filter((m) => m.direction === 'out');

  return {
    get userId() {
      return userId;
    },
    get botUserId() {
      return botUserId;
    },
    async start(name = 'Ann') {
      const r = await post('start', {
        bot_id: botId,
        name,
        ...(userId ? { user_id: userId } : {}),
      });
      userId = r.user_id;
      botUserId = r.bot_user_id;
      return r;
    },
    say: (text: string) => post('messages', { bot_id: botId, user_id: userId, text }),
    /** Taps a button of `message` (the latest message the bot sent by default); the result has the notice, if any. */
    async press(title: string, message?: InboxMessage): Promise<{ notice?: string }> {
      const on = message ?? (await received()).at(-1)!;
      return post('press', {
        bot_id: botId,
        user_id: userId,
        message_id: on.id,
        data: callbackOf(on, title),
      });
    },
    chat,
    received,
    /** The texts of the messages the bot sent. */
    texts: async () => (await received()).map((m) => m.payload.text),
  };
}
export type SandboxPerson = ReturnType<typeof sandboxPerson>;

/** Where the bot user's run is (the `scenario_runs` row), or undefined before any flow. */
export const runOf = (relay: Relay, botUserId: number) =>
  relay.stores.scenarioRuntime.runs.get(botUserId);
