import type { Pace } from './types.js';

/**
 * How long a row given back holds its chat for the rows queued after it. It comes back when
 * due (later on a busy machine); one that never does (deleted with its bot) stops holding
 * them after this.
 */
const WAIT_HOLDS_MS = 30_000;

/**
 * Spaces sends evenly: each key allows one send per `intervalMs`. Even spacing (rather than
 * a bucket that allows bursts) keeps every sliding one-second window under the messenger's
 * limit, which is what Telegram's flood control measures.
 * https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this
 *
 * It also keeps a chat's messages in the order they were queued. A row that cannot go yet
 * (its bot is saturated) is given back for later (`wait`), and may be given back again and
 * again while later rows of the bot fill its slots, or come back late on a busy machine; a
 * later row of the same chat (the narrowest key) must not go before it, so it is given back
 * too, behind it, until that row has gone (`behind`).
 *
 * A rule with a `burst` lets that many sends go at once and then holds the average pace, as
 * WhatsApp's pair rate does (one message every 6 s to a person, bursts borrowing from the
 * time after): the generic cell rate algorithm, where `nextFree` is the theoretical arrival
 * time and a send is allowed up to (burst − 1) intervals before it.
 * https://developers.facebook.com/docs/whatsapp/cloud-api/overview#pair-rate-limits
 */
export function createPacer() {
  const nextFree = new Map<string, number>();
  /** Per narrowest key, the earliest row given back and when it is due again. */
  const waiting = new Map<string, { id: number; at: number; intervalMs: number }>();
  const narrowest = (paces: Pace[]) => paces[paces.length - 1];

  return {
    /** The earliest time at which every key allows a send. */
    readyAt(paces: Pace[], now: number): number {
      let at = now;
      for (const p of paces)
        at = Math.max(at, (nextFree.get(p.key) ?? 0) - ((p.burst ?? 1) - 1) * p.intervalMs);
      return at;
    },
    /**
     * When an earlier row of the same chat was given back and has not gone yet: the time row
     * `id` may look again (after that row, by the chat's interval). Null: nothing ahead of it.
     */
    behind(paces: Pace[], id: number, now: number): number | null {
      const last = narrowest(paces);
      const ahead = last && waiting.get(last.key);
      if (!ahead || ahead.id >= id || now - ahead.at >= WAIT_HOLDS_MS) return null;
      return Math.max(ahead.at, now) + ahead.intervalMs;
    },
    /** Reserves the slot at `at` under every key for row `id`. */
    take(paces: Pace[], at: number, id: number): void {
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
      if (!ahead || id <= ahead.id || now - ahead.at >= WAIT_HOLDS_MS)
        waiting.set(last.key, { id, at, intervalMs: last.intervalMs });
    },
    /** Nothing may be sent under `p` before `until` (a messenger asked us to wait). */
    block(p: Pace, until: number): void {
      const tat = until + ((p.burst ?? 1) - 1) * p.intervalMs;
      nextFree.set(p.key, Math.max(tat, nextFree.get(p.key) ?? 0));
    },
    /** Forgets keys whose slots are long past, so the maps do not grow without bound. */
    sweep(now: number): void {
      for (const [key, t] of nextFree) if (t < now - 60_000) nextFree.delete(key);
      for (const [key, w] of waiting) if (w.at < now - WAIT_HOLDS_MS) waiting.delete(key);
    },
  };
}
export type Pacer = ReturnType<typeof createPacer>;
