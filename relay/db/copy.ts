import BetterSqlite3 from 'better-sqlite3';
import { migratePostgres } from './migrate-pg.js';
import { openPostgres } from './postgres.js';
import { sql, type Queryable, type Tx } from './sql.js';

/**
 * `touchpoint db:copy --to postgres://…`: moves a shop's SQLite database into an empty
 * PostgreSQL one, so that several relays can share it.
 *
 * - The SQLite file is read in one read transaction (a snapshot: a relay still writing to it
 *   is not seen half-way, though what it writes after the snapshot is not copied — stop it).
 * - The PostgreSQL database must hold no Touchpoint rows (and no other tables); it is migrated
 *   to the current schema first.
 * - Everything is written in ONE PostgreSQL transaction, with every table locked against
 *   writers: tables in foreign-key order, rows in batches, ids kept. A column that refers to
 *   a table copied later or to its own table (bots.welcome_flow_id, flows.first_step_id,
 *   steps.next_step_id …) is filled in by a second pass once every table is there.
 * - Values keep their form: both schemas store ids and flags as integers and JSON documents as
 *   text; only times differ (ISO 8601 text on SQLite, timestamptz on PostgreSQL), and are
 *   checked and passed as ISO strings. Stored secrets are copied as they are, still encrypted
 *   under the operator key: the PostgreSQL relays need that same key.
 * - Each identity's sequence is moved past the largest copied id, then every table's row count
 *   is compared with the source's; any difference rolls everything back.
 *
 * A failed copy leaves the PostgreSQL database migrated and empty (identity sequences may have
 * moved: harmless), so the command can simply be run again.
 */

/** Rows per INSERT: one JSON parameter each, a few MB at most with the largest rows. */
export const COPY_BATCH_ROWS = 500;

export class CopyError extends Error {}

export type CopyOptions = {
  /** The SQLite file, migrated to the current schema already (openDb does). */
  sqlitePath: string;
  postgresUrl: string;
  batchRows?: number;
  /** One line per batch: `leads: 1,000 / 2,345`. */
  progress?: (line: string) => void;
};

export type CopyReport = {
  tables: { table: string; rows: number }[];
  rows: number;
  /** Where it went, without the password. */
  location: string;
};

type Column = { name: string; type: string; identity: boolean };
type Reference = { table: string; parent: string; column: string; notNull: boolean };
type Table = {
  name: string;
  columns: Column[];
  /** SQLite's primary key columns, in key order: the order rows are read in. */
  key: string[];
  /** Columns inserted as NULL and set by the second pass. */
  deferred: string[];
};

const IDENT = /^[a-z_][a-z0-9_]*$/;
const quote = (name: string) => {
  if (!IDENT.test(name)) throw new CopyError(`Unexpected table or column name: ${name}`);
  return `"${name}"`;
};

const catalog = {
  tables: sql<undefined, { name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  ),
  columns: sql<undefined, { table: string; name: string; type: string; identity: string }>(
    `SELECT table_name AS "table", column_name AS name, data_type AS type, is_identity AS identity
     FROM information_schema.columns WHERE table_schema = current_schema()
     ORDER BY table_name, ordinal_position`,
  ),
  references: sql<undefined, { table: string; parent: string; column: string; not_null: number }>(
    `SELECT child.relname AS "table", parent.relname AS parent, a.attname AS "column",
            a.attnotnull AS not_null
     FROM pg_constraint c
     JOIN pg_class child ON child.oid = c.conrelid
     JOIN pg_class parent ON parent.oid = c.confrelid
     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
     WHERE c.contype = 'f' AND child.relnamespace = current_schema()::regnamespace
     ORDER BY 1, 3`,
  ),
};

/** The version table of relay/db/migrate-pg.ts: Touchpoint's, but not data to copy. */
const SCHEMA_TABLE = 'touchpoint_schema';

