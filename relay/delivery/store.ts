import { fromJson, now, type Db } from '../db/open.js';
import { pgAfterMs } from '../db/dialect.js';
import { sql, type Tx } from '../db/sql.js';
import type { Staleness } from '../instances/store.js';
import type { PageQuery } from '../http/pagination.js';
import {
  DELIVERY_STATUSES,
  type Delivery,
  type DeliveryInput,
  type DeliveryStatus,
} from './types.js';

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
  /** The row's bot, for the worker's count of sends in flight per bot. */
  botId: number | null;
  status: DeliveryStatus;
  startedAt: string;
  durationMs: number;
  outcome: string;
  error: string | null;
  remoteId: string | null;
  nextAttemptAt: string | null;
  /** The same retry as a delay: PostgreSQL adds it to the database's clock. */
  retryInMs: number | null;
  chatId?: string;
};

/**
 * Which rows a relay may claim on PostgreSQL: rows of the messenger `kinds` only when their
 * bot is one of `bots` (the bots this relay owns, relay/cluster/ownership.ts), so that one
 * relay alone paces each bot; rows of other kinds (webhooks, the sandbox) and rows whose bot
 * is gone, whoever claims first.
 */
export type ClaimScope = { kinds: readonly string[]; bots: readonly number[] };

export type DeliveryFilter = { status?: DeliveryStatus; bot_user_id?: number; event?: string };

type Claimed = Row & { was: 'queued' | 'failed' };

/**
 * A row of a messenger kind is in scope when its bot is listed (or gone). PostgreSQL only:
 * the lists are arrays (`pg` sends a JS array as one).
 */
const inScope = `kind <> ALL (@kinds::text[]) OR bot_id IS NULL OR bot_id = ANY (@bots::bigint[])`;
const scopeParams = (scope: ClaimScope | null) => ({
  kinds: [...(scope?.kinds ?? [])],
  bots: [...(scope?.bots ?? [])],
});

