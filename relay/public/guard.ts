import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Config } from '../config.js';
import type { Database } from '../db/sql.js';
import { clientIp } from '../http/client-ip.js';
import { ApiError, tooManyRequests } from '../http/errors.js';
import { sharedLimiter, type Limiter } from '../http/shared-counters.js';
import { readJson, requestHeader } from './body.js';
import type { PublicCache, PublicKey, ShopContext } from './cache.js';
import type { RefusalLog } from './refusals.js';

/** Hono environment of the public API: set by `authenticate`. */
export type PublicEnv = {
  Variables: { publicKey: PublicKey; shop: ShopContext; json: unknown; presentedKey: string };
};

/** Public bodies are one lead or one opt-in: 64 KiB is generous, anything larger is abuse. */
export const PUBLIC_BODY_LIMIT = 64 * 1024;

const ALLOW_HEADERS = 'Content-Type, X-Touchpoint-Key, Idempotency-Key';
/** Browsers cap this (Chromium at 2 h); 10 min saves a preflight per lead on a busy page. */
const PREFLIGHT_MAX_AGE = '600';

const refuseSecret = () =>
  new ApiError(
    401,
    'Use a publishable key (pk_…) on the public API. Secret keys and login tokens must never be sent from a web page; revoke one that was.',
  );

/**
 * The public API's layers of defence, outermost first: CORS (preflights answered here),
 * the per-IP limit (`config.publicRateLimit` per minute, 0 = off), then per request the
 * publishable key, its allowed origins and the per-key limit on writes.
 *
 * CORS: an actual request's `Origin` must be one of the key's `allowed_origins` (403 and
 * nothing stored otherwise); only then may the page read a success. A refusal (any 4xx) is
 * readable by every origin, without credentials: its sentence is not secret, and it is the
 * only way a widget on a misconfigured site can tell its developer what is wrong. So a
 * preflight, which carries no key to decide with, passes for any origin: the request it
 * announces is checked for real. A request without `Origin` (a server, an old browser's
 * form post) is allowed: CORS protects browsers' users, not the API; the limits still apply.
 * https://fetch.spec.whatwg.org/#http-cors-protocol
 *
 * The limits count in memory on SQLite (one relay), and in the database on PostgreSQL, so
 * that several relays behind one address allow what one would (relay/http/shared-counters.ts).
 */
export function createPublicGuard(
  db: Database,
  cache: PublicCache,
  config: Config,
  refused: RefusalLog,
) {
  const perIp =
    config.publicRateLimit > 0
      ? sharedLimiter(db, { name: 'public:ip', limit: config.publicRateLimit, windowMs: 60_000 })
      : null;
  /** One limiter per distinct limit: shops may set their own `public_key_rate_limit`. */
  const perKey = new Map<number, Limiter>();
  const keyLimiter = (limit: number) => {
    let l = perKey.get(limit);
    if (!l)
      perKey.set(
        limit,
        (l = sharedLimiter(db, { name: `public:key:${limit}`, limit, windowMs: 60_000 })),
      );
    return l;
  };

  const report = (c: Context<PublicEnv>, status: number, reason: string, origin?: string) =>
    refused({
      status,
      method: c.req.method,
      path: c.req.path,
      reason,
      origin,
      key: c.get('presentedKey'),
      ip: clientIp(c),
    });

  /** CORS, the per-IP limit and the log of refusals, for every public path. */
  const cors = createMiddleware<PublicEnv>(async function publicCors(c, next) {
    c.header('Vary', 'Origin');
    const origin = requestHeader(c, 'origin');
    if (origin !== undefined) {
      // Set before anything can throw, so that every error answer carries it; taken back
      // below from a success the key did not allow this origin to read.
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Access-Control-Expose-Headers', 'Retry-After');
    }
    if (c.req.method === 'OPTIONS')
      return c.body(null, 204, {
        'Access-Control-Allow-Methods': 'GET, POST',
        'Access-Control-Allow-Headers': ALLOW_HEADERS,
        'Access-Control-Max-Age': PREFLIGHT_MAX_AGE,
      });
    try {
      if (perIp) {
        // Counted in memory (SQLite) the answer is at hand: the intake awaits nothing for it.
        let hit = perIp.hit(clientIp(c));
        if (hit instanceof Promise) hit = await hit;
        if (!hit.ok) throw tooManyRequests(hit.retryAfterMs / 1000);
      }
      await next();
    } catch (err) {
      // Thrown here (not in a route): the app's onError answers after this middleware.
      if (err instanceof ApiError && err.status < 500) report(c, err.status, err.message, origin);
      throw err;
    }
    const { status } = c.res;
    // Without an error, the answer is the app's 404 or 405 for a path no route has.
    if (status >= 400 && status < 500)
      report(
        c,
        status,
        c.error?.message ?? (status === 405 ? 'Method not allowed.' : 'Not found.'),
        origin,
      );
    else if (status < 400 && origin !== undefined && !c.get('publicKey')?.origins.has(origin))
      c.header('Access-Control-Allow-Origin', undefined);
  });

  /**
   * Checks the presented key and the request's origin; sets `publicKey` and `shop`.
   * `write` counts the request against the key's limit. `nullOrigin` accepts `Origin: null`
   * as no origin (a plain form post from a page with a no-referrer policy).
   */
  async function authenticate(
    c: Context<PublicEnv>,
    raw: string | undefined,
    { write, nullOrigin = false }: { write: boolean; nullOrigin?: boolean },
  ): Promise<ShopContext> {
    if (!raw) throw new ApiError(401, 'Send a publishable key (pk_…) as `key`.');
    c.set('presentedKey', raw);
    if (!raw.startsWith('pk_')) throw refuseSecret();
    const key = raw.length <= 200 ? await cache.key(raw) : null;
    if (!key) throw new ApiError(401, 'This publishable key is not valid or was revoked.');
    const origin = requestHeader(c, 'origin');
    if (origin !== undefined && !(nullOrigin && origin === 'null')) {
      if (!key.origins.has(origin))
        throw new ApiError(
          403,
          `This website (${origin.slice(0, 200)}) may not use this key: add its origin to the key’s allowed_origins.`,
        );
    }
    const shop = await cache.shop(key.shopId);
    if (!shop) throw new ApiError(401, 'This publishable key is not valid or was revoked.');
    if (write && shop.keyRateLimit > 0) {
      let hit = keyLimiter(shop.keyRateLimit).hit(String(key.id));
      if (hit instanceof Promise) hit = await hit;
      if (!hit.ok) throw tooManyRequests(hit.retryAfterMs / 1000);
    }
    c.set('publicKey', key);
    c.set('shop', shop);
    return shop;
  }

  /**
   * The key of a request: `X-Touchpoint-Key`, else `?key=`, else the JSON body's `key`. A
   * POST's body is read (64 KiB at most, JSON only) and parsed here, once, and left in
   * `c.var.json` for the route to validate.
   */
  const requireKey = createMiddleware<PublicEnv>(async function requireKey(c, next) {
    let raw = requestHeader(c, 'x-touchpoint-key') ?? c.req.query('key');
    if (c.req.method === 'POST') {
      const body = await readJson(c, PUBLIC_BODY_LIMIT);
      c.set('json', body);
      const key = (body as { key?: unknown } | null)?.key;
      if (raw === undefined && typeof key === 'string') raw = key;
    }
    await authenticate(c, raw, { write: c.req.method === 'POST' });
    await next();
  });

  return { cors, authenticate, requireKey };
}
export type PublicGuard = ReturnType<typeof createPublicGuard>;
