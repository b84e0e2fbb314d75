import { dialect } from '../db/dialect.js';
import type { Engine } from '../db/sql.js';
import type { BotUserFilter } from './schemas.js';

/** The list's and the export's filters as named SQL parameters (null: not filtered). */
export type Filter = {
  shop_id: number;
  search: string | null;
  bot_id: number | null;
  tag: number | null;
};

/**
 * The shared WHERE clause of the list, the export and the conversations: the shop's people,
 * not the scenario editor's test persons. Search folds case in JavaScript
 * (`lower_unicode`) because SQLite's LIKE and lower() fold ASCII only, and managers
 * search Cyrillic names (PostgreSQL's lower() folds every letter already).
 */
export const filterSql = (engine: Engine) => {
  const sep = dialect(engine).unitSeparator;
  // PostgreSQL takes a parameter's type from where it is first used, and `@p IS NULL` says
  // nothing about it: typed there. SQLite keeps the cheap test first (it short-circuits the
  // search's per-row lower_unicode call).
  const nullable = (param: string, type: string) =>
    engine === 'postgres' ? `CAST(${param} AS ${type})` : param;
  return `u.shop_id = @shop_id AND u.test = 0
  AND (${nullable('@bot_id', 'bigint')} IS NULL OR u.bot_id = @bot_id)
  AND (${nullable('@tag', 'bigint')} IS NULL
    OR u.id IN (SELECT bot_user_id FROM bot_user_tags WHERE tag_id = @tag))
  AND (${nullable('@search', 'text')} IS NULL OR instr(lower_unicode(
        u.name || ${sep} || u.phone || ${sep} || u.email || ${sep} || u.messenger_user_id
      ), @search) > 0)`;
};

export const toFilter = (shopId: number, f: BotUserFilter): Filter => ({
  shop_id: shopId,
  search: f.search ? f.search.toLowerCase() : null,
  bot_id: f.bot_id ?? null,
  tag: f.tag ?? null,
});
