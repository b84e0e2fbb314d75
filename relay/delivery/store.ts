import { fromJson, now, type Db } from '../db/open.js';
import type { PageQuery } from '../http/pagination.js';
import type { Delivery, DeliveryInput, DeliveryStatus } from './types.js';

export const DEFAULT_MAX_ATTEMPTS = 8;

type Row = Omit<Delivery, 'payload'> & { payload: string; lease_until: string | null };
const toDelivery = (r: Row): Delivery => ({
  id: r.id,
  shop_id: r.shop_id,
  event: r.event,
  kind: r.kind,
  channel_id: r.channel_id,
  endpoint_id: r.endpoint_id,
  bot_id: r.bot_id,
  bot_user_id: r.bot_user_id,
  chat_id: r.chat_id,
  payload: fromJson(r.payload, {}),
  status: r.status,
  attempts: r.attempts,
  max_attempts: r.max_attempts,
  next_attempt_at: r.next_attempt_at,
  last_error: r.last_error,
  remote_id: r.remote_id,
  created_at: r.created_at,
  updated_at: r.updated_at,
});

export type Attempt = {
  id: number;
  delivery_id: number;
  started_at: string;
  duration_ms: number;
  outcome: string;
  error: string | null;
  remote_id: string | null;
};

/** The end of one attempt, as the worker records it. */
export type Finish = {
  id: number;
  status: DeliveryStatus;
  startedAt: string;
  durationMs: number;
  outcome: string;
  error: string | null;
  remoteId: string | null;
  nextAttemptAt: string | null;
  chatId?: string;
};

export type DeliveryFilter = { status?: DeliveryStatus; bot_user_id?: number; event?: string };

/**
 * The outbox. Rows are written by `enqueueInTx` inside the transaction of the event that
 * caused them (so an event is never stored without its notifications, nor the reverse), and
 * moved through queued → sending → sent | failed (retry scheduled) | dead by the worker.
 */
