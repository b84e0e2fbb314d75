import BetterSqlite3 from 'better-sqlite3';
import {
  runSafely,
  type Database,
  type Params,
  type Queryable,
  type RunResult,
  type Sql,
  type Tx,
  type TxOptions,
} from './sql.js';

type Conn = BetterSqlite3.Database;
type Statement = BetterSqlite3.Statement<unknown[], unknown>;

/** A FIFO lock: SQLite has one writer, and a transaction may now span several awaits. */
class WriterLock {
  private held = false;
  private readonly waiting: (() => void)[] = [];

  /** Takes the lock at once when it is free (the common case: no await, no microtask). */
  tryAcquire(): boolean {
    if (this.held) return false;
    this.held = true;
    return true;
  }

  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }

  get busy(): boolean {
    return this.held;
  }
}

/** better-sqlite3 binds named parameters from an object and positional ones as arguments. */
const bind = (params: unknown): unknown[] =>
  params === undefined ? [] : Array.isArray(params) ? params : [params];

/** Compiled statements of one connection, by statement. */
function statementCache(conn: Conn) {
  const cache = new Map<number, Statement>();
  return (s: Sql<unknown, unknown>): Statement => {
    let st = cache.get(s.id);
    if (!st) {
      st = conn.prepare(s.text('sqlite'));
      cache.set(s.id, st);
    }
    return st;
  };
}

/** Runs one statement on one connection (no locking: the caller holds what it needs). */
function queries(conn: Conn) {
  const prepared = statementCache(conn);
  return {
    prepared,
    get: (s: Sql<unknown, unknown>, p: unknown) => prepared(s).get(...bind(p)),
    all: (s: Sql<unknown, unknown>, p: unknown) => prepared(s).all(...bind(p)),
    run: (s: Sql<unknown, unknown>, p: unknown): RunResult => ({
      changes: prepared(s).run(...bind(p)).changes,
    }),
  };
}

const firstValue = (row: unknown) =>
  row === undefined ? undefined : Object.values(row as Record<string, unknown>)[0];

/** SQL functions the stores use that SQLite lacks: registered on every connection. */
function registerFunctions(conn: Conn) {
  // SQLite's lower() folds ASCII only; searches by name must fold Cyrillic too (PostgreSQL's
  // lower() does, under a UTF-8 database).
  conn.function('lower_unicode', { deterministic: true }, (s: unknown) =>
    typeof s === 'string' ? s.toLowerCase() : s,
  );
}

/**
 * WAL lets readers run beside the one writer; synchronous=NORMAL in WAL mode keeps every
 * committed transaction across a process crash (only an OS crash can lose the last ones).
 * https://www.sqlite.org/pragma.html#pragma_synchronous
 */
function configure(conn: Conn) {
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = NORMAL');
  conn.pragma('foreign_keys = ON');
  conn.pragma('busy_timeout = 5000');
  // Savepoint journals (one per lead in the intake's group commit) stay in memory instead of
  // temporary files: most of a batched lead's write cost otherwise. https://www.sqlite.org/tempfiles.html
  conn.pragma('temp_store = MEMORY');
  registerFunctions(conn);
}

export type SqliteDatabase = Database & {
  /** The writer connection, for what only SQLite has (PRAGMAs, the file's own checks). */
  readonly raw: Conn;
};

/**
 * The SQLite engine: one writer connection behind an async lock (transactions and every
 * write), and — for a database file — a second connection for reads outside transactions,
 * which in WAL mode sees the last commit and never waits for the writer. An in-memory
 * database has one connection, so reads outside a transaction wait while one is open
 * (they would otherwise see its uncommitted rows).
 */
export function openSqlite(path: string): SqliteDatabase {
  const writer = new BetterSqlite3(path);
  configure(writer);
  const separateReader = path !== ':memory:' && !path.startsWith('file:');
  const reader = separateReader ? new BetterSqlite3(path) : writer;
  if (separateReader) configure(reader);

  const lock = new WriterLock();
  const w = queries(writer);
  const r = separateReader ? queries(reader) : w;
  /** Whether a statement only reads, learned once per statement from the writer's compile. */
  const readonly = (s: Sql<unknown, unknown>) => w.prepared(s).readonly;

  /** Runs `fn` holding the writer lock, without a microtask when it is free. */
  const locked = <T>(fn: () => T): T | Promise<T> => {
    if (lock.tryAcquire()) {
      try {
        return fn();
      } finally {
        lock.release();
      }
    }
    return lock.acquire().then(() => {
      try {
        return fn();
      } finally {
        lock.release();
      }
    });
  };
  /** A statement outside any transaction: reads on the reader, writes under the lock. */
  const outside = <T>(s: Sql<unknown, unknown>, fn: (q: typeof w) => T): Promise<T> => {
    try {
      if (separateReader && readonly(s)) return Promise.resolve(fn(r));
      return Promise.resolve(locked(() => fn(w)));
    } catch (err) {
      return Promise.reject(err);
    }
  };

  let savepoints = 0;
  function transaction(state: { open: boolean; after: (() => void)[] }): Tx {
    const check = () => {
      if (!state.open) throw new Error('This transaction has ended: use it only inside its tx().');
    };
    const tx: Tx = {
      engine: 'sqlite',
      inTransaction: true,
      async get(s, p) {
        check();
        return w.get(s, p) as never;
      },
      async all(s, p) {
        check();
        return w.all(s, p) as never;
      },
      async run(s, p) {
        check();
        return w.run(s, p);
      },
      async value(s, p) {
        check();
        return firstValue(w.get(s, p)) as never;
      },
      async exec(text) {
        check();
        writer.exec(text);
      },
      async savepoint(fn) {
        check();
        const name = `tp_sp${++savepoints}`;
        writer.exec(`SAVEPOINT ${name}`);
        try {
          const result = await fn(tx);
          writer.exec(`RELEASE ${name}`);
          return result;
        } catch (err) {
          writer.exec(`ROLLBACK TO ${name}`);
          writer.exec(`RELEASE ${name}`);
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

  const db: SqliteDatabase = {
    engine: 'sqlite',
    inTransaction: false,
    location: path,
    raw: writer,
    get: (s, p) => outside(s, (q) => q.get(s, p)) as never,
    all: (s, p) => outside(s, (q) => q.all(s, p)) as never,
    run: (s, p) => outside(s, (q) => q.run(s, p)),
    value: (s, p) => outside(s, (q) => firstValue(q.get(s, p))) as never,
    async exec(text) {
      await locked(() => writer.exec(text));
    },
    async tx<T>(fn: (tx: Tx) => Promise<T>, _options?: TxOptions): Promise<T> {
      await lock.acquire();
      const state = { open: true, after: [] as (() => void)[] };
      let result: T;
      try {
        writer.exec('BEGIN IMMEDIATE');
        try {
          result = await fn(transaction(state));
          writer.exec('COMMIT');
        } catch (err) {
          if (writer.inTransaction) writer.exec('ROLLBACK');
          throw err;
        }
      } finally {
        state.open = false;
        lock.release();
      }
      for (const after of state.after) runSafely(after);
      return result;
    },
    async close() {
      await lock.acquire();
      if (separateReader) reader.close();
      writer.close();
      lock.release();
    },
  };
  return db;
}

export type { Params, Queryable };
