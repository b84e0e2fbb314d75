import { dialect } from '../db/dialect.js';
import { sql, type Tx } from '../db/sql.js';
import type { Deps } from '../deps.js';
import { targetsSql, type TargetRow } from '../events/store.js';
import type { Form } from '../forms/schemas.js';
import type { LeadValues } from '../forms/validate-fields.js';
import { ok } from '../http/api.js';
import type { LeadPage } from '../leads/schemas.js';
import { insertLead, insertParams, type LeadRow } from '../leads/store.js';
import { createGroupCommit } from './group-commit.js';
import { createIdempotencyStore, type IdemKey, type StoredAnswer } from './idempotency.js';
import type { LeadAccepted } from './schemas.js';
import {
  createVisitorStore,
  upsertVisitorSql,
  visitorDetails,
  visitorParams,
  type VisitorParams,
} from './visitors.js';

/** A lead that passed every check, waiting for its write. */
export type LeadDraft = {
  shopId: number;
  form: Form;
  values: LeadValues;
  consent: { text: string; version: string; accepted_at: string } | null;
  page: LeadPage | null;
  utm: Record<string, string> | null;
  visitorId: string;
  spam: boolean;
  source: 'widget' | 'form';
  idem: IdemKey | null;
};

const leadOf = (d: LeadDraft, botUserId: number | null) => ({
  shop_id: d.shopId,
  form_id: d.form.id,
  fields: d.values,
  bot_user_id: botUserId,
  spam: d.spam,
  source: d.source,
  page: d.page,
  utm: d.utm,
  consent: d.consent,
  visitor_id: d.visitorId,
});

/** The HTTP answer to a lead: 202 with its ids, or the stored first answer of a repeat. */
export type LeadAnswer = {
  status: number;
  envelope: { status: 'ok'; result: LeadAccepted };
  replayed: boolean;
};

/** A stored first answer, to replay. */
export const storedAnswer = (a: StoredAnswer): LeadAnswer => ({
  status: a.status,
  envelope: JSON.parse(a.body),
  replayed: true,
});
/** The idempotency key was used before for another body. */
export const MISMATCH = 'mismatch' as const;

type Written = { answer: LeadAnswer };

/** The idempotency key was stored meanwhile (by an earlier item of the batch, say). */
class Repeated extends Error {}

type IntakeParams = VisitorParams &
  ReturnType<typeof insertParams> & {
    scope: string | null;
    key: string | null;
    hash: string | null;
    event: 'lead.created';
  };

/**
 * PostgreSQL, a visitor's lead: the visitor's bot user on the shop's web bot, the lead and the
 * first answer (idempotency row) in ONE statement, since round trips are most of a lead's cost
 * there; it also logs lead.created for the event streams (relay/events/log.ts, `refsOf`) and
 * reads its targets, which the event's handlers then do not write or read again. No row when the shop has no web bot yet (its first lead takes the general path).
 * `answered` is 0 when the key was taken meanwhile (the insert waits for a concurrent repeat
 * to commit, then does nothing). The stored body is the 202's envelope, `ok()`'s shape, with
 * its keys in the same order (json, not jsonb, keeps them).
 */
const intake = sql<IntakeParams, LeadRow & { answered: number; targets: TargetRow[] }>(
  `WITH visitor AS (${upsertVisitorSql}),
   lead AS (${insertLead('visitor.id', 'FROM visitor')}),
   answer AS (
     INSERT INTO idempotency_keys (scope, key, request_hash, status, body)
     SELECT @scope, @key, @hash, 202, json_build_object('status', 'ok', 'result',
       json_build_object('lead_id', lead.id, 'bot_user_id', lead.bot_user_id))::text
     FROM lead WHERE @scope::text IS NOT NULL
     ON CONFLICT (scope, key) DO NOTHING RETURNING 1),
   logged AS (
     INSERT INTO shop_events (shop_id, type, data)
     SELECT lead.shop_id, @event, json_build_object('lead_id', lead.id)::text FROM lead),
   targets AS (${targetsSql(dialect('postgres'))})
   SELECT lead.*, (SELECT count(*) FROM answer) AS answered,
     (SELECT coalesce(json_agg(t ORDER BY t.target, t.id), '[]') FROM targets t) AS targets
   FROM lead`,
);

