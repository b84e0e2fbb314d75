/** Where the relay writes an operator's line (stderr by default; tests collect them). */
export type Log = (line: string) => void;

export type Refusal = {
  status: number;
  method: string;
  path: string;
  /** The relay's sentence, as the client received it. */
  reason: string;
  origin?: string;
  /** The key the request presented, whatever it was (only a `pk_` prefix is written). */
  key?: string;
  ip: string;
};

export type RefusalLogOptions = {
  write?: Log;
  /** Lines per status per window; the rest are counted and summed up at the window's end. */
  perWindow?: number;
  windowMs?: number;
};

/**
 * One line per refused public request (every 4xx of /public/v1/…), so that the developer of
 * a site whose widget stays silent can find why in the relay's log: a wrong origin, a revoked
 * key, an unknown form. Capped per status (not per sentence or origin, which a client
 * chooses: a flood from many made-up origins stays within the same cap), at `perWindow`
 * lines a minute each; what was held back is summed up in one line when the minute ends.
 */
export function createRefusalLog({
  write = (line) => console.warn(line),
  perWindow = 10,
  windowMs = 60_000,
}: RefusalLogOptions = {}) {
  let started = 0;
  const written = new Map<number, number>();
  const held = new Map<number, number>();
  let timer: ReturnType<typeof setTimeout> | undefined;

  const summarise = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!held.size) return;
    let total = 0;
    for (const n of held.values()) total += n;
    const by = [...held].map(([status, n]) => `${n} × ${status}`).join(', ');
    write(
      `touchpoint: ${total} more refused public requests not logged in the last ${windowMs / 1000} s (${by})`,
    );
    held.clear();
  };

  return function refused(r: Refusal) {
    const now = Date.now();
    if (now - started >= windowMs) {
      summarise();
      written.clear();
      started = now;
    }
    const n = written.get(r.status) ?? 0;
    if (n < perWindow) {
      written.set(r.status, n + 1);
      write(line(r));
      return;
    }
    held.set(r.status, (held.get(r.status) ?? 0) + 1);
    // Summed up when the window ends even if no request comes after it; never keeps Node up.
    timer ??= setTimeout(summarise, started + windowMs - now);
    timer.unref?.();
  };
}
export type RefusalLog = ReturnType<typeof createRefusalLog>;

/**
 * `touchpoint: refused POST "/public/v1/leads" 403 "…sentence…" origin="https://…" key="pk_AbCd…wxyz" ip=…`.
 * Values a client chose are quoted with JSON escapes, so none can forge a second line. A key
 * is written as the key list's `hint` shows it, and only a publishable one: a secret key
 * sent from a page by mistake never reaches the log.
 */
function line({ status, method, path, reason, origin, key, ip }: Refusal): string {
  const q = (s: string) => JSON.stringify(s.slice(0, 200));
  let text = `touchpoint: refused ${method} ${q(path)} ${status} ${q(reason)}`;
  if (origin !== undefined) text += ` origin=${q(origin)}`;
  if (key !== undefined)
    text += ` key=${key.startsWith('pk_') ? q(`${key.slice(0, 7)}…${key.slice(-4)}`) : '(not pk_…, not logged)'}`;
  return `${text} ip=${ip}`;
}
