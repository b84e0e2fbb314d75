import type { Deps } from '../deps.js';
import { crudRoutes } from '../http/crud.js';
import { invalidField, validationError } from '../http/errors.js';
import {
  NotificationChannel,
  NotificationChannelInput,
  NotificationChannelPatch,
} from './schemas.js';
import type { ChannelWrite } from './store.js';

const toWrite = (ch: NotificationChannelInput): ChannelWrite => ({
  type: ch.type,
  bot_id: ch.bot_id ?? null,
  chat_id: ch.chat_id ?? null,
  phone: ch.phone ?? null,
  whatsapp_template: ch.whatsapp_template ?? null,
  to: ch.to ?? null,
  url: ch.url ?? null,
  events: ch.events,
  enabled: ch.enabled,
});

/** The messengers an alert channel of each type may send through. */
const BOT_TYPES: Partial<Record<ChannelWrite['type'], { types: string[]; noun: string }>> = {
  // The sandbox stands in for Telegram in the demo.
  telegram: { types: ['telegram', 'sandbox'], noun: 'Telegram bot' },
  whatsapp: { types: ['whatsapp'], noun: 'WhatsApp bot' },
};

const definedOnly = <T extends Record<string, unknown>>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * Staff alert channels: a Telegram (or sandbox) chat or a manager's WhatsApp number through
 * one of the shop's bots, email addresses, or a webhook.
 */
export function channelRoutes({ stores, outbound, config }: Deps) {
  const { channels } = stores;

  /** What the type-level schema cannot see: the shop's own bot, a reachable URL, email set up. */
  const check = async (shopId: number, ch: ChannelWrite) => {
    if (ch.type === 'email' && !config.mail)
      throw invalidField(
        'type',
        'Email alerts need an SMTP server: the relay’s operator sets TOUCHPOINT_SMTP_URL (smtp://user:pass@host:port) and TOUCHPOINT_MAIL_FROM.',
      );
    const kind = BOT_TYPES[ch.type];
    if (kind && ch.bot_id != null) {
      const bot = await stores.bots.get(ch.bot_id);
      if (!bot || bot.shop_id !== shopId || !kind.types.includes(bot.bot_type))
        throw invalidField('bot_id', `No such ${kind.noun} in this shop.`);
    }
    if (ch.url != null) {
      const problem = await outbound.urlProblem(ch.url);
      if (problem) throw invalidField('url', problem);
    }
  };

  return crudRoutes({
    path: '/channels',
    noun: 'Channel',
    tag: 'staff alerts',
    ownersOnlyWrites: 'alerts',
    item: NotificationChannel,
    input: NotificationChannelInput,
    patch: NotificationChannelPatch,
    summaries: {
      list: "List a shop's staff alert channels",
      create:
        'Create an alert channel: a Telegram chat or a WhatsApp number (through one of the shop’s bots), email addresses, or a webhook. Owners only',
      read: 'Read an alert channel',
      update: 'Update an alert channel (events, target, enabled)',
      remove: 'Delete an alert channel',
    },
    store: {
      list: (shopId, _filter, page) => channels.list(shopId, page),
      async create(shopId, input) {
        const write = toWrite(input);
        await check(shopId, write);
        return channels.create(shopId, write);
      },
      get: (id) => channels.get(id),
      async update(id, { shop_id: _shop, ...patch }) {
        const current = await channels.get(id);
        if (!current) return undefined;
        // A new type starts from none of the old type's fields.
        const base =
          patch.type && patch.type !== current.type
            ? {
                ...current,
                bot_id: null,
                chat_id: null,
                phone: null,
                whatsapp_template: null,
                to: null,
                url: null,
              }
            : current;
        const parsed = NotificationChannelInput.safeParse({ ...base, ...definedOnly(patch) });
        if (!parsed.success) throw validationError(parsed.error);
        const write = toWrite(parsed.data);
        await check(current.shop_id, write);
        return channels.update(id, write);
      },
      delete: (id) => channels.delete(id),
    },
  });
}
