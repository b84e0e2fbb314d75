/**
 * The shop of bench/scenario.ts, set up through the management API the way a shop's backend
 * would: a login, a shop, a lead form, a tag, then per bot a Telegram bot (the relay checks the
 * token with getMe and registers its webhook at the fake) and the 5-step welcome flow.
 */
import { randomBytes } from 'node:crypto';
import { buildFlow, type StepSpec } from '../test/helpers/flows.js';
import { client, type Client } from '../test/helpers/relay.js';
import type { TelegramSide } from './scenario-webhooks.js';

/** What the bot says at each step; the simulated people check every message against these. */
export const TEXTS = {
  greet: (telegramName: string) => `Hi ${telegramName}! Shall we call you back?`,
  button: 'Call me back',
  askName: 'What is your name?',
  askPhone: 'Your phone number, with the country code?',
  badPhone: 'That does not look like a phone number. Try again, e.g. +44 20 7946 0958.',
  thanks: (name: string, phone: string) => `Thank you, ${name}! A manager will call ${phone}.`,
} as const;

/**
 * message with a button → question (text) → question (phone, validated) → action (a variable
 * and a tag) → lead with the thank-you. The action says nothing and goes straight on, so the
 * person sees four messages (five with a wrong phone) for the five steps.
 */
export const flowSpecs = (formId: number, tagId: number): StepSpec[] => [
  {
    key: 'greet',
    type: 'message',
    text: 'Hi {{name}}! Shall we call you back?',
    buttons: [{ title: TEXTS.button, to: 'name' }],
  },
  {
    key: 'name',
    type: 'question',
    text: TEXTS.askName,
    variable: 'name',
    validate: 'text',
    next: 'phone',
  },
  {
    key: 'phone',
    type: 'question',
    text: TEXTS.askPhone,
    variable: 'phone',
    validate: 'phone',
    error_text: TEXTS.badPhone,
    next: 'tag',
  },
  {
    key: 'tag',
    type: 'action',
    action: { set_var: { name: 'source', value: 'telegram-bench' }, add_tag_id: tagId },
    next: 'lead',
  },
  {
    key: 'lead',
    type: 'lead',
    form: formId,
    text: 'Thank you, {{name}}! A manager will call {{phone}}.',
  },
];

/** Steps the flow runs for one person who finishes it (the relay's count should match). */
export const STEPS_PER_PERSON = 5;

export type BenchBot = { token: string; botId: number };
export type BenchShop = { api: Client; token: string; shopId: number; bots: BenchBot[] };

const must = (r: { status: number; body: any }, status: number, what: string) => {
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.result;
};

export async function setUpShop(
  url: string,
  telegram: TelegramSide,
  { bots, email, password }: { bots: number; email: string; password: string },
): Promise<BenchShop> {
  const api = client(url);
  const { token } = must(await api.post('/api/auth/login/', { email, password }), 200, 'login');
  const opts = { token };
  const shop = must(await api.post('/api/shop/shops/', { name: 'Bench shop' }, opts), 201, 'shop');
  const form = must(
    await api.post(
      '/api/store/forms/',
      {
        shop_id: shop.id,
        name: 'callback',
        fields: [
          { name: 'name', label: { en: 'Name' }, type: 'text', required: true },
          { name: 'phone', label: { en: 'Phone' }, type: 'tel', required: true },
        ],
        min_fill_ms: 0,
      },
      opts,
    ),
    201,
    'form',
  );
  const tag = must(
    await api.post('/api/store/tags/', { shop_id: shop.id, name: 'callback-requested' }, opts),
    201,
    'tag',
  );
  const specs = flowSpecs(form.id, tag.id);
  const list: BenchBot[] = [];
  for (let i = 0; i < bots; i++) {
    // A token in @BotFather's shape, known to the fake.
    const botToken = `${800_000 + i}:${randomBytes(24).toString('base64url')}`;
    await telegram.addBot(botToken, `bench${i}_bot`);
    const bot = must(
      await api.post(
        '/api/bot/bots/',
        { shop_id: shop.id, bot_type: 'telegram', name: `Bench bot ${i}`, token: botToken },
        opts,
      ),
      201,
      `bot ${i}`,
    );
    if (!(await telegram.webhookOf(botToken)))
      throw new Error(`bot ${i}: the relay registered no webhook`);
    await buildFlow(api, { token, shopId: shop.id, botId: bot.id }, specs, {
      name: `Call back (bot ${i})`,
      welcome: true,
    });
    list.push({ token: botToken, botId: bot.id });
  }
  return { api, token, shopId: shop.id, bots: list };
}
