import { setTimeout as sleep } from 'node:timers/promises';

const EXTRA_STEP_MS = 25;
/** Sends kept per key beyond a rule's count (answers may come back out of order). */
const KEPT_EXTRA = 8;
const EXTRA_MAX_MS = 250;
/** About 15 ms of widening worn off per second at 30 sends a second. */
const EXTRA_DECAY_MS = 0.5;

/** At most `max` sends under `key` in any `windowMs` (+ `marginMs`, default the guard's). */
export type WindowRule = { key: string; max: number; windowMs: number; marginMs?: number };

/**
 * The last line of a messenger's rate limits (Telegram's flood limits, WhatsApp's throughput
 * per number), at the moment a request leaves. The worker's pacer schedules sends evenly,
 * but a timer that fires late (a busy event loop) followed by one that fires on time can put
 * 31 sends into Telegram's second; this guard counts real sends in sliding windows (plus
 * `marginMs`) and holds a send back until it fits. It also spaces the parts of a long
 * message, which go out in one delivery.
 *
 * A messenger counts a request when it arrives, which is some time after it left and before its
 * answer came back; on a busy machine that time varies by more than any margin. So a send
 * counts from when it left until its answer is in (`take` resolves with the function to call
 * then), and from its answer's time after that: a new send waits until the sends it would
 * crowd are answered a window ago — whatever their way through the network took, they
 * arrived before that.
 * https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this
 */
export function createSendGuard({
  marginMs = 25,
  decayMs = EXTRA_DECAY_MS,
  now = Date.now,
}: {
  marginMs?: number;
  /** Widening worn off per send: a faster sender (WhatsApp's 80/s) wears it off more slowly. */
  decayMs?: number;
  now?: () => number;
} = {}) {
  /** Per key, the latest sends (in the order they left): when each left, or was answered. */
  const sent = new Map<string, { at: number }[]>();
  /** Extra margin per key after 429s (see `slowDown`), worn off by each send. */
  const extra = new Map<string, number>();
  let nextSweep = 0;

  /** The earliest time every rule allows a send; `t` when they allow it now. */
  const readyAt = (rules: WindowRule[], t: number) => {
    let at = t;
    for (const r of rules) {
      const list = sent.get(r.key);
      if (!list || list.length < r.max) continue;
      const span = r.windowMs + (r.marginMs ?? marginMs) + (extra.get(r.key) ?? 0);
      // The max-th latest time: once it is a window ago, fewer than max sends count.
      const times = list.map((s) => s.at).sort((a, b) => b - a);
      at = Math.max(at, times[r.max - 1] + span);
    }
    return at;
  };

  const sweep = (t: number) => {
    if (t < nextSweep) return;
    nextSweep = t + 60_000;
    for (const [key, list] of sent)
      if (!list.length || Math.max(...list.map((s) => s.at)) < t - 120_000) sent.delete(key);
  };

  return {
    /**
     * Resolves when a send fits every rule, and records it, with the function to call once
     * the request has ended (answered, failed or timed out); rejects when `signal` aborts.
     */
    async take(rules: WindowRule[], signal?: AbortSignal): Promise<() => void> {
      for (;;) {
        const t = now();
        const at = readyAt(rules, t);
        if (at <= t) {
          const entry = { at: t };
          for (const r of rules) {
            const more = extra.get(r.key);
            if (more !== undefined) {
              if (more > decayMs) extra.set(r.key, more - decayMs);
              else extra.delete(r.key);
            }
            const list = sent.get(r.key) ?? [];
            list.push(entry);
            // A few more than the rule counts: a later send may be answered before an earlier.
            if (list.length > r.max + KEPT_EXTRA) list.splice(0, list.length - r.max - KEPT_EXTRA);
            sent.set(r.key, list);
          }
          sweep(t);
          return () => {
            entry.at = Math.max(entry.at, now());
          };
        }
        await sleep(at - t, undefined, { signal });
      }
    },

    /**
     * The messenger still answered 429: the real jitter is more than the margin allows for
     * (a busy machine delays some requests and bunches them up). Widen this key's margin;
     * every later send under it wears a little of the widening off again.
     */
    slowDown(key: string): void {
      extra.set(key, Math.min(EXTRA_MAX_MS, (extra.get(key) ?? 0) + EXTRA_STEP_MS));
    },
  };
}
export type SendGuard = ReturnType<typeof createSendGuard>;