export async function copySqliteToPostgres({
  sqlitePath,
  postgresUrl,
  batchRows = COPY_BATCH_ROWS,
  progress = () => {},
}: CopyOptions): Promise<CopyReport> {
  const target = openPostgres(postgresUrl, { max: 1, applicationName: 'touchpoint db:copy' });
  const source = new BetterSqlite3(sqlitePath, { readonly: true, fileMustExist: true });
  try {
    await refuseUnlessEmpty(target, target.location);
    await migratePostgres(target);
    const tables = await plan(target, source);

    progress(`Copying ${sqlitePath} into ${target.location}, in one transaction:`);
    // One snapshot of the source for the counts and every row read.
    source.exec('BEGIN');
    const counts = new Map(
      tables.map((t) => [
        t.name,
        source
          .prepare(`SELECT count(*) FROM ${quote(t.name)}`)
          .pluck()
          .get() as number,
      ]),
    );
    await target.tx(
      async (tx) => {
        // Relays started meanwhile wait until the copy commits, and the check below holds.
        await tx.exec(
          `LOCK TABLE ${tables.map((t) => quote(t.name)).join(', ')} IN EXCLUSIVE MODE`,
        );
        await refuseUnlessEmpty(tx, target.location);
        for (const t of tables)
          await copyTable(tx, source, t, counts.get(t.name)!, batchRows, progress);
        for (const t of tables)
          if (t.deferred.length) {
            await fillDeferred(tx, source, t, batchRows);
            progress(`${t.name}: ${t.deferred.join(', ')} filled in`);
          }
        for (const t of tables) await moveIdentities(tx, t);
        await verifyCounts(tx, tables, counts);
      },
      { retries: 0 },
    );
    source.exec('COMMIT');
    const report = tables.map((t) => ({ table: t.name, rows: counts.get(t.name)! }));
    return {
      tables: report,
      rows: report.reduce((n, t) => n + t.rows, 0),
      location: target.location,
    };
  } finally {
    source.close();
    await target.close();
  }
}

/** Refuses a database that holds any row of Touchpoint's tables, or tables of something else. */
async function refuseUnlessEmpty(q: Queryable, location: string) {
  const names = (await q.all(catalog.tables)).map((t) => t.name);
  if (!names.length) return;
  if (!names.includes(SCHEMA_TABLE))
    throw new CopyError(
      `The PostgreSQL database ${location} is not empty: it holds tables that are not Touchpoint's (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}). db:copy copies only into an empty database: create one (createdb touchpoint) and run the command again.`,
    );
  const filled: string[] = [];
  for (const name of names) {
    if (name === SCHEMA_TABLE) continue;
    const any = sql<undefined, { found: number }>(
      `SELECT EXISTS (SELECT 1 FROM ${quote(name)}) AS found`,
    );
    if (await q.value(any)) filled.push(name);
  }
  if (filled.length)
    throw new CopyError(
      `The PostgreSQL database ${location} is not empty: ${filled.join(', ')} ${filled.length === 1 ? 'has' : 'have'} rows. db:copy copies only into an empty database, so that nothing there is overwritten or mixed with this shop's data: create a new one (createdb touchpoint), or stop its relays and empty it, then run the command again.`,
    );
}

/**
 * The tables to copy, from PostgreSQL's catalog, checked against the SQLite file's (same
 * tables, same columns), in an order where each table's NOT NULL references are copied
 * before it; a nullable reference that cannot be (a cycle, or its own table) is deferred.
 */
