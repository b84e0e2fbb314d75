/**
 * PHASE 2 SEAM — live updates. Issue 14 adds an authenticated, shop-scoped server-sent event
 * stream to the relay (leads as they arrive, messages, saves by others, with Last-Event-ID
 * catch-up). Until it exists, `subscribe` delivers nothing and pages refresh on demand (a
 * Refresh button); pages already subscribe, so wiring the stream here is the whole change:
 * a fetch()-based reader (EventSource cannot send the Authorization header) that parses
 * `text/event-stream`, reconnects with the last event id, and closes on sign-out.
 */
export type LiveEventType = 'lead.created' | 'message.received' | 'order.status_changed';
export type LiveEvent = { id: string; type: LiveEventType; data: unknown };

/** Calls `onEvent` for the shop's events of `types`; returns the unsubscribe function. */
export function subscribe(
  _shopId: number,
  _types: readonly LiveEventType[],
  _onEvent: (event: LiveEvent) => void,
): () => void {
  return () => {};
}
