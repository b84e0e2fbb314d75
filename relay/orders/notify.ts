import type { SubscriberStore } from '../bot-users/subscribers.js';
import type { DomainEvent } from '../db/events.js';
import { fromJson } from '../db/open.js';
import { sql, type Tx } from '../db/sql.js';
import type { DeliveryStore } from '../delivery/store.js';
import { escapeHtml } from '../events/render.js';
import { queueMessageInTx } from '../messages/outbox.js';
import type { MessageStore } from '../messages/store.js';
import type { Order } from './schemas.js';

/**
 * What a buyer hears when their order reaches a status, unless the shop set its own text in
 * `settings.order_templates` (`{"shipped": "Your order {order.number} is on its way"}`).
 * Templates are plain text with variables: {order.number}, {order.status}, {order.total},
 * {order.currency}. A shop's `*` template is its text for every status it has no text for.
 */
export const DEFAULT_ORDER_TEMPLATES: Record<string, string> = {
  paid: 'We have received your payment for order {order.number}. Thank you!',
  shipped: 'Your order {order.number} has shipped.',
  delivered: 'Your order {order.number} has been delivered.',
  cancelled: 'Your order {order.number} has been cancelled.',
  '*': 'Your order {order.number} is now: {order.status}.',
};

/** The order's total in its currency's usual number of decimals, without a symbol: `49.90`. */
function amount(order: Pick<Order, 'total' | 'currency'>): string {
  let digits = 2;
  try {
    digits =
      new Intl.NumberFormat('en', { style: 'currency', currency: order.currency }).resolvedOptions()
        .maximumFractionDigits ?? 2;
  } catch {
    /* not an ISO 4217 code: two decimals */
  }
  return order.total.toFixed(digits);
}

/**
 * The buyer's message for the order's current status, as Telegram HTML: the template and
 * the values are both plain text, each escaped once here (so `&` in a template or an order
 * number arrives as `&`, and nothing a shop or a backend writes can inject markup).
 */
export function renderOrderMessage(order: Order, templates: unknown): string {
  const own =
    templates && typeof templates === 'object' ? (templates as Record<string, unknown>) : {};
  const pick = (key: string) =>
    typeof own[key] === 'string' && own[key] ? (own[key] as string) : undefined;
  const template =
    pick(order.status) ??
    pick('*') ??
    DEFAULT_ORDER_TEMPLATES[order.status] ??
    DEFAULT_ORDER_TEMPLATES['*'];
  const values: Record<string, string> = {
    'order.number': order.number,
    'order.status': order.status,
    'order.total': amount(order),
    'order.currency': order.currency,
  };
  return template
    .split(/(\{order\.[a-z_]+\})/)
    .map((piece) => {
      const name = /^\{(order\.[a-z_]+)\}$/.exec(piece)?.[1];
      return escapeHtml(name && name in values ? values[name] : piece);
    })
    .join('');
}

export type BuyerNotifyStores = {
  subscribers: SubscriberStore;
  deliveries: DeliveryStore;
  messages: MessageStore;
};

/**
 * The domain-event handler for buyer messages: on `order.status_changed`, every subscribed
 * bot user linked to the order (an opt-in with its `order_ref`) gets the status's message,
 * queued in the order's own write transaction (transactional outbox) and kept in the
 * message history. Registered by createStores.
 */
export function notifyBuyers(stores: BuyerNotifyStores) {
  return async (tx: Tx, e: DomainEvent): Promise<void> => {
    if (e.name !== 'order.status_changed') return;
    const recipients = await stores.subscribers.ofOrderInTx(tx, e.order.id);
    if (!recipients.length) return;
    const templates = fromJson<Record<string, unknown>>(
      await tx.value(shopSettings, e.shop_id),
      {},
    ).order_templates;
    const text = renderOrderMessage(e.order, templates);
    for (const to of recipients)
      if (to.chat_id)
        await queueMessageInTx(tx, stores, { ...to, chat_id: to.chat_id }, e.name, {
          text,
          parse_mode: 'HTML',
        });
  };
}

const shopSettings = sql<number, { settings: string }>(`SELECT settings FROM shops WHERE id = ?`);
