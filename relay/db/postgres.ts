import pg from 'pg';
import {
  runSafely,
  type Database,
  type Engine,
  type Queryable,
  type RunResult,
  type Sql,
  type Tx,
  type TxOptions,
} from './sql.js';

/**
 * The PostgreSQL engine, through the `pg` driver's pool. Sessions run in UTC at READ
 * COMMITTED; stores take row locks (`FOR UPDATE`) or use `ON CONFLICT` where a
 * read-modify-write must hold with several writers.
 */

/** `2026-01-31 12:00:00.1+00` (a UTC session's timestamptz) → `2026-01-31T12:00:00.100Z`. */
export function isoFromTimestamptz(text: string): string {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d+))?\+00$/.exec(text);
  if (!m) return new Date(text).toISOString();
  return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
}

/**
 * Values read back as SQLite gives them, so stores map rows the same way on both engines:
 * bigint ids and counts as numbers (ids stay far below 2^53), numeric as numbers,
 * timestamps as the API's ISO strings, booleans (from `EXISTS (…)` and comparisons) as 1/0.
 */
const PARSERS: Record<number, (text: string) => unknown> = {
  16: (t) => (t === 't' ? 1 : 0),
  20: Number,
  1700: Number,
  1184: isoFromTimestamptz,
};
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    PARSERS[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** Serialization failure and deadlock: the transaction may succeed when run again. */
const RETRYABLE = new Set(['40001', '40P01']);

type Compiled = { text: string; names: string[] | null; name: string };

/**
 * The project's SQL uses `@name` (named) or `?` (positional) placeholders, as better-sqlite3
 * does; PostgreSQL wants `$1…`. Rewritten once per statement, skipping quoted strings,
 * quoted identifiers and comments.
 */
export function compile(text: string, id: number): Compiled {
  let out = '';
  const names: string[] = [];
  let positional = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      const stop = end < 0 ? text.length : end + 1;
      out += text.slice(i, stop);
      i = stop;
    } else if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += text.slice(i, stop);
      i = stop;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop);
      i = stop;
    } else if (c === '@' && /[A-Za-z_]/.test(text[i + 1] ?? '')) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))!;
      let n = names.indexOf(m[0]);
      if (n < 0) n = names.push(m[0]) - 1;
      out += `$${n + 1}`;
      i += 1 + m[0].length;
    } else if (c === '?') {
      out += `$${++positional}`;
      i += 1;
    } else {
      out += c;
      i += 1;
    }
  }
  if (names.length && positional) throw new Error(`Mixed @named and ? parameters in: ${text}`);
  return { text: out, names: names.length ? names : null, name: `tp_${id}` };
}

/**
 * PostgreSQL's text cannot hold U+0000 (SQLite's can): a NUL from a messenger, a form or a
 * query string would fail the whole statement. It is stored as U+FFFD, the replacement
 * character, instead. (JSON documents keep theirs as the `\u0000` escape.)
 */
const bindable = (v: unknown) =>
  v == null ? null : typeof v === 'string' && v.includes('\0') ? v.replaceAll('\0', '\uFFFD') : v;

function values(c: Compiled, params: unknown): unknown[] {
  if (params === undefined) return [];
  if (c.names) {
    const p = params as Record<string, unknown>;
    return c.names.map((n) => {
      if (!(n in p)) throw new RangeError(`Missing named parameter "${n}"`);
      return bindable(p[n]);
    });
  }
  return (Array.isArray(params) ? params : [params]).map(bindable);
}

type Client = pg.Pool | pg.PoolClient;

function queries(engine: Engine, compiled: (s: Sql<unknown, unknown>) => Compiled) {
  const query = async (client: Client, s: Sql<unknown, unknown>, p: unknown) => {
    const c = compiled(s);
    return client.query({ name: c.name, text: c.text, values: values(c, p) });
  };
  return (client: Client): Queryable => ({
    engine,
    async get(s, p) {
      return (await query(client, s, p)).rows[0];
    },
    async all(s, p) {
      return (await query(client, s, p)).rows;
    },
    async run(s, p): Promise<RunResult> {
      return { changes: (await query(client, s, p)).rowCount ?? 0 };
    },
    async value(s, p) {
      const row = (await query(client, s, p)).rows[0];
      return (row === undefined ? undefined : Object.values(row)[0]) as never;
    },
    async exec(text) {
      await client.query(text);
    },
  });
}

