import { after, START, type Cursor, type EventLog, type LoggedEvent } from './log.js';

/** After a wake that found nothing final: looks again after 50, 100, 200, 400, 800 ms. */
const CHASE_MS = 50;
const CHASE_STEPS = 5;

export type HubOptions = {
  /**
   * How often the log is read while streams are open, whatever the change feed says: this
   * relay's commits wake the hub at once, other relays' through the cluster's NOTIFY
   * (relay/events/log.ts); the poll makes good a notification lost, and an event that was not
   * final yet when the hub was woken (PostgreSQL: an older transaction still running).
   */
  pollMs?: number;
  /** Events read per query. */
  batch?: number;
};

/** Who a stream belongs to: what logout, logout everywhere or a deleted key ends. */
export type StreamOwner = { tokenId?: number; userId?: number; keyId?: number };

type Subscriber = {
  shopId: number;
  owner: StreamOwner;
  cursor: Cursor;
  /** Events the hub read while the subscriber was still catching up, delivered after. */
  buffer: LoggedEvent[] | null;
  deliver: (events: LoggedEvent[]) => void;
  end: (reason: string) => void;
};

/**
 * One relay's fan-out of the shop event log to its open streams. A single reader follows
 * the log (woken when any relay's events commit, and every `pollMs` anyway) and
 * hands each stream its own shop's events. A stream joining with a last event id first reads
 * its shop's events after it (catch-up), then goes live: what the hub read meanwhile is held
 * back and deduplicated by position, so nothing is lost or sent twice.
 */
export function createEventHub(log: EventLog, { pollMs = 1_000, batch = 500 }: HubOptions = {}) {
  const subscribers = new Set<Subscriber>();
  let cursor: Cursor | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let closed = false;
  /** Quick looks left after a wake that found nothing final yet. */
  let chase = 0;

  const deliver = (s: Subscriber, events: LoggedEvent[]) => {
    const fresh = events.filter((e) => e.shop_id === s.shopId && after(e, s.cursor));
    if (!fresh.length) return;
    s.cursor = { tx: fresh.at(-1)!.tx, id: fresh.at(-1)!.id };
    s.deliver(fresh);
  };

  /** Reads what is final after the hub's position; how many events it found. */
  const read = async (): Promise<number> => {
    let found = 0;
    for (;;) {
      if (cursor === null) return found;
      const events = await log.after(cursor, batch);
      found += events.length;
      if (!events.length) return found;
      cursor = { tx: events.at(-1)!.tx, id: events.at(-1)!.id };
      for (const s of subscribers)
        if (s.buffer) s.buffer.push(...events.filter((e) => e.shop_id === s.shopId));
        else deliver(s, events);
      if (events.length < batch) return found;
    }
  };

  /** Reads now (or right after the read in progress), and keeps polling while anyone listens. */
  const tick = () => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    if (timer) clearTimeout(timer);
    timer = null;
    running = read()
      .catch((err) => {
        console.error('event stream:', err);
        return 0;
      })
      .then((found) => {
        running = null;
        if (!subscribers.size) cursor = null;
        if (closed || !subscribers.size) return;
        if (again) {
          again = false;
          return tick();
        }
        // Woken for events it could not read yet (PostgreSQL: not final while an older
        // transaction runs): look again soon, a little later each time, then poll.
        const delay = !found && chase > 0 ? CHASE_MS * 2 ** (CHASE_STEPS - chase--) : pollMs;
        timer = setTimeout(tick, Math.min(delay, pollMs));
      });
  };

  /** Events committed (here, or on another relay): read them now. */
  const wake = () => {
    if (!subscribers.size) return;
    chase = CHASE_STEPS;
    tick();
  };
  const unwake = log.onAppended(wake);

  return {
    /**
     * Follows a shop's events after `from` (null: from now on). `deliver` gets them in order;
     * `end` is called when the hub ends the stream (revoked, relay stopping). Returns the
     * function that stops following.
     */
    async subscribe(
      shopId: number,
      owner: StreamOwner,
      from: Cursor | null,
      deliverTo: (events: LoggedEvent[]) => void,
      end: (reason: string) => void,
    ): Promise<() => void> {
      const s: Subscriber = {
        shopId,
        owner,
        cursor: from ?? START,
        buffer: [],
        deliver: deliverTo,
        end,
      };
      // The hub's position is set before this stream reads its past: whatever becomes final
      // after that, the hub reads (held back until the catch-up is done).
      if (cursor === null) cursor = await log.head();
      subscribers.add(s);
      try {
        if (from === null) s.cursor = await log.head();
        else
          for (;;) {
            const events = await log.after(s.cursor, batch, shopId);
            if (events.length) deliver(s, events);
            if (events.length < batch) break;
          }
      } finally {
        const held = s.buffer ?? [];
        s.buffer = null;
        deliver(s, held);
      }
      tick();
      return () => {
        subscribers.delete(s);
        // Nobody listens: the position would go stale; the next stream starts from the head.
        if (!subscribers.size) cursor = null;
      };
    },

    /** Reads the log now: this relay committed events, or (LISTEN/NOTIFY) another one did. */
    wake,

    /** Ends the streams of a logged-out token, a user logged out everywhere, a deleted key. */
    revoke(owner: StreamOwner, reason = 'logged out') {
      for (const s of subscribers)
        if (
          (owner.tokenId !== undefined && s.owner.tokenId === owner.tokenId) ||
          (owner.userId !== undefined && s.owner.userId === owner.userId) ||
          (owner.keyId !== undefined && s.owner.keyId === owner.keyId)
        ) {
          subscribers.delete(s);
          s.end(reason);
        }
      if (!subscribers.size) cursor = null;
    },

    /** Streams open on this relay. */
    size: () => subscribers.size,

    /** Ends every stream (the relay is stopping) and stops reading. */
    async close() {
      closed = true;
      unwake();
      if (timer) clearTimeout(timer);
      for (const s of subscribers) s.end('relay stopping');
      subscribers.clear();
      await running;
    },
  };
}
export type EventHub = ReturnType<typeof createEventHub>;
