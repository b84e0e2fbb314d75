import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';

/**
 * A schema reduced to what both engines can say the same way: per table, its columns (type
 * family, NOT NULL, has a default, in the primary key), its indexes (unique, columns, partial)
 * and its foreign keys. Type families: integer (INTEGER; bigint, integer), real (REAL; double
 * precision), time (SQLite TEXT named *_at / *_until / *_since; timestamptz) and text.
 */
export type Schema = Record<
  string,
  { columns: Record<string, string>; indexes: string[]; foreignKeys: string[] }
>;

const TIME_NAME = /(_at|_until|_since)$/;

export function sqliteSchema(db: BetterSqlite3.Database): Schema {
  const schema: Schema = {};
  const tables = db
    .prepare<[], { name: string }>(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
    )
    .all();
  for (const { name } of tables) {
    const cols = db.pragma(`table_info(${name})`) as {
      name: string;
      type: string;
      notnull: number;
      dflt_value: string | null;
      pk: number;
    }[];
    const columns: Record<string, string> = {};
    for (const c of cols) {
      const type = c.type.toUpperCase();
      const family =
        type === 'INTEGER'
          ? 'integer'
          : type === 'REAL'
            ? 'real'
            : TIME_NAME.test(c.name)
              ? 'time'
              : 'text';
      columns[c.name] = [
        family,
        c.notnull || c.pk ? 'not null' : 'null',
        c.dflt_value !== null ? 'default' : '',
        c.pk ? 'pk' : '',
      ]
        .filter(Boolean)
        .join(' ');
    }
    const indexes: string[] = [];
    for (const idx of db.pragma(`index_list(${name})`) as {
      name: string;
      unique: number;
      origin: string;
      partial: number;
    }[]) {
      if (idx.origin === 'pk') continue;
      const info = (
        db.pragma(`index_xinfo(${idx.name})`) as {
          name: string | null;
          key: number;
          coll: string;
        }[]
      ).filter((i) => i.key);
      const colsOf = info.map((i) => (i.coll === 'NOCASE' ? `lower(${i.name})` : i.name)).join(',');
      indexes.push(`${idx.unique ? 'unique ' : ''}(${colsOf})${idx.partial ? ' partial' : ''}`);
    }
    const foreignKeys = (
      db.pragma(`foreign_key_list(${name})`) as {
        table: string;
        from: string;
        to: string;
        on_delete: string;
      }[]
    ).map((f) => `${f.from} -> ${f.table}.${f.to} on delete ${f.on_delete.toLowerCase()}`);
    schema[name] = { columns, indexes: indexes.sort(), foreignKeys: foreignKeys.sort() };
  }
  return schema;
}

export async function postgresSchema(
  client: pg.Client | pg.Pool,
  ignore: string[] = [],
): Promise<Schema> {
  const schema: Schema = {};
  const { rows: cols } = await client.query<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: string;
    column_default: string | null;
    is_identity: string;
  }>(
    `SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity
     FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  const { rows: pks } = await client.query<{ table_name: string; column_name: string }>(
    `SELECT tc.table_name, k.column_name FROM information_schema.table_constraints tc
     JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema
     WHERE tc.table_schema = 'public' AND tc.constraint_type = 'PRIMARY KEY'`,
  );
  const pk = new Set(pks.map((p) => `${p.table_name}.${p.column_name}`));
  for (const c of cols) {
    if (ignore.includes(c.table_name)) continue;
    const t = (schema[c.table_name] ??= { columns: {}, indexes: [], foreignKeys: [] });
    const family = ['bigint', 'integer', 'smallint'].includes(c.data_type)
      ? 'integer'
      : c.data_type === 'double precision'
        ? 'real'
        : c.data_type.startsWith('timestamp')
          ? 'time'
          : 'text';
    const isPk = pk.has(`${c.table_name}.${c.column_name}`);
    t.columns[c.column_name] = [
      family,
      c.is_nullable === 'NO' ? 'not null' : 'null',
      c.column_default !== null ? 'default' : '',
      isPk ? 'pk' : '',
    ]
      .filter(Boolean)
      .join(' ');
  }
  const { rows: idx } = await client.query<{
    table: string;
    unique: boolean;
    partial: boolean;
    cols: string;
    primary: boolean;
  }>(
    `SELECT t.relname AS table, ix.indisunique AS unique, ix.indpred IS NOT NULL AS partial, ix.indisprimary AS primary,
            (SELECT string_agg(pg_get_indexdef(ix.indexrelid, k + 1, true), ',' ORDER BY k)
               FROM generate_subscripts(ix.indkey, 1) AS k) AS cols
     FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = 'public'`,
  );
  for (const i of idx) {
    if (i.primary || !schema[i.table]) continue;
    schema[i.table].indexes.push(
      `${i.unique ? 'unique ' : ''}(${i.cols.replace(/"/g, '')})${i.partial ? ' partial' : ''}`,
    );
  }
  const { rows: fks } = await client.query<{
    table: string;
    from: string;
    to_table: string;
    to: string;
    on_delete: string;
  }>(
    `SELECT cl.relname AS table, a.attname AS from, rt.relname AS to_table, ra.attname AS to,
            CASE c.confdeltype WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set null' WHEN 'r' THEN 'restrict' WHEN 'd' THEN 'set default' ELSE 'no action' END AS on_delete
     FROM pg_constraint c
     JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
     JOIN pg_class rt ON rt.oid = c.confrelid
     JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
     WHERE c.contype = 'f' AND n.nspname = 'public'`,
  );
  for (const f of fks) {
    if (!schema[f.table]) continue;
    schema[f.table].foreignKeys.push(`${f.from} -> ${f.to_table}.${f.to} on delete ${f.on_delete}`);
  }
  for (const t of Object.values(schema)) {
    t.indexes.sort();
    t.foreignKeys.sort();
  }
  return schema;
}
