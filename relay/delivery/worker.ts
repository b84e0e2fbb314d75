import { backoffMs } from './backoff.js';
import { createPacer } from './pacer.js';
import type { ClaimedDelivery, ClaimScope, DeliveryStore, Finish } from './store.js';
import type { ChannelAdapter, Delivery, SendResult } from './types.js';

export type WorkerHooks = {
  /** The recipient blocked the bot or was deactivated (Telegram 403). */
  onRecipientGone?: (d: Delivery) => void | Promise<void>;
  /** The chat got a new id (Telegram `migrate_to_chat_id`). */
  onChatMigrated?: (d: Delivery, chatId: string) => void | Promise<void>;
  /** Every finished attempt, for metrics. */
  onAttempt?: (d: Delivery, result: SendResult, durationMs: number) => void;
};

export type WorkerOptions = {
  store: DeliveryStore;
  /** This relay process (relay/instances/heartbeat.ts): it signs its claims. */
  instanceId: string;
  adapters: ChannelAdapter[];
  hooks?: WorkerHooks;
  /** Rows examined per pass. */
  batchSize?: number;
  /** Sends in flight at once, over all channels. */
  concurrency?: number;
  /** How far ahead a paced send may be scheduled; later rows stay in the queue. */
  horizonMs?: number;
  /**
   * A row this process claimed but did not finish this long after its slot is reclaimed (its
   * end was never recorded). Rows of a relay that died are requeued sooner, by the heartbeat.
   */
  leaseMs?: number;
  sendTimeoutMs?: number;
  /** Longest sleep when the queue is empty; `nudge()` wakes the worker sooner. */
  idleMs?: number;
  /** Delay before retry n of a transient failure without Retry-After (tests shorten it). */
  backoff?: (attempt: number) => number;
  /**
   * PostgreSQL: which rows this relay may claim, asked before every claim (the bots it owns,
   * relay/cluster/ownership.ts). Absent or null: every row.
   */
  scope?: () => ClaimScope | null;
  now?: () => number;
};

const iso = (t: number) => new Date(t).toISOString();

/**
 * The outbox worker: claims due rows, paces them per adapter rules, sends, records every
 * attempt, retries transient failures with backoff (or exactly when the messenger says), and
 * moves rows to `dead` after their last attempt. One worker per relay process.
 */
