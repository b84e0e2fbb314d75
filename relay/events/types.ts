import { z } from '@hono/zod-openapi';

/**
 * The events a shop can subscribe alert channels and webhook endpoints to. Names follow the
 * Standard Webhooks advice: full-stop delimited, hierarchical, `[a-z_]` identifiers.
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#event-types
 */
export const EVENT_TYPES = [
  'lead.created',
  'order.created',
  'order.status_changed',
  'bot_user.subscribed',
  'message.received',
] as const;
export const EventType = z.enum(EVENT_TYPES).openapi({ example: 'lead.created' });
export type EventType = z.infer<typeof EventType>;

/** A subscription list: at least one event, each once. */
export const EventList = z
  .array(EventType)
  .min(1)
  .max(EVENT_TYPES.length)
  .refine((list) => new Set(list).size === list.length, 'List each event once.')
  .openapi({ example: ['lead.created', 'order.created'] });

/**
 * One event as the fan-out sees it. `data` is the API object the event is about (the lead,
 * the order — with `previous_status` for a status change —, the bot user), exactly as the
 * management API returns it: webhook consumers get the same shape they can GET.
 */
export type AppEvent = {
  shop_id: number;
  /** `alert.test`: POST /api/notifications/channels/:id/test/, to one channel only. */
  event: EventType | 'alert.test';
  data: Record<string, unknown>;
  /** When the event happened (defaults to now); the webhook body's `timestamp`. */
  timestamp?: string;
};
