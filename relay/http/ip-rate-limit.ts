import { createMiddleware } from 'hono/factory';
import { clientIp } from './client-ip.js';
import { tooManyRequests } from './errors.js';
import { createWindowLimiter } from './rate-limit.js';

export type IpRateLimitOptions = {
  /** Requests per window per client address; 0 turns the limit off. */
  limit: number;
  windowMs?: number;
};

/**
 * A per-address limit for endpoints anyone may call without a key (the demo's writes):
 * past `limit` requests in a window, 429 with `Retry-After` (RFC 6585 §4). Each middleware
 * made by this factory counts on its own.
 */
export const ipRateLimit = ({ limit, windowMs = 60_000 }: IpRateLimitOptions) => {
  const limiter = limit > 0 ? createWindowLimiter({ limit, windowMs }) : null;
  return createMiddleware(async function ipRateLimit(c, next) {
    if (limiter) {
      const hit = limiter.hit(clientIp(c));
      if (!hit.ok) throw tooManyRequests(hit.retryAfterMs / 1000);
    }
    await next();
  });
};
