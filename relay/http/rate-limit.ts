/**
 * Fixed-window counters kept in memory, one window per key: one relay process (SQLite).
 * Relays sharing PostgreSQL count in the database instead (relay/http/shared-counters.ts).
 */
/** One counted event: whether it is within the limit, and when the window ends. */
export type WindowHit = { ok: boolean; retryAfterMs: number; remaining: number };

export type WindowLimiterOptions = { limit: number; windowMs: number; now?: () => number };

export function createWindowLimiter({ limit, windowMs, now = Date.now }: WindowLimiterOptions) {
  const windows = new Map<string, { count: number; resetAt: number }>();
  let nextSweep = now() + windowMs;

  const sweep = (t: number) => {
    if (t < nextSweep) return;
    for (const [key, w] of windows) if (w.resetAt <= t) windows.delete(key);
    nextSweep = t + windowMs;
  };

  const current = (key: string, t: number) => {
    let w = windows.get(key);
    if (!w || w.resetAt <= t) {
      w = { count: 0, resetAt: t + windowMs };
      windows.set(key, w);
    }
    return w;
  };

  return {
    /** Counts one event for `key`; `ok` is false once the window's limit is used up. */
    hit(key: string): WindowHit {
      const t = now();
      sweep(t);
      const w = current(key, t);
      w.count += 1;
      return {
        ok: w.count <= limit,
        retryAfterMs: w.resetAt - t,
        remaining: Math.max(0, limit - w.count),
      };
    },
    /** Whether `key` is over its limit, without counting. */
    blocked(key: string): { blocked: boolean; retryAfterMs: number } {
      const t = now();
      const w = windows.get(key);
      if (!w || w.resetAt <= t) return { blocked: false, retryAfterMs: 0 };
      return { blocked: w.count >= limit, retryAfterMs: w.resetAt - t };
    },
    /** Events counted for `key` in its current window. */
    count(key: string): number {
      const w = windows.get(key);
      return w && w.resetAt > now() ? w.count : 0;
    },
    /** Takes back one event counted by `hit` (it turned out not to count). */
    undo(key: string) {
      const w = windows.get(key);
      if (w && w.count > 0) w.count -= 1;
    },
    reset(key: string) {
      windows.delete(key);
    },
  };
}
export type WindowLimiter = ReturnType<typeof createWindowLimiter>;
