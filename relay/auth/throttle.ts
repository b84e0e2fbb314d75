import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../db/sql.js';
import { tooManyRequests } from '../http/errors.js';
import { memoryCounter, sharedCounter, type AttemptCounter } from '../http/shared-counters.js';

/**
 * Login attempt limits, per 15-minute window. Hard (429) per email *and* address, so a
 * guesser at one address is stopped without locking the owner out from another, and per
 * address, so one address cannot try many emails. Per email across addresses only a soft,
 * growing delay: never a lockout.
 */
export const LOGIN_LIMITS = {
  windowMs: 15 * 60_000,
  perEmailAddress: 5,
  perAddress: 20,
  /** Failures of one email (from anywhere) after which each attempt for it waits… */
  softAfter: 5,
  /** …this long, doubling with each further failure, up to softMaxMs. */
  softBaseMs: 250,
  softMaxMs: 8_000,
} as const;

export type LoginCounters = {
  /** Attempts per (email, address): hard limit; cleared by a success. */
  pairs: AttemptCounter;
  /** Attempts per address: hard limit. */
  addresses: AttemptCounter;
  /** Failed attempts per email, from any address: the soft delay. */
  emails: AttemptCounter;
};

export const memoryLoginCounters = (now?: () => number): LoginCounters => ({
  pairs: memoryCounter(LOGIN_LIMITS.windowMs, now),
  addresses: memoryCounter(LOGIN_LIMITS.windowMs, now),
  emails: memoryCounter(LOGIN_LIMITS.windowMs, now),
});

/**
 * The relay's counters: in memory on SQLite, in the database on PostgreSQL, where a guesser
 * spreading attempts over several relays meets the same limits as against one.
 */
export const loginCounters = (db: Database): LoginCounters => ({
  pairs: sharedCounter(db, 'login:pair', LOGIN_LIMITS.windowMs),
  addresses: sharedCounter(db, 'login:address', LOGIN_LIMITS.windowMs),
  emails: sharedCounter(db, 'login:email', LOGIN_LIMITS.windowMs),
});

/**
 * What became of an attempt that `begin` let through. An attempt that ends otherwise (the
 * check queue was full) stays counted: every attempt past the limits counts until a success.
 */
export type LoginAttempt = {
  succeeded(): Promise<void>;
  failed(): Promise<void>;
};

/** The soft delay before checking a password for an email that failed `failures` times. */
export const softDelayMs = (failures: number) =>
  failures < LOGIN_LIMITS.softAfter
    ? 0
    : Math.min(
        LOGIN_LIMITS.softMaxMs,
        LOGIN_LIMITS.softBaseMs * 2 ** (failures - LOGIN_LIMITS.softAfter),
      );

export function createLoginThrottle(counters: LoginCounters = memoryLoginCounters()) {
  const { pairs, addresses, emails } = counters;
  return {
    /**
     * Counts the attempt *before* the password is checked, so parallel requests cannot all
     * pass a check made while none had failed yet; over a hard limit it is refused (429, and
     * taken back so it uses up nothing). Then waits out the email's soft delay.
     */
    async begin(email: string, address: string): Promise<LoginAttempt> {
      const pair = `${email}\n${address}`;
      const [p, a] = await Promise.all([pairs.add(pair), addresses.add(address)]);
      const over = [
        p.count > LOGIN_LIMITS.perEmailAddress && p.retryAfterMs,
        a.count > LOGIN_LIMITS.perAddress && a.retryAfterMs,
      ].filter((ms): ms is number => ms !== false);
      if (over.length) {
        await Promise.all([pairs.remove(pair), addresses.remove(address)]);
        throw tooManyRequests(
          Math.max(...over) / 1000,
          'Too many failed logins from this address. Try again later.',
        );
      }
      const delay = softDelayMs(await emails.count(email));
      if (delay > 0) await sleep(delay);
      return {
        async succeeded() {
          // A success is no failure: the pair starts over, the address gets its attempt back.
          await Promise.all([pairs.clear(pair), addresses.remove(address)]);
        },
        async failed() {
          await emails.add(email);
        },
      };
    },
  };
}
export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
