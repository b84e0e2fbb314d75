import type { SendResult } from '../delivery/types.js';

/** Parts sent so far of a message whose later part failed; a retry continues from there. */
export type Progress = { done: number; ids: string[] };

const MAX_PROGRESS = 10_000;

/**
 * What a messenger adapter remembers between attempts of a delivery it sends as several
 * messages (a long text in parts, an image then buttons): the parts that went, so that a
 * retry does not send them twice. In memory: after a restart a retry starts over, which is
 * the at-least-once the outbox promises.
 */
export function createProgress() {
  const progress = new Map<number, Progress>();
  return {
    /** The delivery's progress (forgotten here: `keep` it again when a part fails). */
    take(id: number): Progress {
      const p = progress.get(id) ?? { done: 0, ids: [] };
      progress.delete(id);
      return p;
    },
    keep(id: number, p: Progress) {
      if (p.done === 0) return;
      if (progress.size >= MAX_PROGRESS) progress.delete(progress.keys().next().value!);
      progress.set(id, p);
    },
  };
}

/**
 * A request that got no answer, to try again: the messenger did not answer within the
 * request's own timeout, the network failed (its error code only: a message may carry a URL,
 * and a URL a token), or no send slot came before the worker's deadline (nothing was sent).
 */
export function noAnswer(
  messenger: string,
  requestSignal: AbortSignal | undefined,
  err: unknown,
): SendResult {
  const e = err as Error & { cause?: { code?: string } };
  const error = requestSignal?.aborted
    ? `${messenger} did not answer in time.`
    : requestSignal
      ? `Network error: ${e?.cause?.code ?? String(e?.message ?? err)}`
      : 'No send slot within the time allowed.';
  return { ok: false, retry: true, error };
}

/**
 * What sending one part of a delivery came to: the messenger's id of it, a failure that ends
 * this attempt, or other parts to send instead, from the first (nothing was sent: WhatsApp's
 * template when the 24-hour window turns out closed).
 */
export type PartOutcome<M> =
  { ok: true; id: string } | { ok: false; result: SendResult } | { instead: M[] };

/**
 * Sends a delivery's parts in order (a long text in parts, an image then buttons), going on
 * after the parts an earlier attempt sent. Each part goes when `take` gives it a place in the
 * messenger's limits — the first one's wait may end with the worker's deadline (`signal`),
 * when nothing was sent — and then gets its own full request timeout: a wait never shortens
 * it, since a request aborted after the messenger took it would be sent again. Answers the
 * ids of every part sent, or why this attempt ended (the parts that went are remembered).
 */
export async function sendParts<M>(o: {
  id: number;
  parts: M[];
  progress: ReturnType<typeof createProgress>;
  messenger: string;
  signal: AbortSignal;
  requestTimeoutMs: number;
  /** A place for one request; resolves with the function to call once it has ended. */
  take: (signal: AbortSignal | undefined) => Promise<() => void>;
  send: (part: M, k: number, signal: AbortSignal) => Promise<PartOutcome<M>>;
}): Promise<{ ok: true; ids: string[] } | Extract<SendResult, { ok: false }>> {
  let parts = o.parts;
  const p = o.progress.take(o.id);
  const from = p.done;
  for (let k = from; k < parts.length; k++) {
    let outcome: PartOutcome<M>;
    let requestSignal: AbortSignal | undefined;
    let ended: (() => void) | undefined;
    try {
      ended = await o.take(k === from ? o.signal : undefined);
      requestSignal = AbortSignal.timeout(o.requestTimeoutMs);
      outcome = await o.send(parts[k], k, requestSignal);
    } catch (err) {
      o.progress.keep(o.id, p);
      return noAnswer(o.messenger, requestSignal, err) as Extract<SendResult, { ok: false }>;
    } finally {
      ended?.(); // the guard counts this request from now on (its answer's time)
    }
    if ('instead' in outcome) {
      parts = outcome.instead;
      k = -1;
      continue;
    }
    if (!outcome.ok) {
      o.progress.keep(o.id, p);
      return outcome.result as Extract<SendResult, { ok: false }>;
    }
    p.ids.push(outcome.id);
    p.done = k + 1;
  }
  return { ok: true, ids: p.ids };
}
