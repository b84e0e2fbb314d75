import { sql, type Engine } from '../db/sql.js';
import { filterSql } from './filter.js';

/**
 * The export's queries. Each returns one keyset batch of a shop's bot users already
 * encoded, as a single BLOB: `{rows, last, data}` where `data` is the batch's CSV or
 * NDJSON bytes. SQLite builds the text in C and better-sqlite3 hands it over as one
 * Buffer, so streaming a row allocates nothing in JavaScript (PostgreSQL's text below
 * returns a `bytea`, which `pg` also reads as one Buffer). Measured on a million
 * rows, this is what lets the export pass 200,000 rows/s within the relay's memory budget:
 * reading rows as JS values and encoding them in JS (by hand or with csv-stringify) spent
 * more time in the garbage collector than in SQLite (bench/README.md).
 *
 * Rows inside a batch come in id order (the subquery is ordered and the aggregate reads
 * it as produced); batches follow each other by `id > last`, so no row is missed or
 * repeated even if a later SQLite changed the order within a batch.
 */

export const EXPORT_COLUMNS = [
  'id',
  'bot_id',
  'bot_type',
  'messenger_user_id',
  'name',
  'phone',
  'email',
  'lang_code',
  'subscribed_to_bot',
  'start_parameter',
  'tags',
  'user_vars',
  'visitor_id',
  'created_at',
  'updated_at',
] as const;

export type ExportBatchParams = {
  shop_id: number;
  search: string | null;
  bot_id: number | null;
  tag: number | null;
  after: number;
  limit: number;
};
export type ExportBatch = { rows: number; last: number | null; data: Buffer | null };

/**
 * A CSV cell from a text expression (RFC 4180 §2): always quoted, quotes doubled by
 * printf's `%w`. A value a spreadsheet would run as a formula (first character = + - @,
 * tab or CR) gets a leading apostrophe, per https://owasp.org/www-community/attacks/CSV_Injection.
 * Returns the printf format piece and its two arguments.
 */
const FORMULA_START = `'[-=+@' || char(9, 13) || ']*'`;
const text = (expr: string) => ({
  format: '"%s%w"',
  args: `iif(${expr} GLOB ${FORMULA_START}, '''', ''), ${expr}`,
});
const plain = (expr: string) => ({ format: '%s', args: expr });

const TAG_NAMES = `(SELECT group_concat(t.name, ';') FROM bot_user_tags bt JOIN tags t ON t.id = bt.tag_id
   WHERE bt.bot_user_id = u.id)`;
const TAG_ARRAY = `(SELECT json_group_array(t.name) FROM bot_user_tags bt JOIN tags t ON t.id = bt.tag_id
   WHERE bt.bot_user_id = u.id)`;

/** One CSV line per bot user, columns as in EXPORT_COLUMNS; tags joined by ';'. */
const CSV_CELLS = [
  plain('u.id'),
  plain('u.bot_id'),
  text('b.bot_type'),
  text('u.messenger_user_id'),
  text('u.name'),
  text('u.phone'),
  text('u.email'),
  text('u.lang_code'),
  plain(`iif(u.subscribed_to_bot, 'true', 'false')`),
  text('u.start_parameter'),
  text(`coalesce(u.tag_list, '')`),
  { format: '"%w"', args: 'u.user_vars' }, // JSON: starts with '{', never a formula
  text(`coalesce(u.visitor_id, '')`),
  plain('u.created_at'),
  plain('u.updated_at'),
];
const CSV_LINE = `format('${CSV_CELLS.map((c) => c.format).join(',')}' || char(13, 10),
  ${CSV_CELLS.map((c) => c.args).join(',\n  ')})`;

/** One NDJSON line per bot user: a flat object with the CSV's columns, tags as an array. */
const NDJSON_LINE = `json_object(
  'id', u.id, 'bot_id', u.bot_id, 'bot_type', b.bot_type, 'messenger_user_id', u.messenger_user_id,
  'name', u.name, 'phone', u.phone, 'email', u.email, 'lang_code', u.lang_code,
  'subscribed_to_bot', json(iif(u.subscribed_to_bot, 'true', 'false')),
  'start_parameter', u.start_parameter, 'tags', json(u.tag_list), 'user_vars', json(u.user_vars),
  'visitor_id', u.visitor_id, 'created_at', u.created_at, 'updated_at', u.updated_at
) || char(10)`;

/*
 * PostgreSQL's text of the same batches, byte for byte. It has no printf `%w`, `iif`, `GLOB`
 * or `json_object`, and its json_build_object and json_agg put spaces after ':' and ',';
 * so each line is concatenated from its cells, and JSON strings come from to_json(text),
 * which escapes as SQLite and JSON.stringify do (`"`, `\`, \b \f \n \r \t, other control
 * characters as lowercase \u00xx, nothing else). Times are timestamptz there: written as
 * the ISO text SQLite stores. Tags follow tag id, the order in which SQLite's group_concat
 * reads them (the primary key of bot_user_tags).
 */
