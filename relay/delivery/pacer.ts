import type { Pace } from './types.js';

/**
 * Spaces sends evenly: each key allows one send per `intervalMs`. Even spacing (rather than
 * a bucket that allows bursts) keeps every sliding one-second window under the messenger's
 * limit, which is what Telegram's flood control measures.
 * https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this
 */
export function createPacer() {
  const nextFree = new Map<string, number>();
  return {
    /** The earliest time at which every key allows a send. */
    readyAt(paces: Pace[], now: number): number {
      let at = now;
      for (const p of paces) at = Math.max(at, nextFree.get(p.key) ?? 0);
      return at;
    },
    /** Reserves the slot at `at` under every key. */
    take(paces: Pace[], at: number): void {
      for (const p of paces)
        nextFree.set(p.key, Math.max(at, nextFree.get(p.key) ?? 0) + p.intervalMs);
    },
    /** Nothing may be sent under `key` before `until` (a messenger asked us to wait). */
    block(key: string, until: number): void {
      nextFree.set(key, Math.max(until, nextFree.get(key) ?? 0));
    },
    /** Forgets keys whose slots are long past, so the map does not grow without bound. */
    sweep(now: number): void {
      for (const [key, t] of nextFree) if (t < now - 60_000) nextFree.delete(key);
    },
  };
}
export type Pacer = ReturnType<typeof createPacer>;
