/**
 * The relay's one query layer over two engines: SQLite (better-sqlite3, the embedded
 * default) and PostgreSQL (`pg`, for several relays on one database). Stores keep their
 * reviewed SQL as written — named `@params` or `?` placeholders — in `sql()` statements
 * defined once; each engine compiles a statement the first time it runs it (a prepared
 * statement per SQLite connection, a named prepared statement per PostgreSQL session).
 *
 * Work that must commit together runs in `db.tx(async (tx) => …)` and passes the `tx`
 * handle to whatever runs inside it (stores' `*InTx` functions, event handlers, the scenario
 * runtime): a query made through `tx` is part of the transaction, one made through `db` is
 * not. Nothing but SQL may be awaited inside a transaction: it holds SQLite's one writer (and
 * a PostgreSQL connection) until it ends.
 */

export type Engine = 'sqlite' | 'postgres';

/** Named parameters (`@name`), positional ones (`?`), or one positional value. */
export type Params = Record<string, unknown> | readonly unknown[] | string | number | bigint | null;

/** The SQL of one statement, for both engines or one text per engine where they differ. */
export type SqlText = string | { sqlite: string; postgres: string };

let nextId = 0;

/**
 * A statement, defined once (module or store scope) and run through a `Queryable`. `P` types
 * its parameters and `R` its rows: `sql<{ id: number }, Lead>('SELECT … WHERE id = @id')`.
 */
export class Sql<P = Params, R = Record<string, unknown>> {
  /** Unique per statement: names the PostgreSQL prepared statement. */
  readonly id = ++nextId;
  declare readonly __types?: { params: P; row: R };

  constructor(readonly source: SqlText) {}

  text(engine: Engine): string {
    return typeof this.source === 'string' ? this.source : this.source[engine];
  }
}

export const sql = <P = Params, R = Record<string, unknown>>(text: SqlText) => new Sql<P, R>(text);

export type RunResult = { changes: number };

/** What a connection and a transaction both offer. */
export interface Queryable {
  readonly engine: Engine;
  get<P, R>(statement: Sql<P, R>, params?: P): Promise<R | undefined>;
  all<P, R>(statement: Sql<P, R>, params?: P): Promise<R[]>;
  run<P, R>(statement: Sql<P, R>, params?: P): Promise<RunResult>;
  /** The first column of the first row (`SELECT count(*) …`), or undefined. */
  value<P, V>(statement: Sql<P, Record<string, V>>, params?: P): Promise<V | undefined>;
  /** Several statements of plain SQL with no parameters (migrations, schema set-up). */
  exec(text: string): Promise<void>;
}

/** A transaction in progress. */
export interface Tx extends Queryable {
  readonly inTransaction: true;
  /** Runs `fn` in a savepoint: if it throws, only its writes are undone, and the error rethrown. */
  savepoint<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Called once the transaction has committed (never when it rolls back): wake-ups, notifies. */
  afterCommit(fn: () => void): void;
}

export type TxOptions = {
  /**
   * PostgreSQL: times to run `fn` again after a serialization failure or a deadlock (40001,
   * 40P01). `fn` must then have no effect outside the database before commit.
   */
  retries?: number;
};

export interface Database extends Queryable {
  readonly inTransaction: false;
  /** Runs `fn` in one write transaction: commits when it resolves, rolls back when it throws. */
  tx<T>(fn: (tx: Tx) => Promise<T>, options?: TxOptions): Promise<T>;
  /** A human-readable place: the SQLite file's path or the PostgreSQL URL without password. */
  readonly location: string;
  close(): Promise<void>;
}

/** A transaction handle or the database itself. */
export type Conn = Database | Tx;

/**
 * Runs `fn` inside the caller's transaction when `q` is one, else in a new transaction: for
 * store functions that are called both on their own and inside a larger write.
 */
export function inTx<T>(q: Conn, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return q.inTransaction ? fn(q) : q.tx(fn);
}

/** Thrown when code awaits something else than SQL while holding SQLite's writer too long. */
export class TransactionMisuseError extends Error {}

/** An after-commit callback's failure must not look like a failed commit to the caller. */
export function runSafely(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    console.error('after commit:', err);
  }
}

/**
 * A constraint the database enforced, on either engine: `unique` (SQLite's
 * SQLITE_CONSTRAINT_UNIQUE / PRIMARYKEY, PostgreSQL's 23505) or `reference` (a foreign key:
 * SQLITE_CONSTRAINT_FOREIGNKEY, 23503). Routes answer 409 and 400 for them.
 */
export function constraintKind(err: unknown): 'unique' | 'reference' | 'other' | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  )
    return 'unique';
  if (code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'reference';
  if (code.startsWith('SQLITE_CONSTRAINT') || code === '23514' || code === '23502') return 'other';
  return null;
}
