import { setTimeout as sleep } from 'node:timers/promises';

const EXTRA_STEP_MS = 25;
const EXTRA_MAX_MS = 250;
/** About 15 ms of widening worn off per second at 30 sends a second. */
const EXTRA_DECAY_MS = 0.5;

/** At most `max` sends under `key` in any `windowMs` (+ `marginMs`, default the guard's). */
export type WindowRule = { key: string; max: number; windowMs: number; marginMs?: number };

/**
 * The last line of a messenger's rate limits (Telegram's flood limits, WhatsApp's throughput
 * per number), at the moment a request leaves. The worker's pacer schedules sends evenly,
 * but a timer that fires late (a busy event loop) followed by one that fires on time can put
 * 31 sends into Telegram's second; this guard counts the real send times in sliding windows
 * (plus `marginMs` for the network's jitter) and holds a send back until it fits. It also
 * spaces the parts of a long message, which go out in one delivery.
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
  const sent = new Map<string, number[]>();
  /** Extra margin per key after 429s (see `slowDown`), worn off by each send. */
  const extra = new Map<string, number>();
  let nextSweep = 0;

  /** The earliest time every rule allows a send; `t` when they allow it now. */
  const readyAt = (rules: WindowRule[], t: number) => {
    let at = t;
    for (const r of rules) {
      const times = sent.get(r.key);
      if (!times) continue;
      const span = r.windowMs + (r.marginMs ?? marginMs) + (extra.get(r.key) ?? 0);
      while (times.length && times[0] <= t - span) times.shift();
      if (times.length >= r.max) at = Math.max(at, times[times.length - r.max] + span);
    }
    return at;
  };

  const sweep = (t: number) => {
    if (t < nextSweep) return;
    nextSweep = t + 60_000;
    for (const [key, times] of sent)
      if (!times.length || times[times.length - 1] < t - 120_000) sent.delete(key);
  };

  return {
    /** Resolves when a send fits every rule, and records it; rejects when `signal` aborts. */
    async take(rules: WindowRule[], signal?: AbortSignal): Promise<void> {
      for (;;) {
        const t = now();
        const at = readyAt(rules, t);
        if (at <= t) {
          for (const r of rules) {
            const more = extra.get(r.key);
            if (more !== undefined) {
              if (more > decayMs) extra.set(r.key, more - decayMs);
              else extra.delete(r.key);
            }
            const times = sent.get(r.key) ?? [];
            times.push(t);
            if (times.length > r.max) times.splice(0, times.length - r.max);
            sent.set(r.key, times);
          }
          sweep(t);
          return;
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