export type PostgresDatabase = Database & {
  /** The pool, for what only PostgreSQL has (LISTEN, session advisory locks). */
  readonly pool: pg.Pool;
  /**
   * A connection of its own, outside the pool, set up as the pool's are (UTC, the same
   * parsers), for what lasts as long as a session: LISTEN, session advisory locks
   * (relay/cluster). Not connected yet; the caller ends it.
   */
  client(applicationName: string, extra?: pg.ClientConfig): pg.Client;
};

export type PostgresOptions = { max?: number; applicationName?: string };

/** `postgres://user@host:port/db`, without the password, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

export function openPostgres(url: string, options: PostgresOptions = {}): PostgresDatabase {
  const settings = {
    connectionString: url,
    // Times are compared and printed in UTC, whatever the server's default.
    options: '-c TimeZone=UTC',
    types,
  };
  const pool = new pg.Pool({
    ...settings,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'touchpoint',
  });
  let closed = false;
  // An idle client's error (the server restarted) must not crash the process: the pool drops
  // it. Once closed, the server's goodbye to connections still shutting down is not news.
  pool.on('error', (err) => closed || console.error('postgres pool:', err.message));

  const cache = new Map<number, Compiled>();
  const compiled = (s: Sql<unknown, unknown>) => {
    let c = cache.get(s.id);
    if (!c) {
      c = compile(s.text('postgres'), s.id);
      cache.set(s.id, c);
    }
    return c;
  };
  const on = queries('postgres', compiled);
  const outside = on(pool);

  let savepoints = 0;
  function transaction(client: pg.PoolClient, state: { open: boolean; after: (() => void)[] }) {
    const q = on(client);
    const check = () => {
      if (!state.open) throw new Error('This transaction has ended: use it only inside its tx().');
    };
    const tx: Tx = {
      engine: 'postgres',
      inTransaction: true,
      get: (s, p) => (check(), q.get(s, p)),
      all: (s, p) => (check(), q.all(s, p)),
      run: (s, p) => (check(), q.run(s, p)),
      value: (s, p) => (check(), q.value(s, p)),
      exec: (text) => (check(), q.exec(text)),
      async savepoint(fn) {
        check();
        const name = `tp_sp${++savepoints}`;
        await client.query(`SAVEPOINT ${name}`);
        try {
          const result = await fn(tx);
          await client.query(`RELEASE SAVEPOINT ${name}`);
          return result;
        } catch (err) {
          await client.query(`ROLLBACK TO SAVEPOINT ${name}`);
          await client.query(`RELEASE SAVEPOINT ${name}`);
          throw err;
        }
      },
      afterCommit(fn) {
        check();
        state.after.push(fn);
      },
    };
    return tx;
  }

  return {
    ...outside,
    engine: 'postgres',
    inTransaction: false,
    location: redactUrl(url),
    pool,
    client: (applicationName, extra = {}) =>
      new pg.Client({ ...settings, application_name: applicationName, keepAlive: true, ...extra }),
    async tx<T>(fn: (tx: Tx) => Promise<T>, { retries = 3 }: TxOptions = {}): Promise<T> {
      for (let attempt = 0; ; attempt++) {
        const client = await pool.connect();
        const state = { open: true, after: [] as (() => void)[] };
        let result: T;
        try {
          await client.query('BEGIN');
          result = await fn(transaction(client, state));
          await client.query('COMMIT');
        } catch (err) {
          state.open = false;
          // A connection that cannot even roll back is broken: the pool must drop it.
          const broken = await client.query('ROLLBACK').then(
            () => false,
            () => true,
          );
          client.release(broken);
          const code = (err as { code?: string }).code;
          if (code && RETRYABLE.has(code) && attempt < retries) continue;
          throw err;
        }
        state.open = false;
        client.release();
        for (const after of state.after) runSafely(after);
        return result;
      }
    },
    async close() {
      closed = true;
      await pool.end();
    },
  };
}
