/**
 * Text helpers for messengers that take no Telegram HTML (WhatsApp, Viber, VK): alerts and
 * order messages are rendered as Telegram HTML once (relay/events/render.ts), and each of
 * these messengers turns that into its own plain text or markup here.
 */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes HTML character references (`&amp;`, `&#39;`, `&#x1F600;`). */
export const decodeEntities = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e: string) =>
    e[0] === '#'
      ? String.fromCodePoint(
          e[1].toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1)),
        )
      : (ENTITIES[e.toLowerCase()] ?? m),
  );

/**
 * Telegram HTML in a messenger's own formatting: each tag in `marks` becomes its mark (bold
 * `*x*` in WhatsApp; nothing where the messenger has no formatting), a link becomes its text
 * followed by its address (just the address when they are the same), other tags are dropped
 * and entities decoded.
 */
export function htmlToText(html: string, marks: Readonly<Record<string, string>> = {}): string {
  return decodeEntities(
    html.replace(
      /<a\s[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>|<\/?([a-z]+)[^>]*>/gi,
      (_m, href: string | undefined, text: string | undefined, tag: string | undefined) => {
        if (href !== undefined) {
          const label = text!.replace(/<[^>]*>/g, '');
          return decodeEntities(label) === decodeEntities(href) ? href : `${label} (${href})`;
        }
        return marks[tag!.toLowerCase()] ?? '';
      },
    ),
  );
}

/** The payload's text as plain text: rendered HTML converted, anything else as written. */
export const plainText = (
  p: { text?: string; parse_mode?: 'HTML' },
  marks?: Readonly<Record<string, string>>,
) => (p.parse_mode === 'HTML' ? htmlToText(p.text ?? '', marks) : (p.text ?? ''));

/** At most `n` characters (code points), with an ellipsis when cut. */
export const clip = (s: string, n: number) => {
  const chars = [...s.trim()];
  return chars.length <= n
    ? chars.join('')
    : `${chars
        .slice(0, n - 1)
        .join('')
        .trimEnd()}…`;
};

/** Splits text into parts of at most `limit`, at a line break or a space where one is near. */
export function splitText(text: string, limit: number): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while ([...rest].length > limit) {
    const head = [...rest].slice(0, limit).join('');
    const cut = Math.max(head.lastIndexOf('\n'), head.lastIndexOf(' '));
    const at = cut >= limit / 2 ? cut : head.length;
    parts.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}

/** Button titles must differ within a message: a repeated one gets a number. */
export const uniqueTitles = (titles: string[], n: number) => {
  const seen = new Set<string>();
  return titles.map((t) => {
    let title = clip(t, n);
    for (let k = 2; seen.has(title); k++) title = `${clip(t, n - 3)} ${k}`;
    seen.add(title);
    return title;
  });
};

/** A document's name as the person sees it: the URL's last path segment. */
export function fileName(url: string, max = 240): string {
  try {
    const last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    return clip(last || 'document', max);
  } catch {
    return 'document';
  }
}