/**
 * Writes accepted leads, each together: the visitor's bot user, the lead (with its outbox
 * rows, written by stores.leads.createInTx's event handlers) and the stored first answer.
 * - SQLite: through group commit, one savepoint per lead in the batch's transaction (one
 *   fsync for many leads; the one writer would otherwise serialize them).
 * - PostgreSQL: one short transaction per lead, no batching: the server already merges
 *   concurrent commits' flushes, and a batch would only add waiting. A visitor's lead takes
 *   three round trips: BEGIN, `intake`, COMMIT (and one insert per alert or webhook that
 *   lead.created queues); its submission id is not looked up first (`answerBeforeWork`).
 * The route checked the idempotency key before; a repeat that arrives meanwhile (the same
 * submission twice in one batch, or on another relay) finds its key taken here, is rolled
 * back and answered as a replay.
 */
export function createLeadWriter({ db, stores }: Pick<Deps, 'db' | 'stores'>) {
  const visitors = createVisitorStore(db);
  const idempotency = createIdempotencyStore(db);
  async function write(tx: Tx, d: LeadDraft): Promise<Written> {
    if (tx.engine === 'postgres' && !d.spam) {
      const written = await writeInOne(tx, d);
      if (written) return written;
    }
    const botUserId = d.spam
      ? null
      : await visitors.upsertInTx(tx, d.shopId, d.visitorId, visitorDetails(d.form, d.values));
    const lead = await stores.leads.createInTx(tx, leadOf(d, botUserId));
    // Spam gets a real lead id (its row exists) and the id a new visitor would get: nothing
    // in the answer tells a bot that it was caught.
    const envelope = ok({
      lead_id: lead.id,
      bot_user_id: botUserId ?? (await visitors.plausibleIdInTx(tx)),
    });
    // A repeat that raced past the route's check: undo this item, answer as its first call.
    if (d.idem && !(await idempotency.recordInTx(tx, d.idem, 202, JSON.stringify(envelope))))
      throw new Repeated();
    return { answer: { status: 202, envelope, replayed: false } };
  }

  /** `intake`, then `lead.created` (its targets and outbox rows); null without a web bot. */
  async function writeInOne(tx: Tx, d: LeadDraft): Promise<Written | null> {
    const row = await tx.get(intake, {
      ...visitorParams(d.shopId, d.visitorId, visitorDetails(d.form, d.values)),
      ...insertParams(leadOf(d, null)), // its bot user is the statement's visitor
      scope: d.idem?.scope ?? null,
      key: d.idem?.key ?? null,
      hash: d.idem?.hash ?? null,
      event: 'lead.created',
    });
    if (!row) return null;
    if (d.idem && !row.answered) throw new Repeated();
    await idempotency.pruneInTx(tx);
    const { answered: _, targets, ...inserted } = row;
    stores.eventTargets.primeInTx(tx, d.shopId, 'lead.created', targets);
    stores.eventLog.loggedInTx(tx, 'lead.created', { lead_id: inserted.id });
    const lead = await stores.leads.createdInTx(tx, inserted);
    const envelope = ok({ lead_id: lead.id, bot_user_id: lead.bot_user_id! });
    return { answer: { status: 202, envelope, replayed: false } };
  }

  const commit =
    db.engine === 'sqlite'
      ? createGroupCommit(db, write)
      : { submit: (d: LeadDraft) => db.tx((tx) => write(tx, d)) };

  return {
    /**
     * A repeat's stored first answer, looked up before any work where that pays: on SQLite
     * always (a read from memory), on PostgreSQL only when the work before the write cannot
     * be done twice (`once`: a captcha token verifies once). Otherwise the write finds the
     * repeat itself (its key's insert conflicts, `submit` answers as the first call), and a
     * look-up first would be one more round trip for every lead to save work on rare repeats.
     */
    async answerBeforeWork(k: IdemKey, { once }: { once: boolean }) {
      return db.engine === 'sqlite' || once ? idempotency.find(k) : undefined;
    },

    /** Resolves once the lead is committed; MISMATCH for a reused key with another body. */
    async submit(draft: LeadDraft): Promise<LeadAnswer | typeof MISMATCH> {
      let written: Written;
      try {
        written = await commit.submit(draft);
      } catch (err) {
        const prior = err instanceof Repeated && draft.idem && (await idempotency.find(draft.idem));
        if (!prior) throw err;
        return prior.request_hash === draft.idem!.hash ? storedAnswer(prior) : MISMATCH;
      }
      return written.answer;
    },
  };
}
export type LeadWriter = ReturnType<typeof createLeadWriter>;
