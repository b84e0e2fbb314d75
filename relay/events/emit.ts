import type { DomainEvent } from '../db/events.js';
import { fillParameters, type WhatsAppTemplate } from '../channels/whatsapp/settings.js';
import { fromJson, now } from '../db/open.js';
import type { Tx } from '../db/sql.js';
import type { DeliveryStore } from '../delivery/store.js';
import { alertActions, renderAlert } from './render.js';
import type { ChannelTarget, EventTargetStore } from './store.js';
import type { AppEvent } from './types.js';

export type EmitStores = { eventTargets: EventTargetStore; deliveries: DeliveryStore };

/**
 * Fans one event out to the outbox: one delivery per enabled alert channel and webhook
 * endpoint of the shop subscribed to it, through `tx`: the write transaction of the event
 * (transactional outbox), so the lead or order and its notifications commit together or not
 * at all. Returns the ids of the deliveries it queued.
 *
 * - Telegram (or sandbox) alert channel → kind = the bot's type, `{text, parse_mode: 'HTML'}`.
 * - WhatsApp alert channel → kind `whatsapp` to the manager's number, the same text, and the
 *   channel's template (parameters filled in) for when the manager has not written in 24 hours.
 * - Email alert channel → kind `email`, `{subject, text, html}`; the addresses are read when
 *   sending.
 * - Webhook alert channel → kind `webhook`, `{url, body: {event, text, data}}` (unsigned;
 *   `text` is what Slack-style incoming webhooks display).
 * - Webhook endpoint → kind `webhook` with endpoint_id, the Standard Webhooks body
 *   `{type, timestamp, data}`; URL and secrets are read when sending.
 */
export async function emitInTx(
  tx: Tx,
  stores: EmitStores,
  e: AppEvent,
  /** Instead of the shop's subscribed targets: these (a test alert to one channel). */
  only?: { channels: ChannelTarget[]; endpoints: { id: number }[] },
): Promise<number[]> {
  const { eventTargets, deliveries } = stores;
  if (!tx.inTransaction)
    throw new Error(`${e.event}: emitInTx must run inside the event's write transaction`);
  const { channels, endpoints } =
    only ??
    (e.event === 'alert.test'
      ? { channels: [], endpoints: [] }
      : await eventTargets.targetsInTx(tx, e.shop_id, e.event));
  const ids: number[] = [];
  const base = { shop_id: e.shop_id, event: e.event };

  if (channels.length > 0) {
    const form = e.data.form;
    const labels =
      e.event === 'lead.created' && typeof form === 'number'
        ? await eventTargets.formLabelsInTx(tx, form)
        : {};
    const alert = renderAlert(e, labels);
    const buttons = alertActions(e);
    for (const ch of channels) {
      if (ch.type === 'telegram' && ch.bot_type && ch.chat_id) {
        ids.push(
          await deliveries.enqueueInTx(tx, {
            ...base,
            kind: ch.bot_type,
            channel_id: ch.id,
            bot_id: ch.bot_id,
            chat_id: ch.chat_id,
            payload: {
              text: alert.html,
              parse_mode: 'HTML',
              ...(buttons.length ? { buttons } : {}),
            },
          }),
        );
      } else if (ch.type === 'whatsapp' && ch.bot_type === 'whatsapp' && ch.chat_id) {
        const template = fromJson<{ whatsapp_template?: WhatsAppTemplate }>(
          ch.settings,
          {},
        ).whatsapp_template;
        const values = { 'alert.title': alert.title, 'alert.text': alert.details };
        ids.push(
          await deliveries.enqueueInTx(tx, {
            ...base,
            kind: 'whatsapp',
            channel_id: ch.id,
            bot_id: ch.bot_id,
            chat_id: ch.chat_id.replace(/^\+/, ''),
            payload: {
              text: alert.html,
              parse_mode: 'HTML',
              ...(template && {
                whatsapp_template: {
                  ...template,
                  parameters: fillParameters(template.parameters, values),
                },
              }),
            },
          }),
        );
      } else if (ch.type === 'email') {
        ids.push(
          await deliveries.enqueueInTx(tx, {
            ...base,
            kind: 'email',
            channel_id: ch.id,
            payload: { subject: alert.title, text: alert.text, html: alert.email },
          }),
        );
      } else if (ch.type === 'webhook' && ch.url) {
        ids.push(
          await deliveries.enqueueInTx(tx, {
            ...base,
            kind: 'webhook',
            channel_id: ch.id,
            payload: { url: ch.url, body: { event: e.event, text: alert.text, data: e.data } },
          }),
        );
      }
    }
  }

  const timestamp = e.timestamp ?? now();
  for (const ep of endpoints) {
    ids.push(
      await deliveries.enqueueInTx(tx, {
        ...base,
        kind: 'webhook',
        endpoint_id: ep.id,
        payload: { type: e.event, timestamp, data: e.data },
      }),
    );
  }
  return ids;
}

/**
 * The alert/webhook view of a store's domain event (relay/db/events.ts), or null for an
 * event no channel can subscribe to. A new DomainEvent that is in EVENT_TYPES needs a case.
 */
export function fromDomainEvent(e: DomainEvent): AppEvent | null {
  switch (e.name) {
    case 'lead.created':
      return { shop_id: e.shop_id, event: e.name, data: e.lead, timestamp: e.lead.created_at };
    case 'order.created':
      return { shop_id: e.shop_id, event: e.name, data: e.order, timestamp: e.order.created_at };
    case 'order.status_changed':
      return {
        shop_id: e.shop_id,
        event: e.name,
        data: { ...e.order, previous_status: e.previous_status },
        timestamp: e.order.updated_at,
      };
    case 'bot_user.subscribed':
      return {
        shop_id: e.shop_id,
        event: e.name,
        data: e.bot_user,
        timestamp: e.bot_user.updated_at,
      };
    case 'message.received':
      return {
        shop_id: e.shop_id,
        event: e.name,
        data: { ...e.message, bot_user: e.bot_user },
        timestamp: e.message.created_at,
      };
    default:
      return null;
  }
}

/** The handler createStores registers on the domain event bus. */
export const notifyOnEvents = (stores: EmitStores) => async (tx: Tx, e: DomainEvent) => {
  const event = fromDomainEvent(e);
  if (event) await emitInTx(tx, stores, event);
};
