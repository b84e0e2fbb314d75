import { createHash } from 'node:crypto';
import type { Bot } from '../bots/schemas.js';
import type { Form } from '../forms/schemas.js';
import { ok } from '../http/api.js';
import type { Shop } from '../shops/schemas.js';
import { botFace, botHandle, botLink } from '../channels/links.js';
import type { PublicConfig } from './schemas.js';

const LOCALES = ['en', 'ru'] as const;

/**
 * The widget's view of a shop (`GET /public/v1/config`), serialised once per cache period
 * with a strong ETag: a hash of the exact bytes, so equal bodies share a tag
 * (RFC 9110 §8.8.3). Only what a page may know: no ids but the bots', no settings but the
 * widget's texts and theme.
 */
export function buildConfig(
  shop: Shop,
  forms: readonly Form[],
  bots: readonly Bot[],
  publicUrl: string,
): { body: string; etag: string } {
  const result: PublicConfig = {
    shop: { name: shop.name },
    forms: forms.map((f) => ({
      name: f.name,
      fields: f.fields,
      consent: f.consent,
      min_fill_ms: f.min_fill_ms,
    })),
    bots: publicBots(bots, publicUrl),
    texts: texts(shop.settings.widget_texts),
    theme: strings(shop.settings.widget_theme),
  };
  const body = JSON.stringify(ok(result));
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { body, etag };
}

/**
 * The shop's bots as the subscribe button shows them: only bots a visitor can open (a
 * WhatsApp bot needs its number, a Telegram bot its username), each with its messenger's
 * name — the bot's own when the shop has two of that messenger, so the buttons differ — and
 * mark, and the handle where the button shows it (WhatsApp's number).
 */
function publicBots(bots: readonly Bot[], publicUrl: string): PublicConfig['bots'] {
  const linked = bots.flatMap((b) => {
    const url = botLink(b, publicUrl);
    return url ? [{ bot: b, url }] : [];
  });
  return linked.map(({ bot: b, url }) => {
    const face = botFace(b);
    const shared = linked.filter((l) => l.bot.bot_type === b.bot_type).length > 1;
    const nickname = botHandle(b);
    return {
      id: b.id,
      bot_type: b.bot_type,
      name: b.name,
      nickname,
      url,
      label: (!shared && face.label) || b.name,
      mark: face.mark ?? null,
      handle: face.showHandle ? nickname : null,
    };
  });
}

/** `settings.widget_texts`: `{en: {submit: "…"}, ru: {…}}`, strings only. */
function texts(value: unknown): PublicConfig['texts'] {
  const out: PublicConfig['texts'] = {};
  if (!isObject(value)) return out;
  for (const locale of LOCALES) {
    const t = strings(value[locale]);
    if (Object.keys(t).length) out[locale] = t;
  }
  return out;
}

/** The string-valued entries of a settings object; anything else is dropped. */
function strings(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter(
      (e): e is [string, string] => typeof e[1] === 'string' && e[1].length <= 2000,
    ),
  );
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 §13.1.2 requires for
 * this header). `*` matches any current representation.
 */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}