export function createDeliveryStore(db: Db) {
  const q = {
    insert: db.prepare<Record<string, unknown>, { id: number }>(
      `INSERT INTO deliveries (shop_id, event, kind, channel_id, endpoint_id, bot_id, bot_user_id, chat_id, payload, max_attempts)
       VALUES (@shop_id, @event, @kind, @channel_id, @endpoint_id, @bot_id, @bot_user_id, @chat_id, @payload, @max_attempts)
       RETURNING id`,
    ),
    // Two index-ordered scans rather than one IN (…) that would sort every due row.
    dueQueued: db.prepare<{ now: string; limit: number }, Row>(
      `SELECT * FROM deliveries WHERE status = 'queued' AND next_attempt_at <= @now
       ORDER BY next_attempt_at, id LIMIT @limit`,
    ),
    dueFailed: db.prepare<{ now: string; limit: number }, Row>(
      `SELECT * FROM deliveries WHERE status = 'failed' AND next_attempt_at <= @now
       ORDER BY next_attempt_at, id LIMIT @limit`,
    ),
    nextDue: db.prepare<[], { at: string | null }>(
      `SELECT min(next_attempt_at) AS at FROM deliveries WHERE status IN ('queued', 'failed')`,
    ),
    claim: db.prepare<{ id: number; lease_until: string; now: string; by: string }>(
      `UPDATE deliveries SET status = 'sending', attempts = attempts + 1, lease_until = @lease_until,
         claimed_by = @by, updated_at = @now
       WHERE id = @id AND status IN ('queued', 'failed')`,
    ),
    defer: db.prepare<{ id: number; at: string }>(
      `UPDATE deliveries SET next_attempt_at = @at WHERE id = @id AND status IN ('queued', 'failed')`,
    ),
    // A claim from before claims were signed (claimed_by NULL) counts as this process's.
    reclaim: db.prepare<{ now: string; by: string }>(
      `UPDATE deliveries SET status = 'queued', lease_until = NULL, claimed_by = NULL,
         next_attempt_at = @now, updated_at = @now
       WHERE status = 'sending' AND lease_until <= @now AND (claimed_by = @by OR claimed_by IS NULL)`,
    ),
    // Claimed by a relay that is not alive: known dead, or with no fresh heartbeat row.
    requeueOrphans: db.prepare<{ now: string; stale: string; dead: string }>(
      `UPDATE deliveries SET status = 'queued', lease_until = NULL, claimed_by = NULL,
         next_attempt_at = @now, updated_at = @now
       WHERE status = 'sending' AND claimed_by IS NOT NULL AND (
         claimed_by IN (SELECT value FROM json_each(@dead))
         OR NOT EXISTS (SELECT 1 FROM relay_instances i WHERE i.id = deliveries.claimed_by
                          AND i.stopped_at IS NULL AND i.heartbeat_at >= @stale))`,
    ),
    finish: db.prepare<Record<string, unknown>>(
      `UPDATE deliveries SET status = @status, lease_until = NULL, claimed_by = NULL, last_error = @error,
         remote_id = coalesce(@remote_id, remote_id), chat_id = coalesce(@chat_id, chat_id),
         next_attempt_at = coalesce(@next_attempt_at, next_attempt_at), updated_at = @now
       WHERE id = @id AND status = 'sending' AND claimed_by IS @by`,
    ),
    attempt: db.prepare<Record<string, unknown>>(
      `INSERT INTO delivery_attempts (delivery_id, started_at, duration_ms, outcome, error, remote_id)
       VALUES (@delivery_id, @started_at, @duration_ms, @outcome, @error, @remote_id)`,
    ),
    get: db.prepare<[number], Row>(`SELECT * FROM deliveries WHERE id = ?`),
    list: db.prepare<Record<string, unknown>, Row>(
      `SELECT * FROM deliveries WHERE shop_id = @shop_id
         AND (@status IS NULL OR status = @status)
         AND (@bot_user_id IS NULL OR bot_user_id = @bot_user_id)
         AND (@event IS NULL OR event = @event)
       ORDER BY id DESC LIMIT @limit OFFSET @offset`,
    ),
    count: db.prepare<Record<string, unknown>, { n: number }>(
      `SELECT count(*) AS n FROM deliveries WHERE shop_id = @shop_id
         AND (@status IS NULL OR status = @status)
         AND (@bot_user_id IS NULL OR bot_user_id = @bot_user_id)
         AND (@event IS NULL OR event = @event)`,
    ),
    attempts: db.prepare<[number], Attempt>(
      `SELECT * FROM delivery_attempts WHERE delivery_id = ? ORDER BY id`,
    ),
    retry: db.prepare<{ id: number; now: string; max_attempts: number }, Row>(
      `UPDATE deliveries SET status = 'queued', next_attempt_at = @now, last_error = NULL,
         max_attempts = attempts + @max_attempts, updated_at = @now
       WHERE id = @id AND status IN ('failed', 'dead') RETURNING *`,
    ),
    byStatus: db.prepare<[], { status: DeliveryStatus; n: number }>(
      `SELECT status, count(*) AS n FROM deliveries GROUP BY status`,
    ),
  };

  const listeners: (() => void)[] = [];
  let notifyScheduled = false;
  /** Runs listeners once the current synchronous transaction has returned. */
  const notify = () => {
    if (notifyScheduled || listeners.length === 0) return;
    notifyScheduled = true;
    setImmediate(() => {
      notifyScheduled = false;
      for (const l of listeners) l();
    });
  };

  const enqueueInTx = (input: DeliveryInput): number => {
    notify();
    return q.insert.get({
      shop_id: input.shop_id,
      event: input.event,
      kind: input.kind,
      channel_id: input.channel_id ?? null,
      endpoint_id: input.endpoint_id ?? null,
      bot_id: input.bot_id ?? null,
      bot_user_id: input.bot_user_id ?? null,
      chat_id: input.chat_id ?? null,
      payload: JSON.stringify(input.payload),
      max_attempts: input.max_attempts ?? DEFAULT_MAX_ATTEMPTS,
    })!.id;
  };

  const claimTx = db.transaction((ids: number[], leaseUntil: string, at: string, by: string) =>
    ids.filter((id) => q.claim.run({ id, lease_until: leaseUntil, now: at, by }).changes === 1),
  );
  const deferTx = db.transaction((rows: [number, string][]) => {
    for (const [id, at] of rows) q.defer.run({ id, at });
  });
  const finishTx = db.transaction((finishes: Finish[], by: string) => {
    const at = now();
    for (const f of finishes) {
      q.finish.run({
        by,
        id: f.id,
        status: f.status,
        error: f.error,
        remote_id: f.remoteId,
        chat_id: f.chatId ?? null,
        next_attempt_at: f.nextAttemptAt,
        now: at,
      });
      q.attempt.run({
        delivery_id: f.id,
        started_at: f.startedAt,
        duration_ms: f.durationMs,
        outcome: f.outcome,
        error: f.error,
        remote_id: f.remoteId,
      });
    }
  });

  return {
    /**
     * Synchronous on purpose: call it inside the write transaction of the event
     * (`db.transaction(() => { insertLead(); outbox.enqueueInTx(…) })`).
     */
    enqueueInTx,

    /** Called (after commit) whenever rows were enqueued; the worker wakes on it. */
    onEnqueued(listener: () => void) {
      listeners.push(listener);
    },

    async enqueue(inputs: DeliveryInput[]): Promise<number[]> {
      return db.transaction(() => inputs.map(enqueueInTx)).immediate();
    },

    /** Due rows, oldest first: queued ones, then retries. */
    async due(at: string, limit: number): Promise<Delivery[]> {
      const queued = q.dueQueued.all({ now: at, limit });
      const failed =
        queued.length < limit ? q.dueFailed.all({ now: at, limit: limit - queued.length }) : [];
      return [...queued, ...failed].map(toDelivery);
    },

    /** When the next row becomes due (for the worker's sleep), or null when none waits. */
    async nextDueAt(): Promise<string | null> {
      return q.nextDue.get()!.at;
    },

    /**
     * Marks rows as being sent by relay `by` until `leaseUntil`; returns the ids this call won.
     */
    async claim(ids: number[], leaseUntil: string, by: string): Promise<number[]> {
      return ids.length ? claimTx.immediate(ids, leaseUntil, now(), by) : [];
    },

    async defer(rows: [id: number, at: string][]): Promise<void> {
      if (rows.length) deferTx.immediate(rows);
    },

    /**
     * Rows relay `by` left `sending` past their lease (a send whose end was never recorded)
     * go back to the queue. Other relays' rows are theirs while they live (requeueOrphans).
     */
    async reclaim(at: string, by: string): Promise<number> {
      return q.reclaim.run({ now: at, by }).changes;
    },

    /**
     * Rows claimed by relays that are not alive — `dead` ones, stopped ones, and those whose
     * heartbeat is older than `staleBefore` or gone — go back to the queue at once.
     */
    async requeueOrphans(staleBefore: string, dead: string[] = []): Promise<number> {
      const n = q.requeueOrphans.run({
        now: now(),
        stale: staleBefore,
        dead: JSON.stringify(dead),
      }).changes;
      if (n) notify();
      return n;
    },

    /**
     * Records finished attempts of relay `by`, many in one transaction. A row another relay
     * has taken over since (this one was taken for dead) keeps that relay's outcome.
     */
    async finish(finishes: Finish[], by: string): Promise<void> {
      if (finishes.length) finishTx.immediate(finishes, by);
    },

    async get(id: number): Promise<Delivery | undefined> {
      const row = q.get.get(id);
      return row && toDelivery(row);
    },

    async attempts(id: number): Promise<Attempt[]> {
      return q.attempts.all(id);
    },

    async list(shopId: number, filter: DeliveryFilter, page: PageQuery) {
      const params = {
        shop_id: shopId,
        status: filter.status ?? null,
        bot_user_id: filter.bot_user_id ?? null,
        event: filter.event ?? null,
      };
      return {
        count: q.count.get(params)!.n,
        rows: q.list.all({ ...params, ...page }).map(toDelivery),
      };
    },

    /** Puts a failed or dead row back in the queue with a fresh set of attempts. */
    async retry(id: number): Promise<Delivery | undefined> {
      const row = q.retry.get({ id, now: now(), max_attempts: DEFAULT_MAX_ATTEMPTS });
      if (row) notify(); // wake the worker now rather than at its next idle poll
      return row && toDelivery(row);
    },

    async countByStatus(): Promise<Record<DeliveryStatus, number>> {
      const counts = { queued: 0, sending: 0, sent: 0, failed: 0, dead: 0 };
      for (const r of q.byStatus.all()) counts[r.status] = r.n;
      return counts;
    },
  };
}
export type DeliveryStore = ReturnType<typeof createDeliveryStore>;