async function plan(target: Queryable, source: BetterSqlite3.Database): Promise<Table[]> {
  const columns = await target.all(catalog.columns);
  const references: Reference[] = (await target.all(catalog.references)).map((r) => ({
    table: r.table,
    parent: r.parent,
    column: r.column,
    notNull: Boolean(r.not_null),
  }));
  const names = [...new Set(columns.map((c) => c.table))].filter((n) => n !== SCHEMA_TABLE);

  const sqliteTables = (
    source
      .prepare(
        `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`,
      )
      .pluck()
      .all() as string[]
  ).filter((n) => n !== SCHEMA_TABLE);
  const differ = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));
  const only = [...differ(sqliteTables, names), ...differ(names, sqliteTables)];
  if (only.length)
    throw new CopyError(
      `The two schemas differ (table ${only.join(', ')} is in only one of them): use the same Touchpoint version for both, and run it on the SQLite file once (touchpoint migrate).`,
    );

  const tables = new Map<string, Table>();
  for (const name of names) {
    const info = source.prepare(`SELECT name, pk FROM pragma_table_info(?)`).all(name) as {
      name: string;
      pk: number;
    }[];
    const pgColumns = columns
      .filter((c) => c.table === name)
      .map((c) => ({ name: c.name, type: c.type, identity: c.identity === 'YES' }));
    const mismatch = [
      ...differ(
        info.map((c) => c.name),
        pgColumns.map((c) => c.name),
      ),
      ...differ(
        pgColumns.map((c) => c.name),
        info.map((c) => c.name),
      ),
    ];
    if (mismatch.length)
      throw new CopyError(
        `The two schemas differ: ${name}.${mismatch.join(`, ${name}.`)} is in only one of them. Use the same Touchpoint version for both.`,
      );
    const key = info
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name);
    tables.set(name, { name, columns: pgColumns, key: key.length ? key : ['rowid'], deferred: [] });
  }

  const ordered: Table[] = [];
  const placed = new Set<string>();
  const refsOf = (name: string) => references.filter((r) => r.table === name);
  const waitsFor = (r: Reference) => r.parent === r.table || !placed.has(r.parent);
  const remaining = [...names];
  while (remaining.length) {
    // A table whose references are all in place; failing that, one whose unplaced ones
    // may be NULL for a moment (they are deferred).
    const next =
      remaining.find((n) => refsOf(n).every((r) => r.parent === n || !waitsFor(r))) ??
      remaining.find((n) => refsOf(n).every((r) => !r.notNull || !waitsFor(r)));
    if (!next)
      throw new CopyError(
        `Cannot order ${remaining.join(', ')}: their NOT NULL references form a cycle.`,
      );
    const table = tables.get(next)!;
    table.deferred = refsOf(next)
      .filter(waitsFor)
      .map((r) => r.column);
    ordered.push(table);
    placed.add(next);
    remaining.splice(remaining.indexOf(next), 1);
  }
  return ordered;
}

/** Reads a table in primary-key order, `size` rows at a time (keyset, not OFFSET). */
function* batches(
  source: BetterSqlite3.Database,
  table: Table,
  columns: string[],
  size: number,
  where = '',
) {
  const keys = table.key.map(quote).join(', ');
  const list = [...new Set([...table.key, ...columns])].map(quote).join(', ');
  const from = `SELECT ${list} FROM ${quote(table.name)}`;
  const first = source.prepare(`${from} ${where ? `WHERE ${where}` : ''} ORDER BY ${keys} LIMIT ?`);
  const after = source.prepare(
    `${from} WHERE (${keys}) > (${table.key.map(() => '?').join(', ')}) ${where ? `AND (${where})` : ''} ORDER BY ${keys} LIMIT ?`,
  );
  let rows = first.all(size) as Record<string, unknown>[];
  while (rows.length) {
    yield rows;
    if (rows.length < size) return;
    const last = rows[rows.length - 1];
    rows = after.all(...table.key.map((k) => last[k]), size) as Record<string, unknown>[];
  }
}

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)$/;
/** SQLite's own `datetime()` form, UTC: accepted too, in case a row was written by hand. */
const SQLITE_UTC = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?$/;

/**
 * A SQLite value as PostgreSQL's column takes it. Times are the one real difference: the
 * relay writes ISO 8601 UTC text, which timestamptz parses as it is; anything else would be
 * read in the server's time zone or refused, so it stops the copy with the row named.
 */
function converter(table: Table, column: Column) {
  if (column.type !== 'timestamp with time zone') return (v: unknown) => v;
  return (v: unknown, row: Record<string, unknown>) => {
    if (v === null) return null;
    if (typeof v === 'string' && ISO_UTC.test(v) && !Number.isNaN(Date.parse(v))) return v;
    if (typeof v === 'string' && SQLITE_UTC.test(v)) return `${v.replace(' ', 'T')}Z`;
    const where = table.key.map((k) => `${k} ${JSON.stringify(row[k])}`).join(', ');
    throw new CopyError(
      `${table.name}.${column.name} of the row with ${where} is not an ISO 8601 time: ${JSON.stringify(v)}.`,
    );
  };
}