export function createWorker(opts: WorkerOptions) {
  const {
    store,
    instanceId,
    hooks = {},
    batchSize = 500,
    concurrency = 64,
    horizonMs = 1_000,
    leaseMs = 60_000,
    sendTimeoutMs = 15_000,
    idleMs = 1_000,
    backoff = backoffMs,
    scope = () => null,
    now = Date.now,
  } = opts;
  const adapters = new Map(opts.adapters.map((a) => [a.kind, a]));
  const kinds = [...adapters.keys()];
  const pacer = createPacer();
  // SQLite (one relay): read due rows, pace them, claim what goes now. PostgreSQL (relays
  // sharing the queue): claim rows first, none that another relay is taking, pace them and
  // give back what cannot go yet — no more than there are free slots.
  const claimsFirst = store.engine === 'postgres';
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let ticking = false;
  let again = false;
  let inFlight = 0;
  const pending: Finish[] = [];
  let flushScheduled = false;
  const idleWaiters: (() => void)[] = [];
  let lastReclaim = 0;
  /** Sends claimed and not yet recorded, per bot: a bot handed to another relay waits for them. */
  const busyBots = new Map<number, number>();
  const busy = (botId: number | null, n: number) => {
    if (botId === null) return;
    const left = (busyBots.get(botId) ?? 0) + n;
    if (left > 0) busyBots.set(botId, left);
    else busyBots.delete(botId);
  };

  const schedule = (ms: number) => {
    if (!running) return;
    clearTimeout(timer);
    timer = setTimeout(() => void tick(), Math.max(0, ms));
  };

  async function tick(): Promise<void> {
    if (!running) return;
    if (ticking) {
      again = true;
      return;
    }
    ticking = true;
    try {
      const t = now();
      if (t - lastReclaim > leaseMs / 4) {
        lastReclaim = t;
        await store.reclaim(iso(t), instanceId);
      }
      const room = concurrency - inFlight;
      if (room <= 0) return; // a finishing send ticks again
      // Read a few rows per free slot, not a whole batch: a tick runs after every flush of
      // finished sends, and reading (and parsing) 500 rows to fill a handful of slots is waste.
      // Two per slot still lets rows of a saturated chat be stepped aside in the same pass.
      const limit = Math.min(batchSize, Math.max(room * 2, 32));
      const rows = claimsFirst
        ? await store.claimDue(room, horizonMs + leaseMs, instanceId, kinds, scope())
        : await store.due(iso(t), limit);
      const chosen: { d: Delivery; at: number; adapter: ChannelAdapter }[] = [];
      const deferred: [Delivery, number][] = [];
      for (const d of rows) {
        const adapter = adapters.get(d.kind);
        if (!adapter) {
          deferred.push([d, t + 60_000]);
          continue;
        }
        const paces = adapter.pace(d);
        // An earlier row of this chat waits for a slot: this one goes after it, never before.
        const after = pacer.behind(paces, d.id, t);
        const at = after ?? pacer.readyAt(paces, t);
        if (after !== null || at - t > horizonMs) {
          // This chat or bot is saturated: step the row out of the due window so others go
          // first (but no later row of its chat).
          deferred.push([d, at]);
          pacer.wait(paces, at, d.id, t);
          continue;
        }
        if (chosen.length >= room) break;
        pacer.take(paces, at, d.id);
        chosen.push({ d, at, adapter });
      }
      let won: Set<number>;
      if (claimsFirst) {
        await store.release(
          deferred.map(([d, at]) => [d as ClaimedDelivery, at]),
          instanceId,
        );
        won = new Set(chosen.map((c) => c.d.id));
      } else {
        await store.defer(deferred.map(([d, at]) => [d.id, iso(at)]));
        const lease = iso(Math.max(t, ...chosen.map((c) => c.at)) + leaseMs);
        won = new Set(
          await store.claim(
            chosen.map((c) => c.d.id),
            lease,
            instanceId,
          ),
        );
      }
      for (const c of chosen) {
        if (!won.has(c.d.id)) continue;
        inFlight += 1;
        busy(c.d.bot_id, 1);
        const send = () =>
          void attempt(c.adapter, {
            ...c.d,
            attempts: claimsFirst ? c.d.attempts : c.d.attempts + 1,
            status: 'sending',
          });
        if (c.at > t) setTimeout(send, c.at - t);
        else send();
      }
      pacer.sweep(t);
      if (rows.length === (claimsFirst ? room : limit) && chosen.length + deferred.length > 0)
        again = true;
    } catch (err) {
      console.error('delivery worker:', err);
    } finally {
      ticking = false;
      if (again) {
        again = false;
        schedule(0);
      } else {
        // PostgreSQL: only rows this relay may claim, by the database's clock; rows of bots
        // other relays own would otherwise wake it for nothing.
        const next = claimsFirst
          ? await store.nextDueIn(scope()).catch(() => null)
          : await store.nextDueAt().then(
              (at) => (at ? Date.parse(at) - now() : null),
              () => null,
            );
        const wait = next !== null ? Math.min(idleMs, next) : idleMs;
        schedule(Math.max(wait, inFlight >= concurrency ? idleMs : 5));
      }
      if (inFlight === 0 && !again) idleWaiters.splice(0).forEach((w) => w());
    }
  }

  async function attempt(adapter: ChannelAdapter, d: Delivery): Promise<void> {
    const started = now();
    let result: SendResult;
    try {
      result = await adapter.send(d, AbortSignal.timeout(sendTimeoutMs));
    } catch (err) {
      result = { ok: false, retry: true, error: err instanceof Error ? err.message : String(err) };
    }
    const duration = now() - started;
    hooks.onAttempt?.(d, result, duration);
    let finish: Finish;
    if (result.ok) {
      finish = base(d, started, duration, 'sent', 'sent', null, result.remoteId ?? null, null);
    } else {
      if (result.recipientGone) await Promise.resolve(hooks.onRecipientGone?.(d)).catch(() => {});
      let chatId: string | undefined;
      let retry = result.retry && d.attempts < d.max_attempts;
      let delay = result.retryAfterMs ?? backoff(d.attempts);
      if (result.migrateToChatId) {
        chatId = result.migrateToChatId;
        await Promise.resolve(hooks.onChatMigrated?.(d, chatId)).catch(() => {});
        retry = d.attempts < d.max_attempts;
        delay = 0;
      }
      if (result.retryAfterMs !== undefined) {
        const paces = adapter.pace(d);
        const narrowest = paces[paces.length - 1];
        if (narrowest) pacer.block(narrowest, now() + result.retryAfterMs);
      }
      finish = base(
        d,
        started,
        duration,
        retry ? 'failed' : 'dead',
        result.retry ? 'transient_error' : 'permanent_error',
        result.error,
        null,
        retry ? delay : null,
      );
      if (chatId) finish.chatId = chatId;
    }
    pending.push(finish);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  }

  async function flush() {
    flushScheduled = false;
    const batch = pending.splice(0);
    try {
      await store.finish(batch, instanceId);
    } catch (err) {
      // Not recorded: the rows stay `sending` and are reclaimed after their lease (at-least-once).
      console.error('delivery worker: could not record attempts:', err);
    }
    inFlight -= batch.length;
    for (const f of batch) busy(f.botId, -1);
    schedule(0);
  }

  const base = (
    d: Delivery,
    started: number,
    durationMs: number,
    status: Finish['status'],
    outcome: string,
    error: string | null,
    remoteId: string | null,
    retryInMs: number | null,
  ): Finish => ({
    id: d.id,
    botId: d.bot_id,
    status,
    startedAt: iso(started),
    durationMs,
    outcome,
    error,
    remoteId,
    nextAttemptAt: retryInMs === null ? null : iso(now() + retryInMs),
    retryInMs,
  });

  return {
    start() {
      if (running) return;
      running = true;
      lastReclaim = 0;
      schedule(0);
    },
    /** New rows were committed: look now rather than at the next poll. */
    nudge() {
      if (running) setImmediate(() => void tick());
    },
    /** Stops claiming; resolves when sends in flight have been recorded. */
    async stop() {
      running = false;
      clearTimeout(timer);
      while (inFlight > 0 || ticking) await new Promise((r) => setTimeout(r, 10));
    },
    /** Resolves when nothing is in flight and no row is due (for tests and benches). */
    async drained(timeoutMs = 30_000): Promise<void> {
      const deadline = now() + timeoutMs;
      for (;;) {
        const due = await store.due(iso(now() + 1), 1);
        if (inFlight === 0 && due.length === 0) return;
        if (now() > deadline) throw new Error('delivery worker did not drain in time');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    get inFlight() {
      return inFlight;
    },
    /**
     * Resolves once no send of `botId` is in flight or waiting for its slot (the relay is
     * handing the bot to another one, which must not send alongside it).
     */
    async botIdle(botId: number): Promise<void> {
      while (busyBots.has(botId)) await new Promise((r) => setTimeout(r, 10));
    },
  };
}
export type Worker = ReturnType<typeof createWorker>;
