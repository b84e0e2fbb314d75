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