/** A batch as one JSON parameter, spread into typed columns by json_populate_recordset. */
function rowsJson(table: Table, columns: Column[], rows: Record<string, unknown>[]) {
  const convert = columns.map((c) => [c.name, converter(table, c)] as const);
  return JSON.stringify(
    rows.map((row) => {
      const out: Record<string, unknown> = {};
      for (const [name, fn] of convert) out[name] = fn(row[name], row);
      return out;
    }),
  );
}

const fmt = (n: number) => n.toLocaleString('en');

async function copyTable(
  tx: Tx,
  source: BetterSqlite3.Database,
  table: Table,
  total: number,
  size: number,
  progress: (line: string) => void,
) {
  const columns = table.columns.filter((c) => !table.deferred.includes(c.name));
  const list = columns.map((c) => quote(c.name)).join(', ');
  const insert = sql<[string], never>(
    `INSERT INTO ${quote(table.name)} (${list})
     SELECT ${list} FROM json_populate_recordset(NULL::${quote(table.name)}, ?::json)`,
  );
  let copied = 0;
  for (const rows of batches(
    source,
    table,
    columns.map((c) => c.name),
    size,
  )) {
    try {
      await tx.run(insert, [rowsJson(table, columns, rows)]);
    } catch (err) {
      if (err instanceof CopyError) throw err;
      throw new CopyError(`Copying ${table.name} failed: ${(err as Error).message}`);
    }
    copied += rows.length;
    progress(`${table.name}: ${fmt(copied)} / ${fmt(total)}`);
  }
  if (copied === 0) progress(`${table.name}: 0 / ${fmt(total)}`);
}

/** The second pass: references to tables copied later, or to rows of the same table. */
async function fillDeferred(tx: Tx, source: BetterSqlite3.Database, table: Table, size: number) {
  const set = table.deferred.map((c) => `${quote(c)} = v.${quote(c)}`).join(', ');
  const match = table.key.map((k) => `t.${quote(k)} = v.${quote(k)}`).join(' AND ');
  const update = sql<[string], never>(
    `UPDATE ${quote(table.name)} AS t SET ${set}
     FROM json_populate_recordset(NULL::${quote(table.name)}, ?::json) AS v WHERE ${match}`,
  );
  const columns = table.columns.filter(
    (c) => table.key.includes(c.name) || table.deferred.includes(c.name),
  );
  const anySet = table.deferred.map((c) => `${quote(c)} IS NOT NULL`).join(' OR ');
  for (const rows of batches(source, table, table.deferred, size, anySet))
    await tx.run(update, [rowsJson(table, columns, rows)]);
}

/** Moves each identity past the largest copied id: the next row gets the next id, as on SQLite. */
async function moveIdentities(tx: Tx, table: Table) {
  for (const c of table.columns.filter((col) => col.identity)) {
    await tx.get(
      sql(
        `SELECT setval(pg_get_serial_sequence('${quote(table.name)}', '${c.name}'),
                       coalesce(max(${quote(c.name)}), 0) + 1, false)
         FROM ${quote(table.name)}`,
      ),
    );
  }
}

async function verifyCounts(tx: Tx, tables: Table[], counts: Map<string, number>) {
  const wrong: string[] = [];
  for (const t of tables) {
    const n = (await tx.value(
      sql<undefined, { n: number }>(`SELECT count(*) AS n FROM ${quote(t.name)}`),
    ))!;
    if (n !== counts.get(t.name))
      wrong.push(`${t.name} has ${fmt(n)} rows, SQLite ${fmt(counts.get(t.name)!)}`);
  }
  if (wrong.length)
    throw new CopyError(
      `The copy does not match the SQLite database (${wrong.join('; ')}): nothing was committed.`,
    );
}
