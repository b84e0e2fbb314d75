import type { ErrorBody } from './types.js';

/** A failed call: `status` 0 for a network error, else the HTTP status with the envelope's errors. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: Record<string, string[]> = {},
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** Network errors, 5xx and 429 may pass later; any other 4xx never will. */
  get retryable() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/**
 * One call to the public API: `{status:'ok', result}` → result, anything else → ApiFailure.
 * Cookies are never sent: the public API authenticates by publishable key alone.
 */
export const callJson = <T>(url: string, init: RequestInit = {}): Promise<T> =>
  readJson<T>(fetch(url, { credentials: 'omit', ...init }), init.signal);

/** Reads an answer of the public API (also one the loader requested ahead, see primeConfig). */
export async function readJson<T>(
  response: Promise<Response>,
  signal?: AbortSignal | null,
): Promise<T> {
  let res: Response;
  try {
    res = await response;
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiFailure(0, (err as Error).message || 'Network error');
  }
  const body = (await res.json().catch(() => null)) as
    { status: 'ok'; result: T } | ErrorBody | null;
  if (res.ok && body?.status === 'ok') return body.result;
  const { common, ...rest } = (body?.status === 'error' && body.errors) || {};
  const fields: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(rest)) if (v) fields[k] = Array.isArray(v) ? v : [v];
  throw new ApiFailure(
    res.status,
    typeof common === 'string' ? common : res.statusText,
    fields,
    retryAfter(res.headers.get('retry-after')),
  );
}

/** `Retry-After` is delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.max(0, ms) : undefined;
}

export type RetryOptions = {
  /** Tries in all, the first included. */
  attempts: number;
  signal?: AbortSignal;
  /** Called before each wait, e.g. to render "trying again". */
  onRetry?: (failure: ApiFailure) => void;
};

/** First wait; doubles each time, capped, with full jitter so that many pages do not retry in step. */
export const retryTiming = { baseMs: 500, maxMs: 8000, patienceMs: 30_000 };

/**
 * Runs `call` until it succeeds, fails for good, or the tries run out. A `Retry-After` the
 * relay sends is honoured; one longer than our patience ends the retries at once.
 */
export async function withRetry<T>(call: () => Promise<T>, opts: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const failure = err instanceof ApiFailure ? err : null;
      if (!failure?.retryable || attempt >= opts.attempts || opts.signal?.aborted) throw err;
      const backoff = Math.min(retryTiming.maxMs, retryTiming.baseMs * 2 ** (attempt - 1));
      const wait = failure.retryAfterMs ?? backoff / 2 + (Math.random() * backoff) / 2;
      if (wait > retryTiming.patienceMs) throw err;
      opts.onRetry?.(failure);
      await sleep(wait, opts.signal);
    }
  }
}

/** Resolves after `ms`; rejects with the signal's reason when it is aborted first. */
export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

/** POST a JSON body to the public API. */
export const postJson = <T>(url: string, body: unknown, init: RequestInit = {}) =>
  callJson<T>(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...init,
  });
