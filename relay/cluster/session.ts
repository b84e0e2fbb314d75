import type pg from 'pg';
import type { PostgresDatabase } from '../db/postgres.js';

/** The one NOTIFY channel relays talk on (relay/cluster/broadcast.ts). */
export const CHANNEL = 'touchpoint';

/** How `application_name` names a relay's session: other relays look for it (ownership.ts). */
export const sessionName = (instanceId: string) => `touchpoint/${instanceId}`;

const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5_000;
/** A query on the session that takes this long means the connection is gone. */
const QUERY_TIMEOUT_MS = 10_000;

export type SessionHandlers = {
  /** A notification on CHANNEL (from any relay, this one included). */
  onNotify(payload: string): void;
  /**
   * Connected and listening, at start and after every reconnect. A new session holds none of
   * the old one's advisory locks, and notifications sent while it was down are lost.
   */
  onConnect(): void;
  /** The connection broke: its advisory locks are gone (PostgreSQL freed them). */
  onLost(): void;
};

/**
 * A relay's own PostgreSQL connection, outside the pool, for as long as the relay runs: it
 * LISTENs on CHANNEL and holds the session advisory locks that make this relay the owner of
 * bots (relay/cluster/ownership.ts). Its `application_name` carries the relay's id, so other
 * relays see whether it is connected (pg_stat_activity). When it breaks it reconnects, with a
 * growing pause (at most 5 s), and says so.
 *
 * A pooler in transaction mode (PgBouncer's `pool_mode = transaction`) gives each statement
 * whichever server connection is free: session locks and LISTEN then do not hold. Point
 * TOUCHPOINT_DATABASE_URL at PostgreSQL itself or at a session-mode pool.
 */
export function createSession(db: PostgresDatabase, instanceId: string, on: SessionHandlers) {
  let client: pg.Client | null = null;
  let closed = false;
  let retryMs = RETRY_FIRST_MS;
  let timer: NodeJS.Timeout | undefined;

  const lost = (c: pg.Client, err?: Error) => {
    if (client !== c) return;
    client = null;
    c.end().catch(() => {});
    if (closed) return;
    console.error(`relay ${instanceId}: database session lost${err ? `: ${err.message}` : ''}`);
    on.onLost();
    retry();
  };

  const retry = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      connect().catch((err) => {
        console.error(`relay ${instanceId}: database session: ${(err as Error).message}`);
        retry();
      });
    }, retryMs);
    timer.unref();
    retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
  };

  async function connect(): Promise<void> {
    const c = db.client(sessionName(instanceId), { query_timeout: QUERY_TIMEOUT_MS });
    c.on('error', (err) => lost(c, err));
    c.on('end', () => lost(c));
    c.on('notification', (m) => {
      if (m.channel === CHANNEL && m.payload !== undefined) on.onNotify(m.payload);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      c.end().catch(() => {});
      throw err;
    }
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    retryMs = RETRY_FIRST_MS;
    on.onConnect();
  }

  return {
    /** Connects (and listens); throws when PostgreSQL cannot be reached. */
    start: connect,

    get connected(): boolean {
      return client !== null;
    },

    /** A query on this session (its advisory locks); throws when it is not connected. */
    async query<R extends pg.QueryResultRow = Record<string, unknown>>(
      text: string,
      values: unknown[] = [],
    ): Promise<R[]> {
      const c = client;
      if (!c) throw new Error('The relay’s database session is reconnecting.');
      try {
        return (await c.query<R>(text, values)).rows;
      } catch (err) {
        // A timeout leaves the connection in doubt: end it (its locks go) and start afresh.
        if (/timeout/i.test((err as Error).message)) lost(c, err as Error);
        throw err;
      }
    },

    /** Ends the session: PostgreSQL frees its locks; no reconnect. */
    async close(): Promise<void> {
      closed = true;
      clearTimeout(timer);
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
export type Session = ReturnType<typeof createSession>;
