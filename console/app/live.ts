import { session } from './session.js';

/**
 * Live updates: the relay's shop event stream (GET /api/events/stream/, server-sent events).
 * Read with fetch() and a streamed body, not EventSource: EventSource cannot send the
 * `Authorization` header, and the token must not travel in a URL (history, logs). The
 * reader parses `text/event-stream`, resumes after a dropped connection or a relay restart
 * with the last event id (the relay replays what happened meanwhile), and stops for good
 * when the relay says the token was logged out or on `stopLive()` (sign-out).
 *
 * One connection per shop, shared by the pages that listen (ref-counted), so a page switch
 * keeps the stream and its position.
 */
export type LiveEventType =
  | 'lead.created'
  | 'message.created'
  | 'message.received'
  | 'order.created'
  | 'order.status_changed'
  | 'bot_user.subscribed'
  | 'bot.chat_updated'
  | 'flow.updated';
/** `reset`: events were missed and cannot be replayed (reload what you show). */
export type LiveEvent = { id: string; type: LiveEventType | 'reset'; data: any };
export type LiveState = 'connecting' | 'live' | 'retrying' | 'stopped';

type Listener = { types: ReadonlySet<string>; onEvent: (e: LiveEvent) => void };

/** The longest wait between reconnection attempts. */
const MAX_RETRY_MS = 15_000;

class ShopStream {
  readonly listeners = new Set<Listener>();
  state: LiveState = 'connecting';
  private lastId = '';
  private retryMs = 1_000;
  private abort: AbortController | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly shopId: number,
    private readonly onState: () => void,
  ) {
    void this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort?.abort();
    this.setState('stopped');
  }

  private setState(state: LiveState) {
    if (this.state === state) return;
    this.state = state;
    this.onState();
  }

  private emit(e: LiveEvent) {
    for (const l of this.listeners) if (e.type === 'reset' || l.types.has(e.type)) l.onEvent(e);
  }

  private async connect() {
    const token = session()?.token;
    if (this.stopped || !token) return this.stop();
    this.abort = new AbortController();
    let ended = '';
    try {
      const res = await fetch(`/api/events/stream/?shop_id=${this.shopId}`, {
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'text/event-stream',
          ...(this.lastId ? { 'Last-Event-ID': this.lastId } : {}),
        },
        signal: this.abort.signal,
        cache: 'no-store',
      });
      // 401/403/404: this token cannot follow this shop (any more); the shell handles 401s
      // of ordinary calls, so a stream just stops.
      if (res.status >= 400 && res.status < 500) return this.stop();
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, '\n');
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const frame = this.frame(buffer.slice(0, at));
          buffer = buffer.slice(at + 2);
          if (frame?.event === 'end') ended = frame.data?.reason ?? 'ended';
        }
      }
    } catch {
      if (this.stopped) return;
    }
    // Logged out (here or everywhere): reconnecting with the same token is pointless.
    if (ended === 'logged out' || ended === 'access removed') return this.stop();
    if (this.stopped) return;
    this.setState('retrying');
    this.timer = setTimeout(() => void this.connect(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }

  /** One `event:`/`data:`/`id:`/`retry:` block of the stream. */
  private frame(block: string): { event: string; data: any } | null {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      const m = /^([a-z]+): ?(.*)$/.exec(line);
      if (!m) continue;
      if (m[1] === 'data') data.push(m[2]);
      else if (m[1] === 'event') event = m[2];
      else if (m[1] === 'id') id = m[2];
      else if (m[1] === 'retry' && Number(m[2]) > 0) this.retryMs = Number(m[2]);
    }
    if (!data.length) return null;
    let parsed: any;
    try {
      parsed = JSON.parse(data.join('\n'));
    } catch {
      return null;
    }
    if (event === 'ready') {
      this.retryMs = Math.min(this.retryMs, 3_000);
      this.setState('live');
    } else if (event === 'reset') this.emit({ id: '', type: 'reset', data: null });
    else if (id) {
      this.lastId = id;
      this.emit({ id, type: event as LiveEventType, data: parsed.data });
    }
    return { event, data: parsed };
  }
}

const streams = new Map<number, ShopStream>();
const stateListeners = new Set<(state: LiveState) => void>();
let watchedShop = 0;

const notifyState = () => {
  const state = streams.get(watchedShop)?.state ?? 'stopped';
  for (const fn of stateListeners) fn(state);
};

/** Calls `onEvent` for the shop's events of `types` (and `reset`); returns the unsubscribe function. */
export function subscribe(
  shopId: number,
  types: readonly LiveEventType[],
  onEvent: (event: LiveEvent) => void,
): () => void {
  let stream = streams.get(shopId);
  if (!stream || stream.state === 'stopped') {
    stream = new ShopStream(shopId, notifyState);
    streams.set(shopId, stream);
  }
  watchedShop = shopId;
  const listener: Listener = { types: new Set(types), onEvent };
  stream.listeners.add(listener);
  notifyState();
  const mine = stream;
  return () => {
    mine.listeners.delete(listener);
    // Kept open a little while: the next page of the same shop usually listens at once.
    setTimeout(() => {
      if (!mine.listeners.size && streams.get(shopId) === mine) {
        mine.stop();
        streams.delete(shopId);
      }
    }, 5_000);
  };
}

/** The state of the stream of the shop pages listen to ('live', 'retrying'…); returns the unsubscribe function. */
export function onLiveState(fn: (state: LiveState) => void): () => void {
  stateListeners.add(fn);
  fn(streams.get(watchedShop)?.state ?? 'stopped');
  return () => stateListeners.delete(fn);
}

/** Ends every stream: the person signed out. */
export function stopLive() {
  for (const s of streams.values()) s.stop();
  streams.clear();
}