const q = {
  insert: sql<Record<string, unknown>, { id: number }>(
    `INSERT INTO deliveries (shop_id, event, kind, channel_id, endpoint_id, bot_id, bot_user_id, chat_id, payload, max_attempts)
     VALUES (@shop_id, @event, @kind, @channel_id, @endpoint_id, @bot_id, @bot_user_id, @chat_id, @payload, @max_attempts)
     RETURNING id`,
  ),
  // Two index-ordered scans rather than one IN (…) that would sort every due row.
  dueQueued: sql<{ now: string; limit: number }, Row>(
    `SELECT * FROM deliveries WHERE status = 'queued' AND next_attempt_at <= @now
     ORDER BY next_attempt_at, id LIMIT @limit`,
  ),
  dueFailed: sql<{ now: string; limit: number }, Row>(
    `SELECT * FROM deliveries WHERE status = 'failed' AND next_attempt_at <= @now
     ORDER BY next_attempt_at, id LIMIT @limit`,
  ),
  nextDue: sql<undefined, { at: string | null }>(
    `SELECT min(next_attempt_at) AS at FROM deliveries WHERE status IN ('queued', 'failed')`,
  ),
  claim: sql<{ id: number; lease_until: string; now: string; by: string }, never>(
    `UPDATE deliveries SET status = 'sending', attempts = attempts + 1, lease_until = @lease_until,
       claimed_by = @by, updated_at = @now
     WHERE id = @id AND status IN ('queued', 'failed')`,
  ),
  // PostgreSQL, several relays: each takes due rows no other relay is taking at this moment
  // (SKIP LOCKED), in its scope, in one statement; `was` lets a row it cannot send yet go
  // back as it was. Due and leased by the database's clock. Only rows of the kinds it has an
  // adapter for (`adapters`): another kind is no business of its own, and a claimed row
  // reads as `sending` in the API until given back.
  claimDue: sql<
    {
      limit: number;
      lease_ms: number;
      by: string;
      adapters: string[];
      kinds: string[];
      bots: number[];
    },
    Claimed
  >(
    `WITH due AS (
       SELECT id, status AS was FROM deliveries
       WHERE status IN ('queued', 'failed') AND next_attempt_at <= now()
         AND kind = ANY (@adapters::text[]) AND (${inScope})
       ORDER BY next_attempt_at, id LIMIT @limit
       FOR UPDATE SKIP LOCKED)
     UPDATE deliveries d SET status = 'sending', attempts = d.attempts + 1,
       lease_until = ${pgAfterMs('@lease_ms')}, claimed_by = @by, updated_at = now()
     FROM due WHERE d.id = due.id
     RETURNING d.*, due.was`,
  ),
  nextDueInScope: sql<{ kinds: string[]; bots: number[] }, { ms: number | null }>(
    `SELECT extract(epoch FROM min(next_attempt_at) - now()) * 1000 AS ms FROM deliveries
     WHERE status IN ('queued', 'failed') AND (${inScope})`,
  ),
  release: sql<{ id: number; was: string; at: string; by: string }, never>(
    `UPDATE deliveries SET status = @was, attempts = attempts - 1, lease_until = NULL,
       claimed_by = NULL, next_attempt_at = @at
     WHERE id = @id AND status = 'sending' AND claimed_by = @by`,
  ),
  defer: sql<{ id: number; at: string }, never>(
    `UPDATE deliveries SET next_attempt_at = @at WHERE id = @id AND status IN ('queued', 'failed')`,
  ),
  // A claim from before claims were signed (claimed_by NULL) counts as this process's.
  reclaim: sql<{ now: string; by: string }, never>({
    sqlite: `UPDATE deliveries SET status = 'queued', lease_until = NULL, claimed_by = NULL,
               next_attempt_at = @now, updated_at = @now
             WHERE status = 'sending' AND lease_until <= @now
               AND (claimed_by = @by OR claimed_by IS NULL)`,
    postgres: `UPDATE deliveries SET status = 'queued', lease_until = NULL, claimed_by = NULL,
                 next_attempt_at = now(), updated_at = now()
               WHERE status = 'sending' AND lease_until <= now()
                 AND (claimed_by = @by OR claimed_by IS NULL)`,
  }),
  // Claimed by a relay that is not alive: known dead, or with no fresh heartbeat row.
  // Instance ids are text: `dead` is a JSON array of strings.
  requeueOrphans: sql<{ now: string; stale: string; stale_ms: number; dead: string }, never>({
    sqlite: `UPDATE deliveries SET status = 'queued', lease_until = NULL, claimed_by = NULL,
               next_attempt_at = @now, updated_at = @now
             WHERE status = 'sending' AND claimed_by IS NOT NULL AND (
               claimed_by IN (SELECT value FROM json_each(@dead))
               OR NOT EXISTS (SELECT 1 FROM relay_instances i WHERE i.id = deliveries.claimed_by
                                AND i.stopped_at IS NULL AND i.heartbeat_at >= @stale))`,
    postgres: `UPDATE deliveries SET status = 'queued', lease_until = NULL, claimed_by = NULL,
                 next_attempt_at = now(), updated_at = now()
               WHERE status = 'sending' AND claimed_by IS NOT NULL AND (
                 claimed_by IN (SELECT value FROM jsonb_array_elements_text(@dead::jsonb) AS j(value))
                 OR NOT EXISTS (SELECT 1 FROM relay_instances i WHERE i.id = deliveries.claimed_by
                                  AND i.stopped_at IS NULL
                                  AND i.heartbeat_at >= ${pgAfterMs('-@stale_ms')}))`,
  }),
  finish: sql<Record<string, unknown>, never>({
    sqlite: `UPDATE deliveries SET status = @status, lease_until = NULL, claimed_by = NULL, last_error = @error,
               remote_id = coalesce(@remote_id, remote_id), chat_id = coalesce(@chat_id, chat_id),
               next_attempt_at = coalesce(@next_attempt_at, next_attempt_at), updated_at = @now
             WHERE id = @id AND status = 'sending' AND claimed_by IS NOT DISTINCT FROM @by`,
    postgres: `UPDATE deliveries SET status = @status, lease_until = NULL, claimed_by = NULL, last_error = @error,
                 remote_id = coalesce(@remote_id, remote_id), chat_id = coalesce(@chat_id, chat_id),
                 next_attempt_at = coalesce(${pgAfterMs('@retry_ms')}, next_attempt_at),
                 updated_at = now()
               WHERE id = @id AND status = 'sending' AND claimed_by IS NOT DISTINCT FROM @by`,
  }),
  attempt: sql<Record<string, unknown>, never>(
    `INSERT INTO delivery_attempts (delivery_id, started_at, duration_ms, outcome, error, remote_id)
     VALUES (@delivery_id, @started_at, @duration_ms, @outcome, @error, @remote_id)`,
  ),
  get: sql<number, Row>(`SELECT * FROM deliveries WHERE id = ?`),
  clock: sql<undefined, { ms: number }>(
    `SELECT extract(epoch FROM clock_timestamp()) * 1000 AS ms`,
  ),
  // `@p IS NULL` after the comparison that types `@p` (PostgreSQL cannot type it from IS NULL).
  list: sql<Record<string, unknown>, Row>(
    `SELECT * FROM deliveries WHERE shop_id = @shop_id
       AND (status = @status OR @status IS NULL)
       AND (bot_user_id = @bot_user_id OR @bot_user_id IS NULL)
       AND (event = @event OR @event IS NULL)
     ORDER BY id DESC LIMIT @limit OFFSET @offset`,
  ),
  count: sql<Record<string, unknown>, { n: number }>(
    `SELECT count(*) AS n FROM deliveries WHERE shop_id = @shop_id
       AND (status = @status OR @status IS NULL)
       AND (bot_user_id = @bot_user_id OR @bot_user_id IS NULL)
       AND (event = @event OR @event IS NULL)`,
  ),
  attempts: sql<number, Attempt>(
    `SELECT * FROM delivery_attempts WHERE delivery_id = ? ORDER BY id`,
  ),
  retry: sql<{ id: number; now: string; max_attempts: number }, Row>(
    `UPDATE deliveries SET status = 'queued', next_attempt_at = @now, last_error = NULL,
       max_attempts = attempts + @max_attempts, updated_at = @now
     WHERE id = @id AND status IN ('failed', 'dead') RETURNING *`,
  ),
  // Receipts only move a sent message on (sent → delivered → read, or → dead when it failed
  // after all), never back: a late or repeated one changes nothing.
  receipt: sql<
    { bot_id: number; remote_id: string; status: string; error: string | null; now: string },
    { id: number; bot_user_id: number | null }
  >(
    `UPDATE deliveries SET status = @status, updated_at = @now,
       last_error = CASE WHEN @status = 'dead' THEN @error ELSE last_error END
     WHERE bot_id = @bot_id AND remote_id = @remote_id
       AND (status = 'sent' OR (status = 'delivered' AND @status <> 'delivered'))
     RETURNING id, bot_user_id`,
  ),
  byRemote: sql<{ bot_id: number; remote_id: string }, { id: number }>(
    `SELECT id FROM deliveries WHERE bot_id = @bot_id AND remote_id = @remote_id`,
  ),
  byStatus: sql<undefined, { status: DeliveryStatus; n: number }>(
    `SELECT status, count(*) AS n FROM deliveries GROUP BY status`,
  ),
};

