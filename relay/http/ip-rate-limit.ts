import { createMiddleware } from 'hono/factory';
import type { Database } from '../db/sql.js';
import { clientIp } from './client-ip.js';
import { tooManyRequests } from './errors.js';
import { sharedLimiter } from './shared-counters.js';

export type IpRateLimitOptions = {
  /** Requests per window per client address; 0 turns the limit off. */
  limit: number;
  windowMs?: number;
  /** Names this limit's counts (one per middleware), shared by relays on PostgreSQL. */
  name: string;
};

/**
 * A per-address limit for endpoints anyone may call without a key (the demo's writes):
 * past `limit` requests in a window, 429 with `Retry-After` (RFC 6585 §4). Each middleware
 * made by this factory counts on its own; on PostgreSQL every relay counts into the same
 * window (relay/http/shared-counters.ts).
 */
export const ipRateLimit = (
  db: Database,
  { limit, windowMs = 60_000, name }: IpRateLimitOptions,
) => {
  const limiter = limit > 0 ? sharedLimiter(db, { name, limit, windowMs }) : null;
  return createMiddleware(async function ipRateLimit(c, next) {
    if (limiter) {
      const hit = await limiter.hit(clientIp(c));
      if (!hit.ok) throw tooManyRequests(hit.retryAfterMs / 1000);
    }
    await next();
  });
};
