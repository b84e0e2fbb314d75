import type { SubscriberStore } from '../bot-users/subscribers.js';
import type { DomainEvent } from '../db/events.js';
import { fromJson } from '../db/open.js';
import { sql, type Tx } from '../db/sql.js';
import type { DeliveryStore } from '../delivery/store.js';
import { escapeHtml } from '../events/render.js';
import { queueMessageInTx } from '../messages/outbox.js';
import type { OutgoingPayload } from '../messages/schemas.js';
import type { MessageStore } from '../messages/store.js';
import { fillParameters, WhatsAppTemplate } from '../channels/whatsapp/settings.js';
import type { Order } from './schemas.js';

/**
 * What a buyer hears when their order reaches a status, unless the shop set its own text in
 * `settings.order_templates` (`{"shipped": "Your order {order.number} is on its way"}`).
 * Templates are plain text with variables: {order.number}, {order.status}, {order.total},
 * {order.currency}. A shop's `*` template is its text for every status it has no text for.
 * A status may also be an object `{text?, whatsapp_template?: {name, language, parameters}}`:
 * the approved WhatsApp template that carries the message to a buyer outside WhatsApp's
 * 24-hour window (its parameters use the same variables).
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
  const own = shopTemplates(templates);
  const text = (key: string) => {
    const t = own[key];
    const value = typeof t === 'string' ? t : isObject(t) ? t.text : undefined;
    return typeof value === 'string' && value ? value : undefined;
  };
  const template =
    text(order.status) ??
    text('*') ??
    DEFAULT_ORDER_TEMPLATES[order.status] ??
    DEFAULT_ORDER_TEMPLATES['*'];
  const values = orderValues(order);
  return template
    .split(/(\{order\.[a-z_]+\})/)
    .map((piece) => {
      const name = /^\{(order\.[a-z_]+)\}$/.exec(piece)?.[1];
      return escapeHtml(name && name in values ? values[name] : piece);
    })
    .join('');
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const shopTemplates = (templates: unknown) => (isObject(templates) ? templates : {});

const orderValues = (order: Order): Record<string, string> => ({
  'order.number': order.number,
  'order.status': order.status,
  'order.total': amount(order),
  'order.currency': order.currency,
});

/**
 * The shop's approved WhatsApp template for the order's status (or its `*`), parameters
 * filled in; undefined when the shop set none (or one that is not a valid template).
 */
export function orderWhatsAppTemplate(
  order: Order,
  templates: unknown,
): OutgoingPayload['whatsapp_template'] {
  const own = shopTemplates(templates);
  for (const key of [order.status, '*']) {
    const t = own[key];
    if (!isObject(t) || t.whatsapp_template === undefined) continue;
    const parsed = WhatsAppTemplate.safeParse(t.whatsapp_template);
    if (!parsed.success) return undefined;
    const { parameters, ...spec } = parsed.data;
    return { ...spec, parameters: fillParameters(parameters, orderValues(order)) };
  }
  return undefined;
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
    const whatsapp = orderWhatsAppTemplate(e.order, templates);
    for (const to of recipients)
      if (to.chat_id)
        await queueMessageInTx(tx, stores, { ...to, chat_id: to.chat_id }, e.name, {
          text,
          parse_mode: 'HTML',
          ...(to.bot_type === 'whatsapp' && whatsapp ? { whatsapp_template: whatsapp } : {}),
        });
  };
}

const shopSettings = sql<number, { settings: string }>(`SELECT settings FROM shops WHERE id = ?`);
