import type { BotType } from '../bots/schemas.js';
import type { NewBot } from '../bots/store.js';
import type { Stores } from '../deps.js';
import type { EventType } from '../events/types.js';
import { FormInput } from '../forms/schemas.js';
import type { Shop } from '../shops/schemas.js';
import { seedDemoFlow } from './flow.js';

/** Demo-only credentials, printed at start and in the README. Never used outside demo mode. */
export const DEMO_LOGIN = { email: 'demo@touchpoint.local', password: 'touchpoint-demo' } as const;

/**
 * The managers' chat of the demo's staff alerts in the sandbox messenger. A negative id, as
 * Telegram gives groups (https://core.telegram.org/bots/api#chat): the inbox shows it as the
 * managers' group.
 */
export const DEMO_MANAGERS_CHAT = '-1001';
/** What the managers' group is called, as a messenger would list it. */
export const DEMO_MANAGERS_TITLE = 'Demo Shop Managers';

const ALERT_EVENTS: EventType[] = [
  'lead.created',
  'order.created',
  'order.status_changed',
  'bot_user.subscribed',
  'message.received',
];

/** What a buyer subscribed to an order hears, per status (relay/orders/notify.ts). */
const ORDER_TEMPLATES = {
  paid: 'Payment received for order {order.number} ({order.total} {order.currency}). Thank you!',
  shipped: 'Good news: order {order.number} has shipped and is on its way.',
  delivered: 'Order {order.number} has been delivered. Enjoy your coffee!',
  cancelled: 'Order {order.number} has been cancelled. Write to us if this is a surprise.',
  '*': 'Order {order.number} is now: {order.status}.',
};

/** The contact page's form (`<tp-lead-form form="callback">`). */
const CALLBACK_FORM = FormInput.parse({
  name: 'callback',
  fields: [
    { name: 'name', label: { en: 'Your name', ru: 'Ваше имя' }, type: 'text', required: true },
    { name: 'phone', label: { en: 'Phone', ru: 'Телефон' }, type: 'tel', required: true },
    { name: 'message', label: { en: 'Message', ru: 'Сообщение' }, type: 'textarea' },
  ],
  consent: {
    text: 'I agree that Demo Shop may contact me about this request.',
    version: '2024-06',
  },
  min_fill_ms: 1500,
});

/**
 * The messengers a shop connects for real, shown on the demo's home page as a connected
 * shop's subscribe buttons look. They have no token, so nothing is sent through them (the
 * sandbox carries the demo); their addresses are placeholders — the WhatsApp number is one of
 * the 555-01xx numbers kept for fiction.
 */
const SHOWCASE = [
  {
    bot_type: 'telegram',
    name: 'Demo Shop on Telegram',
    tg_bot_nickname: 'touchpoint_demo_bot',
    settings: {},
  },
  {
    bot_type: 'whatsapp',
    name: 'Demo Shop on WhatsApp',
    tg_bot_nickname: null,
    settings: { phone_number: '+12025550143' },
  },
  {
    bot_type: 'viber',
    name: 'Demo Shop on Viber',
    tg_bot_nickname: null,
    settings: { uri: 'touchpoint-demo' },
  },
  {
    bot_type: 'vk',
    name: 'Demo Shop on VK',
    tg_bot_nickname: null,
    settings: { screen_name: 'touchpoint_demo' },
  },
] as const;

/** Where `npm start` serves the relay when TOUCHPOINT_PUBLIC_URL is not set. */
const DEFAULT_PUBLIC_URL = 'http://localhost:8787';

const FIRST_PAGE = { limit: 100, offset: 0 };

/**
 * The demo shop a newcomer sees after `npm start` on an empty database: a `web` bot (the
 * widget's visitors), a `sandbox` bot (the messenger of /demo/inbox/) whose welcome flow
 * greets, asks for a phone and makes a lead (relay/demo/flow.ts), the four messengers' bots
 * as a connected shop lists them (SHOWCASE: shown, never sent through), the contact form, a staff
 * alert channel posting every event to the managers' sandbox chat, and the buyers' texts per
 * order status. Runs in demo mode only (relay/bootstrap.ts). Seeding again adds only what is
 * missing — nothing, the second time — so it is safe on a database seeded before.
 * `publicUrl` is where the relay is reached: the flow's link to the shop points there.
 */
export async function seedDemo(
  stores: Stores,
  { publicUrl = DEFAULT_PUBLIC_URL }: { publicUrl?: string } = {},
) {
  const user =
    (await stores.users.findByEmail(DEMO_LOGIN.email)) ??
    (await stores.users.create(DEMO_LOGIN.email, DEMO_LOGIN.password));
  let shop = await findDemoShop(stores);
  if (!shop) {
    shop = await stores.shops.create(
      {
        name: 'Demo Shop',
        settings: { order_templates: ORDER_TEMPLATES, default_country: 'US' },
      },
      user.id,
    );
    // The relay's own mark: only this shop may have sandbox bots (relay/channels/sandbox).
    await stores.shops.markDemo(shop.id);
    shop = { ...shop, demo: true };
  }
  const { rows: bots } = await stores.bots.list(shop.id, FIRST_PAGE);
  const bot = async (
    type: BotType,
    name: string,
    {
      tg_bot_nickname = null,
      settings = {},
    }: Partial<Pick<NewBot, 'tg_bot_nickname' | 'settings'>> = {},
  ) =>
    bots.find((b) => b.bot_type === type) ??
    (await stores.bots.create({
      shop_id: shop.id,
      bot_type: type,
      name,
      credential: null,
      tg_bot_nickname,
      settings,
    }));
  await bot('web', 'Website');
  const sandbox = await bot('sandbox', 'Demo Shop Bot');
  for (const b of SHOWCASE) await bot(b.bot_type, b.name, b);
  const form =
    (await stores.forms.byName(shop.id, CALLBACK_FORM.name)) ??
    (await stores.forms.create(shop.id, CALLBACK_FORM));
  // The sandbox bot is "in" the managers' group, as a Telegram bot added to one would be.
  if (!(await stores.botChats.byChat(sandbox.id, DEMO_MANAGERS_CHAT)))
    await stores.botChats.upsert(
      sandbox,
      { chat_id: DEMO_MANAGERS_CHAT, type: 'supergroup', title: DEMO_MANAGERS_TITLE },
      'administrator',
    );
  const { rows: channels } = await stores.channels.list(shop.id, FIRST_PAGE);
  if (!channels.some((c) => c.chat_id === DEMO_MANAGERS_CHAT)) {
    await stores.channels.create(shop.id, {
      type: 'telegram',
      bot_id: sandbox.id,
      chat_id: DEMO_MANAGERS_CHAT,
      url: null,
      events: ALERT_EVENTS,
      enabled: true,
    });
  }
  const welcomeFlowId = await seedDemoFlow(stores, {
    shopId: shop.id,
    botId: sandbox.id,
    formId: form.id,
    publicUrl,
  });
  return { shop, sandboxBotId: sandbox.id, welcomeFlowId, ...DEMO_LOGIN };
}

/** The demo shop, when the demo was seeded: the shop the relay marked as its demo. */
export async function findDemoShop(stores: Stores): Promise<Shop | undefined> {
  return stores.shops.demoShop();
}
