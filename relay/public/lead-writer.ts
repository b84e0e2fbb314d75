import type { Tx } from '../db/sql.js';
import type { Deps } from '../deps.js';
import type { Form } from '../forms/schemas.js';
import type { LeadValues } from '../forms/validate-fields.js';
import { ok } from '../http/api.js';
import type { LeadPage } from '../leads/schemas.js';
import { createGroupCommit } from './group-commit.js';
import { createIdempotencyStore, type IdemKey, type StoredAnswer } from './idempotency.js';
import type { LeadAccepted } from './schemas.js';
import { createVisitorStore, visitorDetails } from './visitors.js';

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

/**
 * Writes accepted leads, each together: the visitor's bot user, the lead (with its outbox
 * rows, written by stores.leads.createInTx's event handlers) and the stored first answer.
 * - SQLite: through group commit, one savepoint per lead in the batch's transaction (one
 *   fsync for many leads; the one writer would otherwise serialize them).
 * - PostgreSQL: one short transaction per lead, no batching: the server already merges
 *   concurrent commits' flushes, and a batch would only add waiting.
 * The route checked the idempotency key before; a repeat that arrives meanwhile (the same
 * submission twice in one batch, or on another relay) finds its key taken here, is rolled
 * back and answered as a replay.
 */
export function createLeadWriter({ db, stores }: Pick<Deps, 'db' | 'stores'>) {
  const visitors = createVisitorStore(db);
  const idempotency = createIdempotencyStore(db);
  async function write(tx: Tx, d: LeadDraft): Promise<Written> {
    const botUserId = d.spam
      ? null
      : await visitors.upsertInTx(tx, d.shopId, d.visitorId, visitorDetails(d.form, d.values));
    const lead = await stores.leads.createInTx(tx, {
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

  const commit =
    db.engine === 'sqlite'
      ? createGroupCommit(db, write)
      : { submit: (d: LeadDraft) => db.tx((tx) => write(tx, d)) };

  return {
    /** The stored first answer for an idempotency key, to answer a repeat before any work. */
    findAnswer: idempotency.find,

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
