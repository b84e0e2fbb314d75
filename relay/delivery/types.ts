/** A notification waiting in (or moving through) the outbox. */
export type Delivery = {
  id: number;
  shop_id: number;
  event: string;
  /** Which adapter sends it: `telegram`, `sandbox`, `webhook`, … */
  kind: string;
  channel_id: number | null;
  endpoint_id: number | null;
  bot_id: number | null;
  bot_user_id: number | null;
  chat_id: string | null;
  payload: Record<string, unknown>;
  status: DeliveryStatus;
  attempts: number;
  max_attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  remote_id: string | null;
  created_at: string;
  updated_at: string;
};

/**
 * `delivered` and `read` follow `sent` when the messenger reports them (WhatsApp's status
 * webhooks); `dead` may also follow `sent` when it reports the message failed after all.
 */
export const DELIVERY_STATUSES = [
  'queued',
  'sending',
  'sent',
  'delivered',
  'read',
  'failed',
  'dead',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** What a caller puts into the outbox (in the same transaction as the event that caused it). */
export type DeliveryInput = {
  shop_id: number;
  event: string;
  kind: string;
  payload: Record<string, unknown>;
  channel_id?: number | null;
  endpoint_id?: number | null;
  bot_id?: number | null;
  bot_user_id?: number | null;
  chat_id?: string | null;
  max_attempts?: number;
};

/** The outcome of one send, as an adapter reports it. The worker decides what happens next. */
export type SendResult =
  | { ok: true; remoteId?: string }
  | {
      ok: false;
      error: string;
      /** Transient (network, 5xx, 429): try again later. False: the message can never go. */
      retry: boolean;
      /** The messenger said exactly when to retry (Telegram's `retry_after`). */
      retryAfterMs?: number;
      /** The recipient blocked the bot or was deactivated: unsubscribe them. */
      recipientGone?: boolean;
      /** The chat moved (Telegram group → supergroup): use this id from now on. */
      migrateToChatId?: string;
    };

/**
 * A pacing rule: one send per `intervalMs` under `key` on average, with up to `burst` sends
 * (default 1: evenly spaced) allowed ahead of that pace, borrowed from the time after.
 */
export type Pace = { key: string; intervalMs: number; burst?: number };

/**
 * A messenger or webhook adapter. The worker knows nothing else about channels: it asks the
 * adapter how to pace a delivery and then to send it.
 */
export type ChannelAdapter = {
  kind: string;
  /** Pacing keys for this delivery (per bot, per chat …); none means unpaced. */
  pace(delivery: Delivery): Pace[];
  send(delivery: Delivery, signal: AbortSignal): Promise<SendResult>;
};