/** A row taken by `claimDue`, and what it was before (to put it back unsent). */
export type ClaimedDelivery = Delivery & { was: 'queued' | 'failed' };

/**
 * The outbox. Rows are written by `enqueueInTx` inside the transaction of the event that
 * caused them (so an event is never stored without its notifications, nor the reverse), and
 * moved through queued → sending → sent | failed (retry scheduled) | dead by the worker.
 *
 * Claims: on SQLite (one relay per file) the worker reads due rows, paces them, then claims
 * those it will send (`due`, `defer`, `claim`). On PostgreSQL several relays share the queue:
 * each claims due rows in one statement that skips rows another relay is claiming
 * (`claimDue`), and gives back those its pacing cannot send yet (`release`).
 */
export function createDeliveryStore(db: Db) {
  const listeners: (() => void)[] = [];
  let notifyScheduled = false;
  /** Runs listeners once (per turn of the event loop), after the enqueuing commit. */
  const notify = () => {
    if (notifyScheduled || listeners.length === 0) return;
    notifyScheduled = true;
    setImmediate(() => {
      notifyScheduled = false;
      for (const l of listeners) l();
    });
  };
  /**
   * PostgreSQL: the database's clock minus this process's, measured now and then. Rows given
   * back for one pacing slot must be due at one instant, whichever tick gave them back, so
   * that a chat's messages keep their order (ties go by id): the offset changes only when the
   * clocks drift apart, not with each measurement's jitter.
   */
  let offset = { ms: 0, at: -Infinity };
  const clockOffset = async () => {
    const t = Date.now();
    if (t - offset.at < 60_000) return offset.ms;
    const dbMs = (await db.get(q.clock))!.ms;
    const measured = Math.round(dbMs - (t + Date.now()) / 2);
    offset = { ms: Math.abs(measured - offset.ms) > 25 ? measured : offset.ms, at: t };
    return offset.ms;
  };

  /** Transactions that will wake the worker when they commit: one wake-up each. */
  const waking = new WeakSet<Tx>();

  const enqueueInTx = async (tx: Tx, input: DeliveryInput): Promise<number> => {
    if (!waking.has(tx)) {
      waking.add(tx);
      // The worker must not look before the rows are visible to it.
      tx.afterCommit(notify);
    }
    const row = await tx.get(q.insert, {
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
    });
    return row!.id;
  };

  return {
    engine: db.engine,

    /**
     * Call it inside the write transaction of the event (`db.tx(async (tx) => { …insert the
     * lead…; await deliveries.enqueueInTx(tx, …) })`); the worker is woken after commit.
     */
    enqueueInTx,

    /** Called (after commit) whenever rows were enqueued; the worker wakes on it. */
    onEnqueued(listener: () => void) {
      listeners.push(listener);
    },

    async enqueue(inputs: DeliveryInput[]): Promise<number[]> {
      return db.tx(async (tx) => {
        const ids: number[] = [];
        for (const input of inputs) ids.push(await enqueueInTx(tx, input));
        return ids;
      });
    },

    /** Due rows, oldest first: queued ones, then retries. Reads only. */
    async due(at: string, limit: number): Promise<Delivery[]> {
      const queued = await db.all(q.dueQueued, { now: at, limit });
      const failed =
        queued.length < limit
          ? await db.all(q.dueFailed, { now: at, limit: limit - queued.length })
          : [];
      return [...queued, ...failed].map(toDelivery);
    },

    /** When the next row becomes due (for the worker's sleep), or null when none waits. */
    async nextDueAt(): Promise<string | null> {
      return (await db.get(q.nextDue))?.at ?? null;
    },

    /**
     * Marks rows as being sent by relay `by` until `leaseUntil`; returns the ids this call won.
     * One conditional UPDATE per row: a row another relay claimed first is not won.
     */
    async claim(ids: number[], leaseUntil: string, by: string): Promise<number[]> {
      if (!ids.length) return [];
      const at = now();
      return db.tx(async (tx) => {
        const won: number[] = [];
        for (const id of ids)
          if ((await tx.run(q.claim, { id, lease_until: leaseUntil, now: at, by })).changes === 1)
            won.push(id);
        return won;
      });
    },

    /**
     * PostgreSQL: claims up to `limit` due rows of the `adapters` kinds in `scope` (null:
     * every row), oldest first, for relay `by` for `leaseMs`, skipping rows other relays are
     * claiming meanwhile.
     */
    async claimDue(
      limit: number,
      leaseMs: number,
      by: string,
      adapters: readonly string[],
      scope: ClaimScope | null,
    ): Promise<ClaimedDelivery[]> {
      const rows = await db.all(q.claimDue, {
        limit,
        lease_ms: leaseMs,
        by,
        adapters: [...adapters],
        ...scopeParams(scope),
      });
      // RETURNING keeps no order.
      rows.sort((a, b) =>
        a.next_attempt_at === b.next_attempt_at
          ? a.id - b.id
          : a.next_attempt_at < b.next_attempt_at
            ? -1
            : 1,
      );
      return rows.map((r) => ({ ...toDelivery(r), was: r.was }));
    },

    /**
     * PostgreSQL: milliseconds until the next row in `scope` is due (≤ 0: one is due now), or
     * null when none waits; by the database's clock.
     */
    async nextDueIn(scope: ClaimScope | null): Promise<number | null> {
      return (await db.get(q.nextDueInScope, scopeParams(scope)))?.ms ?? null;
    },

    /**
     * Gives back claimed rows unsent, due again at the time given (their pacing slot, by this
     * process's clock: it becomes the same instant by the database's, which claims go by).
     */
    async release(rows: [row: ClaimedDelivery, at: number][], by: string): Promise<void> {
      if (!rows.length) return;
      const offset = await clockOffset();
      await db.tx(async (tx) => {
        for (const [row, at] of rows)
          await tx.run(q.release, {
            id: row.id,
            was: row.was,
            at: new Date(at + offset).toISOString(),
            by,
          });
      });
    },

    async defer(rows: [id: number, at: string][]): Promise<void> {
      if (!rows.length) return;
      await db.tx(async (tx) => {
        for (const [id, at] of rows) await tx.run(q.defer, { id, at });
      });
    },

    /**
     * Rows relay `by` left `sending` past their lease (a send whose end was never recorded)
     * go back to the queue. Other relays' rows are theirs while they live (requeueOrphans).
     */
    async reclaim(at: string, by: string): Promise<number> {
      return (await db.run(q.reclaim, { now: at, by })).changes;
    },

    /**
     * Rows claimed by relays that are not alive — `dead` ones, stopped ones, and those whose
     * heartbeat is `stale` or gone — go back to the queue at once.
     */
    async requeueOrphans(stale: Staleness, dead: string[] = []): Promise<number> {
      const { changes } = await db.run(q.requeueOrphans, {
        now: now(),
        stale: stale.before,
        stale_ms: stale.ms,
        dead: JSON.stringify(dead),
      });
      if (changes) notify();
      return changes;
    },

    /**
     * Records finished attempts of relay `by`, many in one transaction. A row another relay
     * has taken over since (this one was taken for dead) keeps that relay's outcome.
     */
    async finish(finishes: Finish[], by: string): Promise<void> {
      if (!finishes.length) return;
      const at = now();
      await db.tx(async (tx) => {
        for (const f of finishes) {
          await tx.run(q.finish, {
            by,
            id: f.id,
            status: f.status,
            error: f.error,
            remote_id: f.remoteId,
            chat_id: f.chatId ?? null,
            next_attempt_at: f.nextAttemptAt,
            retry_ms: f.retryInMs,
            now: at,
          });
          await tx.run(q.attempt, {
            delivery_id: f.id,
            started_at: f.startedAt,
            duration_ms: f.durationMs,
            outcome: f.outcome,
            error: f.error,
            remote_id: f.remoteId,
          });
        }
      });
    },

    async get(id: number): Promise<Delivery | undefined> {
      const row = await db.get(q.get, id);
      return row && toDelivery(row);
    },

    async attempts(id: number): Promise<Attempt[]> {
      return db.all(q.attempts, id);
    },

    async list(shopId: number, filter: DeliveryFilter, page: PageQuery) {
      const params = {
        shop_id: shopId,
        status: filter.status ?? null,
        bot_user_id: filter.bot_user_id ?? null,
        event: filter.event ?? null,
      };
      const [count, rows] = await Promise.all([
        db.value(q.count, params),
        db.all(q.list, { ...params, ...page }),
      ]);
      return { count: count ?? 0, rows: rows.map(toDelivery) };
    },

    /**
     * A messenger's receipt for a message it took (`remoteId`: its id): the delivery moves on
     * to `delivered` or `read`, or to `dead` with `error` when the messenger could not deliver
     * it after all. Answers what happened: `moved` (with the row), `same` (a repeated or late
     * receipt) or `unknown` (no such message, yet: its send may not be recorded).
     */
    async receipt(
      botId: number,
      remoteId: string,
      status: 'delivered' | 'read' | 'dead',
      error: string | null = null,
    ): Promise<
      { outcome: 'moved'; id: number; bot_user_id: number | null } | { outcome: 'same' | 'unknown' }
    > {
      const key = { bot_id: botId, remote_id: remoteId };
      const row = await db.get(q.receipt, { ...key, status, error, now: now() });
      if (row) return { outcome: 'moved', ...row };
      return { outcome: (await db.get(q.byRemote, key)) ? 'same' : 'unknown' };
    },

    /** Puts a failed or dead row back in the queue with a fresh set of attempts. */
    async retry(id: number): Promise<Delivery | undefined> {
      const row = await db.get(q.retry, { id, now: now(), max_attempts: DEFAULT_MAX_ATTEMPTS });
      if (row) notify(); // wake the worker now rather than at its next idle poll
      return row && toDelivery(row);
    },

    async countByStatus(): Promise<Record<DeliveryStatus, number>> {
      const counts = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<
        DeliveryStatus,
        number
      >;
      for (const r of await db.all(q.byStatus)) counts[r.status] = r.n;
      return counts;
    },
  };
}
export type DeliveryStore = ReturnType<typeof createDeliveryStore>;