const PG_FORMULA_START = `('-', '=', '+', '@', chr(9), chr(13))`;
const pgText = (expr: string) =>
  `'"' || CASE WHEN left(${expr}, 1) IN ${PG_FORMULA_START} THEN '''' ELSE '' END
     || replace(${expr}, '"', '""') || '"'`;
const pgIso = (expr: string) =>
  `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const pgBool = (expr: string) => `CASE WHEN ${expr} <> 0 THEN 'true' ELSE 'false' END`;
const pgJson = (expr: string) => `to_json(${expr})::text`;

const PG_TAG_NAMES = `(SELECT string_agg(t.name, ';' ORDER BY bt.tag_id)
   FROM bot_user_tags bt JOIN tags t ON t.id = bt.tag_id WHERE bt.bot_user_id = u.id)`;
const PG_TAG_ARRAY = `coalesce((
   SELECT '[' || string_agg(to_json(t.name)::text, ',' ORDER BY bt.tag_id) || ']'
   FROM bot_user_tags bt JOIN tags t ON t.id = bt.tag_id WHERE bt.bot_user_id = u.id), '[]')`;

const PG_CSV_LINE = `${[
  'u.id::text',
  'u.bot_id::text',
  pgText('b.bot_type'),
  pgText('u.messenger_user_id'),
  pgText('u.name'),
  pgText('u.phone'),
  pgText('u.email'),
  pgText('u.lang_code'),
  pgBool('u.subscribed_to_bot'),
  pgText('u.start_parameter'),
  pgText(`coalesce(u.tag_list, '')`),
  `'"' || replace(u.user_vars, '"', '""') || '"'`, // JSON: starts with '{', never a formula
  pgText(`coalesce(u.visitor_id, '')`),
  pgIso('u.created_at'),
  pgIso('u.updated_at'),
].join(` || ',' ||\n  `)} || chr(13) || chr(10)`;

// user_vars is stored as JSON.stringify wrote it: already the minified JSON that SQLite's
// json() gives back for it.
const PG_NDJSON_LINE = `'{"id":' || u.id::text || ',"bot_id":' || u.bot_id::text
  || ',"bot_type":' || ${pgJson('b.bot_type')}
  || ',"messenger_user_id":' || ${pgJson('u.messenger_user_id')}
  || ',"name":' || ${pgJson('u.name')} || ',"phone":' || ${pgJson('u.phone')}
  || ',"email":' || ${pgJson('u.email')} || ',"lang_code":' || ${pgJson('u.lang_code')}
  || ',"subscribed_to_bot":' || ${pgBool('u.subscribed_to_bot')}
  || ',"start_parameter":' || ${pgJson('u.start_parameter')}
  || ',"tags":' || u.tag_list || ',"user_vars":' || u.user_vars
  || ',"visitor_id":' || coalesce(${pgJson('u.visitor_id')}, 'null')
  || ',"created_at":' || ${pgJson(pgIso('u.created_at'))}
  || ',"updated_at":' || ${pgJson(pgIso('u.updated_at'))} || '}' || chr(10)`;

/**
 * The batch: the next `limit` bot users after `after` that match the filters (the same
 * WHERE clause as the list), encoded and concatenated in id order.
 */
const BATCH_DATA = {
  sqlite: `CAST(group_concat(line, '') AS BLOB)`,
  postgres: `convert_to(string_agg(line, '' ORDER BY id), 'UTF8')`,
};
const batch = (engine: Engine, line: string, tags: string) => `
  SELECT count(*) AS rows, max(id) AS last, ${BATCH_DATA[engine]} AS data
  FROM (
    SELECT u.id, ${line} AS line
    FROM (
      SELECT u.*, ${tags} AS tag_list FROM bot_users u
      WHERE u.id > @after AND ${filterSql(engine)}
      ORDER BY u.id LIMIT @limit
    ) u JOIN bots b ON b.id = u.bot_id
  ) batch`;

export const exportQueries = {
  csv: sql<ExportBatchParams, ExportBatch>({
    sqlite: batch('sqlite', CSV_LINE, TAG_NAMES),
    postgres: batch('postgres', PG_CSV_LINE, PG_TAG_NAMES),
  }),
  ndjson: sql<ExportBatchParams, ExportBatch>({
    sqlite: batch('sqlite', NDJSON_LINE, TAG_ARRAY),
    postgres: batch('postgres', PG_NDJSON_LINE, PG_TAG_ARRAY),
  }),
};
