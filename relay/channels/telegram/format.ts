import { escapeHtml } from '../../events/render.js';
import type { OutgoingPayload } from '../../messages/schemas.js';

/** Telegram's limits, counted after entity parsing. https://core.telegram.org/bots/api#sendmessage */
export const TEXT_LIMIT = 4096;
export const CAPTION_LIMIT = 1024;

export type TelegramCall = {
  method: 'sendMessage' | 'sendPhoto' | 'sendDocument';
  params: Record<string, unknown>;
};

/** A piece of Telegram HTML: a tag (no visible length), an entity (1) or a character (1–2). */
type Unit = { raw: string; len: number; tag?: { name: string; closing: boolean } };

const UNIT = /<[^>]*>|&#?[A-Za-z0-9]+;|[\uD800-\uDBFF][\uDC00-\uDFFF]|[\s\S]/g;

function tokenize(html: string): Unit[] {
  const units: Unit[] = [];
  for (const [raw] of html.matchAll(UNIT)) {
    if (raw.length > 1 && raw[0] === '<') {
      const m = /^<(\/?)\s*([A-Za-z0-9-]+)/.exec(raw);
      units.push({
        raw,
        len: 0,
        tag: m ? { name: m[2].toLowerCase(), closing: m[1] === '/' } : undefined,
      });
    } else units.push({ raw, len: raw[0] === '&' && raw.length > 1 ? 1 : raw.length });
  }
  return units;
}

/** Characters Telegram counts: tags do not count, an entity counts as one (UTF-16 units). */
export const visibleLength = (html: string) => tokenize(html).reduce((n, u) => n + u.len, 0);

/**
 * Splits Telegram HTML into parts of at most `limit` visible characters, preferably at a line
 * break, else at a space, in the second half of a part; a word longer than a part is cut.
 * Tags open at a cut are closed at the end of the part and opened again at the start of the
 * next, so every part is valid HTML on its own.
 */
export function splitHtml(html: string, limit = TEXT_LIMIT): string[] {
  const units = tokenize(html);
  const parts: string[] = [];
  let open: Unit[] = [];
  let start = 0;
  while (start < units.length) {
    const stack = [...open];
    let visible = 0;
    let i = start;
    type Break = { at: number; visible: number; stack: Unit[] };
    let line = null as Break | null;
    let space = null as Break | null;
    for (; i < units.length; i++) {
      const u = units[i];
      if (visible + u.len > limit) break;
      visible += u.len;
      if (u.tag?.closing) {
        const j = stack.map((s) => s.tag!.name).lastIndexOf(u.tag.name);
        if (j >= 0) stack.splice(j, 1);
      } else if (u.tag) stack.push(u);
      if (u.raw === '\n') line = { at: i, visible, stack: [...stack] };
      else if (u.raw === ' ') space = { at: i, visible, stack: [...stack] };
    }
    if (i >= units.length) {
      parts.push(open.map((u) => u.raw).join('') + join(units, start, i));
      break;
    }
    const half = limit / 2;
    const cut =
      (line && line.visible >= half ? line : null) ??
      (space && space.visible >= half ? space : null) ??
      line ??
      space;
    // At a break the line break or space itself is dropped; a hard cut drops nothing.
    const end = cut ? cut.at : i;
    const after = cut ? cut.stack : stack;
    const closing = [...after]
      .reverse()
      .map((u) => `</${u.tag!.name}>`)
      .join('');
    parts.push(open.map((u) => u.raw).join('') + join(units, start, end) + closing);
    open = after;
    start = cut ? cut.at + 1 : i;
  }
  // Telegram refuses an empty message: drop parts with nothing visible.
  return parts.filter((p) => visibleLength(p.replace(/<[^>]*>/g, '').trim()) > 0);
}

const join = (units: Unit[], from: number, to: number) => {
  let s = '';
  for (let k = from; k < to; k++) s += units[k].raw;
  return s;
};

/**
 * The Bot API calls that deliver one outgoing message, in order: the photo or document (with
 * the text as caption when it fits in 1,024 characters), then the text in parts of at most
 * 4,096; the inline keyboard goes on the last one.
 * https://core.telegram.org/bots/api#sendphoto https://core.telegram.org/bots/api#inlinekeyboardmarkup
 */
export function toTelegramCalls(
  p: OutgoingPayload,
  chatId: string,
  publicUrl?: string,
): TelegramCall[] {
  const text = p.text ?? '';
  const html = p.parse_mode === 'HTML' ? text : escapeHtml(text);
  const hasText = html.trim() !== '';
  const calls: TelegramCall[] = [];
  let texts = hasText ? [html] : [];
  const media = p.image_url
    ? ({ method: 'sendPhoto', field: 'photo', url: p.image_url } as const)
    : p.file_url
      ? ({ method: 'sendDocument', field: 'document', url: p.file_url } as const)
      : null;
  if (media) {
    const params: Record<string, unknown> = { chat_id: chatId, [media.field]: media.url };
    if (hasText && visibleLength(html) <= CAPTION_LIMIT) {
      Object.assign(params, { caption: html, parse_mode: 'HTML' });
      texts = [];
    }
    calls.push({ method: media.method, params });
  }
  for (const t of texts.flatMap((h) => (h.length > TEXT_LIMIT ? splitHtml(h) : [h])))
    calls.push({ method: 'sendMessage', params: { chat_id: chatId, text: t, parse_mode: 'HTML' } });
  const keyboard = (p.buttons ?? [])
    .map((row) =>
      row.flatMap((b): Record<string, string>[] => {
        if (!b.url) return [{ text: b.text, callback_data: b.callback_data ?? b.text }];
        const url = buttonUrl(b.url, publicUrl);
        return url ? [{ text: b.text, url }] : [];
      }),
    )
    .filter((row) => row.length);
  if (keyboard.length && calls.length)
    calls[calls.length - 1].params.reply_markup = { inline_keyboard: keyboard };
  return calls;
}

/**
 * A button's link as Telegram takes it. A relative link (a manager alert's "Open in console")
 * is made absolute with the relay's public URL; Telegram refuses a whole message whose button
 * points at a host it cannot reach by name (`localhost`, a name without a dot), so such a
 * button is left out rather than losing the alert.
 */
export function buttonUrl(url: string, publicUrl?: string): string | null {
  if (!url.startsWith('/')) return url;
  if (!publicUrl) return null;
  const absolute = new URL(url, publicUrl);
  return absolute.hostname.includes('.') && !/^[\d.]+$/.test(absolute.hostname)
    ? absolute.toString()
    : null;
}
