import type { Engine } from './sql.js';

/**
 * The few places where the two engines' SQL differs, as fragments that stores splice into
 * their statements (`sql({ sqlite: …, postgres: … })` is the other way, for a whole
 * statement). Everything else — `RETURNING`, `ON CONFLICT`, `IS NOT DISTINCT FROM`, CTEs,
 * window functions, partial indexes — is written once for both.
 *
 * JSON documents are TEXT columns on both engines (parsed at the store boundary); PostgreSQL
 * reads them as `jsonb` where a query looks inside.
 */
export function dialect(engine: Engine) {
  const pg = engine === 'postgres';
  /**
   * A JSON text column read as `jsonb`, which refuses the `\u0000` escape (a NUL, which
   * PostgreSQL's text cannot hold) that JSON.stringify writes for one: read as U+FFFD.
   */
  const jsonb = (column: string) => `replace(${column}, '\\u0000', '\\ufffd')::jsonb`;
  return {
    /**
     * The ids of a JSON array parameter (`JSON.stringify([1, 2])`) as a subquery:
     * `WHERE id IN ${d.ids('@ids')}`.
     */
    ids: (param: string) =>
      pg
        ? `(SELECT value::bigint FROM jsonb_array_elements_text(${param}::jsonb) AS j(value))`
        : `(SELECT value FROM json_each(${param}))`,

    /** True when the JSON array of strings in `column` contains `param`. */
    jsonHas: (column: string, param: string) =>
      pg
        ? `jsonb_exists(${column}::jsonb, ${param})`
        : `EXISTS (SELECT 1 FROM json_each(${column}) WHERE value = ${param})`,

    /** A top-level string member of the JSON object in `column`: `d.jsonText('customer', 'name')`. */
    jsonText: (column: string, key: string) =>
      pg ? `(${jsonb(column)} ->> '${key}')` : `json_extract(${column}, '$.${key}')`,

    /**
     * `LIKE` that ignores case (SQLite's LIKE folds ASCII, PostgreSQL's folds nothing;
     * ILIKE folds every letter).
     */
    likeNoCase: pg ? 'ILIKE' : 'LIKE',

    /** The current time as the API's ISO 8601 UTC timestamp, from the database's clock. */
    now: pg ? `now()` : `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,

    /**
     * Appended to a SELECT inside a transaction that will write the rows it read: a row lock
     * on PostgreSQL (other writers wait), nothing on SQLite (its one writer holds the lock).
     */
    forUpdate: pg ? ' FOR UPDATE' : '',

    /** PostgreSQL: a JSON text column as `jsonb` (with any NUL read as U+FFFD). */
    jsonb,

    /** U+001F, a separator no name or phone contains: keeps a search from matching across fields. */
    unitSeparator: pg ? 'chr(31)' : 'char(31)',
  } as const;
}
export type Dialect = ReturnType<typeof dialect>;

/**
 * PostgreSQL: the database's clock `param` milliseconds from now (negative: ago). Times that
 * relays on several machines compare — heartbeats, leases, when a row becomes due — are
 * written and compared with the one clock they share, not each machine's own.
 */
export const pgAfterMs = (param: string) => `(now() + ${param}::float8 * interval '1 millisecond')`;
