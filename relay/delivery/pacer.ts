import type { Pace } from './types.js';

/**
 * Spaces sends evenly: each key allows one send per `intervalMs`. Even spacing (rather than
 * a bucket that allows bursts) keeps every sliding one-second window under the messenger's
 * limit, which is what Telegram's flood control measures.
 * https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this
 *
 * A rule with a `burst` lets that many sends go at once and then holds the average pace, as
 * WhatsApp's pair rate does (one message every 6 s to a person, bursts borrowing from the
 * time after): the generic cell rate algorithm, where `nextFree` is the theoretical arrival
 * time and a send is allowed up to (burst − 1) intervals before it.
 * https://developers.facebook.com/docs/whatsapp/cloud-api/overview#pair-rate-limits
 */
export function createPacer() {
  const nextFree = new Map<string, number>();
  return {
    /** The earliest time at which every key allows a send. */
    readyAt(paces: Pace[], now: number): number {
      let at = now;
      for (const p of paces)
        at = Math.max(at, (nextFree.get(p.key) ?? 0) - ((p.burst ?? 1) - 1) * p.intervalMs);
      return at;
    },
    /** Reserves the slot at `at` under every key. */
    take(paces: Pace[], at: number): void {
      for (const p of paces)
        nextFree.set(p.key, Math.max(at, nextFree.get(p.key) ?? 0) + p.intervalMs);
    },
    /** Nothing may be sent under `p` before `until` (a messenger asked us to wait). */
    block(p: Pace, until: number): void {
      const tat = until + ((p.burst ?? 1) - 1) * p.intervalMs;
      nextFree.set(p.key, Math.max(tat, nextFree.get(p.key) ?? 0));
    },
    /** Forgets keys whose slots are long past, so the map does not grow without bound. */
    sweep(now: number): void {
      for (const [key, t] of nextFree) if (t < now - 60_000) nextFree.delete(key);
    },
  };
}
export type Pacer = ReturnType<typeof createPacer>;
