import type { BotUserFilter } from './schemas.js';

/** The list's and the export's filters as named SQL parameters (null: not filtered). */
export type Filter = {
  shop_id: number;
  search: string | null;
  bot_id: number | null;
  tag: number | null;
};

/**
 * The shared WHERE clause of the list and the export. Search folds case in JavaScript
 * (`lower_unicode`) because SQLite's LIKE and lower() fold ASCII only, and managers
 * search Cyrillic names.
 */
export const FILTER = `u.shop_id = @shop_id
  AND (@bot_id IS NULL OR u.bot_id = @bot_id)
  AND (@tag IS NULL OR u.id IN (SELECT bot_user_id FROM bot_user_tags WHERE tag_id = @tag))
  AND (@search IS NULL OR instr(lower_unicode(
        u.name || char(31) || u.phone || char(31) || u.email || char(31) || u.messenger_user_id
      ), @search) > 0)`;

export const toFilter = (shopId: number, f: BotUserFilter): Filter => ({
  shop_id: shopId,
  search: f.search ? f.search.toLowerCase() : null,
  bot_id: f.bot_id ?? null,
  tag: f.tag ?? null,
});
