import { fromJson } from '../db/open.js';
import type { BotType } from '../bots/schemas.js';
import type { BotUser } from './schemas.js';
import type { UnsubscribedBy } from './subscribers.js';

/** A bot_users row joined with its bot's name and type. */
export type Row = {
  id: number;
  shop_id: number;
  bot_id: number;
  bot_name: string;
  bot_type: BotType;
  messenger_user_id: string;
  name: string;
  state: string;
  lang_code: string;
  avatar_url: string;
  messenger_user_url: string;
  phone: string;
  subscribed_to_bot: number;
  /** Who unsubscribed them (relay/bot-users/subscribers.ts `UnsubscribedBy`); internal. */
  unsubscribed_by: UnsubscribedBy | null;
  start_parameter: string;
  user_vars: string;
  visitor_id: string | null;
  taken_over_at: string | null;
  taken_over_by: number | null;
  read_message_id: number;
  created_at: string;
  updated_at: string;
};
export type Related = {
  tags: Map<number, { id: number; name: string }[]>;
  leads: Map<number, number[]>;
  orders: Map<number, number[]>;
};

/** Field by field, so internal columns (chat_id) never reach a response. */
export const toBotUser = (r: Row, rel: Related): BotUser => ({
  id: r.id,
  shop_id: r.shop_id,
  created_at: r.created_at,
  updated_at: r.updated_at,
  bot: { id: r.bot_id, name: r.bot_name, bot_type: r.bot_type },
  messenger_user_id: r.messenger_user_id,
  state: r.state,
  lang_code: r.lang_code,
  name: r.name,
  avatar_url: r.avatar_url,
  messenger_user_url: r.messenger_user_url,
  store: {
    name: r.name,
    phone: r.phone,
    avatar_url: r.avatar_url,
    start_parameter: r.start_parameter,
    subscribed_to_bot: r.subscribed_to_bot === 1,
    tags: rel.tags.get(r.id) ?? [],
    user_vars: fromJson(r.user_vars, {}),
  },
  links: {
    visitor_id: r.visitor_id,
    lead_ids: rel.leads.get(r.id) ?? [],
    order_ids: rel.orders.get(r.id) ?? [],
  },
  takeover: r.taken_over_at ? { at: r.taken_over_at, by_user_id: r.taken_over_by } : null,
});

/** Rows of `{owner, value}` as lists of values per owner id. */
export const group = <V>(rows: { owner: number; value: V }[]) => {
  const map = new Map<number, V[]>();
  for (const { owner, value } of rows) {
    const list = map.get(owner);
    if (list) list.push(value);
    else map.set(owner, [value]);
  }
  return map;
};
