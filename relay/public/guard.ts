import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Config } from '../config.js';
import { clientIp } from '../http/client-ip.js';
import { ApiError, tooManyRequests } from '../http/errors.js';
import { createWindowLimiter, type WindowLimiter } from '../http/rate-limit.js';
import { readJson, requestHeader } from './body.js';
import type { PublicCache, PublicKey, ShopContext } from './cache.js';

/** Hono environment of the public API: set by `authenticate`. */
export type PublicEnv = {
  Variables: { publicKey: PublicKey; shop: ShopContext; json: unknown };
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
 * nothing stored otherwise). A preflight carries no body, so no key unless the URL has one:
 * it passes when that key — or, without one, any publishable key — allows the origin. A
 * request without `Origin` (a server, an old browser's form post) is allowed: CORS protects
 * browsers' users, not the API; the limits still apply. https://fetch.spec.whatwg.org/#http-cors-protocol
 */
export function createPublicGuard(cache: PublicCache, config: Config) {
  const perIp =
    config.publicRateLimit > 0
      ? createWindowLimiter({ limit: config.publicRateLimit, windowMs: 60_000 })
      : null;
  /** One limiter per distinct limit: shops may set their own `public_key_rate_limit`. */
  const perKey = new Map<number, WindowLimiter>();
  const keyLimiter = (limit: number) => {
    let l = perKey.get(limit);
    if (!l) perKey.set(limit, (l = createWindowLimiter({ limit, windowMs: 60_000 })));
    return l;
  };

  const allowOrigin = (c: Context, origin: string) => {
    c.header('Access-Control-Allow-Origin', origin);
    c.header('Access-Control-Expose-Headers', 'Retry-After');
  };

  /** CORS and the per-IP limit, for every public path. */
  const cors = createMiddleware(async function publicCors(c, next) {
    c.header('Vary', 'Origin');
    const origin = requestHeader(c, 'origin');
    if (c.req.method === 'OPTIONS') {
      const raw = c.req.query('key');
      const allowed =
        origin !== undefined &&
        (raw !== undefined
          ? raw.length <= 200 && (await cache.key(raw))?.origins.has(origin) === true
          : cache.anyKeyAllows(origin));
      if (!allowed) throw new ApiError(403, 'This origin may not call the public API.');
      return c.body(null, 204, {
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Methods': 'GET, POST',
        'Access-Control-Allow-Headers': ALLOW_HEADERS,
        'Access-Control-Max-Age': PREFLIGHT_MAX_AGE,
        Vary: 'Origin',
      });
    }
    // Provisional, so that a widget can read early errors (429, 413, 415); `authenticate`
    // takes it back when the key turns out not to allow this origin.
    if (origin !== undefined && cache.anyKeyAllows(origin)) allowOrigin(c, origin);
    if (perIp) {
      const hit = perIp.hit(clientIp(c));
      if (!hit.ok) throw tooManyRequests(hit.retryAfterMs / 1000);
    }
    await next();
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
    if (!raw.startsWith('pk_')) throw refuseSecret();
    const key = raw.length <= 200 ? await cache.key(raw) : null;
    if (!key) throw new ApiError(401, 'This publishable key is not valid or was revoked.');
    const origin = requestHeader(c, 'origin');
    if (origin !== undefined && !(nullOrigin && origin === 'null')) {
      if (!key.origins.has(origin)) {
        c.header('Access-Control-Allow-Origin', undefined);
        c.header('Access-Control-Expose-Headers', undefined);
        throw new ApiError(
          403,
          'This website may not use this key: add its origin to the key’s allowed_origins.',
        );
      }
      // Already set by `cors` unless the key is newer than the cached set of origins.
      if (!cache.anyKeyAllows(origin)) allowOrigin(c, origin);
    }
    const shop = await cache.shop(key.shopId);
    if (!shop) throw new ApiError(401, 'This publishable key is not valid or was revoked.');
    if (write && shop.keyRateLimit > 0) {
      const hit = keyLimiter(shop.keyRateLimit).hit(String(key.id));
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
