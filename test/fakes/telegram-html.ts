/**
 * Telegram's HTML parse mode as the fake checks it: the supported tags, balanced, and `&`
 * only as an entity; the text's length counted after parsing (UTF-16 units, as Telegram).
 * https://core.telegram.org/bots/api#html-style
 */
const TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'span',
  'tg-spoiler',
  'a',
  'tg-emoji',
  'code',
  'pre',
  'blockquote',
]);
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

export type ParsedHtml = { ok: true; plain: string } | { ok: false; error: string };

/** The visible text of Telegram HTML, or the error Telegram would answer with. */
export function parseHtml(html: string): ParsedHtml {
  const stack: string[] = [];
  let plain = '';
  const re = /<(\/?)([a-zA-Z-]+)[^>]*>|&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);|[<>&]|[^<>&]+/g;
  for (const m of html.matchAll(re)) {
    const [raw, closing, tag, entity] = m;
    if (tag !== undefined) {
      const name = tag.toLowerCase();
      if (!TAGS.has(name)) return cantParse(`unsupported start tag "${name}"`);
      if (closing) {
        if (stack.pop() !== name) return cantParse(`unexpected end tag "${name}"`);
      } else stack.push(name);
    } else if (entity !== undefined) {
      if (entity.startsWith('#x')) plain += String.fromCodePoint(parseInt(entity.slice(2), 16));
      else if (entity.startsWith('#')) plain += String.fromCodePoint(Number(entity.slice(1)));
      else if (entity in ENTITIES) plain += ENTITIES[entity];
      else return cantParse(`unsupported entity "&${entity};"`);
    } else if (raw === '<' || raw === '>' || raw === '&') {
      return cantParse(`character "${raw}" is reserved and must be escaped`);
    } else plain += raw;
  }
  if (stack.length)
    return cantParse(`can't find end tag corresponding to start tag "${stack.at(-1)}"`);
  return { ok: true, plain };
}

const cantParse = (detail: string): ParsedHtml => ({
  ok: false,
  error: `Bad Request: can't parse entities: ${detail}`,
});
