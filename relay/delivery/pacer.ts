import type { Pace } from './types.js';

/**
 * Spaces sends evenly: each key allows one send per `intervalMs`. Even spacing (rather than
 * a bucket that allows bursts) keeps every sliding one-second window under the messenger's
 * limit, which is what Telegram's flood control measures.
 * https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this
 *
 * It also keeps a chat's messages in the order they were queued. A row that cannot go yet
 * (its bot is saturated) is given back for later (`wait`), and may be given back again and
 * again while later rows of the bot fill its slots; a later row of the same chat (the
 * narrowest key) must not go before it, so it waits behind it.
 */
export function createPacer() {
  const nextFree = new Map<string, number>();
  /** Per narrowest key, the earliest row given back and when it is due again. */
  const waiting = new Map<string, { id: number; at: number; intervalMs: number }>();
  const narrowest = (paces: Pace[]) => paces[paces.length - 1];

  return {
    /** The earliest time at which every key allows row `id` to go. */
    readyAt(paces: Pace[], now: number, id = 0): number {
      let at = now;
      for (const p of paces) at = Math.max(at, nextFree.get(p.key) ?? 0);
      const last = narrowest(paces);
      const ahead = last && waiting.get(last.key);
      if (ahead && ahead.id < id) at = Math.max(at, ahead.at + ahead.intervalMs);
      return at;
    },
    /** Reserves the slot at `at` under every key for row `id`. */
    take(paces: Pace[], at: number, id = 0): void {
      for (const p of paces)
        nextFree.set(p.key, Math.max(at, nextFree.get(p.key) ?? 0) + p.intervalMs);
      const last = narrowest(paces);
      if (last && waiting.get(last.key)?.id === id) waiting.delete(last.key);
    },
    /** Row `id` was given back, due again at `at`: later rows of its chat wait behind it. */
    wait(paces: Pace[], at: number, id: number, now: number): void {
      const last = narrowest(paces);
      if (!last) return;
      const ahead = waiting.get(last.key);
      // A row that did not come back when due (sent through another path, deleted) no
      // longer holds its chat.
      if (!ahead || id <= ahead.id || ahead.at + ahead.intervalMs <= now)
        waiting.set(last.key, { id, at, intervalMs: last.intervalMs });
    },
    /** Nothing may be sent under `key` before `until` (a messenger asked us to wait). */
    block(key: string, until: number): void {
      nextFree.set(key, Math.max(until, nextFree.get(key) ?? 0));
    },
    /** Forgets keys whose slots are long past, so the maps do not grow without bound. */
    sweep(now: number): void {
      for (const [key, t] of nextFree) if (t < now - 60_000) nextFree.delete(key);
      for (const [key, w] of waiting) if (w.at < now - 60_000) waiting.delete(key);
    },
  };
}
export type Pacer = ReturnType<typeof createPacer>;
