import type { OutgoingButton, OutgoingPayload } from '../../messages/schemas.js';

/**
 * The Cloud API's limits (characters).
 * https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages#text-object
 * https://developers.facebook.com/docs/whatsapp/cloud-api/messages/interactive-reply-buttons-messages
 * https://developers.facebook.com/docs/whatsapp/cloud-api/messages/interactive-list-messages
 */
export const LIMITS = {
  text: 4096,
  caption: 1024,
  body: 1024,
  buttons: 3,
  buttonTitle: 20,
  buttonId: 256,
  rows: 10,
  rowTitle: 24,
  rowDescription: 72,
  rowId: 200,
  listButton: 20,
} as const;

/** A Cloud API message object without `messaging_product` and `recipient_type`. */
export type WhatsAppMessage = { to: string; type: string } & Record<string, unknown>;

/**
 * An approved message template to send outside the 24-hour window: its name, language code
 * and body parameters (already filled in: `{order.number}` is the order's number).
 * https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates
 */
export type TemplateSpec = { name: string; language: string; parameters?: string[] };

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decode = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e: string) =>
    e[0] === '#'
      ? String.fromCodePoint(
          e[1].toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1)),
        )
      : (ENTITIES[e.toLowerCase()] ?? m),
  );

const MARKS: Record<string, string> = {
  b: '*',
  strong: '*',
  i: '_',
  em: '_',
  s: '~',
  strike: '~',
  del: '~',
  code: '`',
  pre: '```',
};

/**
 * Telegram HTML (what alerts and order messages are rendered as) in WhatsApp's formatting:
 * bold `*x*`, italic `_x_`, strikethrough `~x~`, code; a link becomes its text followed by
 * its address; other tags are dropped and entities decoded.
 * https://faq.whatsapp.com/539178204879377
 */
export function htmlToWhatsApp(html: string): string {
  return decode(
    html.replace(
      /<a\s[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>|<\/?([a-z]+)[^>]*>/gi,
      (_m, href: string | undefined, text: string | undefined, tag: string | undefined) => {
        if (href !== undefined) {
          const label = text!.replace(/<[^>]*>/g, '');
          return decode(label) === decode(href) ? href : `${label} (${href})`;
        }
        return MARKS[tag!.toLowerCase()] ?? '';
      },
    ),
  );
}

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
export function splitText(text: string, limit: number = LIMITS.text): string[] {
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
const unique = (titles: string[], n: number) => {
  const seen = new Set<string>();
  return titles.map((t) => {
    let title = clip(t, n);
    for (let k = 2; seen.has(title); k++) title = `${clip(t, n - 3)} ${k}`;
    seen.add(title);
    return title;
  });
};

/** Shown above buttons when the message has no text: the body is required. */
const CHOOSE = '👇';

/**
 * The Cloud API messages that deliver one outgoing message, in order:
 * - an image or a document by URL, with the text as caption when it fits (1,024);
 * - the text in parts of at most 4,096;
 * - scenario buttons (callback data) as an interactive message on the last part: reply
 *   buttons for up to 3, a list for up to 10 (titles cut to WhatsApp's 20 / 24 characters,
 *   the full title kept as a row's description); the callback data is the button's id, so a
 *   press comes back as it does from Telegram. URL buttons have no WhatsApp equivalent in a
 *   free-form message: they become lines "Title: URL" of the text.
 */
export function toWhatsAppMessages(p: OutgoingPayload, to: string): WhatsAppMessage[] {
  const flat: OutgoingButton[] = (p.buttons ?? []).flat();
  const links = flat.filter((b) => b.url);
  const choices = flat.filter((b) => !b.url).slice(0, LIMITS.rows);
  const body = [
    p.parse_mode === 'HTML' ? htmlToWhatsApp(p.text ?? '') : (p.text ?? ''),
    ...links.map((b) => `${b.text}: ${b.url}`),
  ]
    .join('\n')
    .trim();

  const out: WhatsAppMessage[] = [];
  let texts = body ? splitText(body) : [];
  const media = p.image_url
    ? { kind: 'image', object: { link: p.image_url } as Record<string, unknown> }
    : p.file_url
      ? { kind: 'document', object: { link: p.file_url, filename: fileName(p.file_url) } }
      : null;
  // Reply buttons may carry the image as their header; a list's header can only be text.
  const imageHeader = media?.kind === 'image' && choices.length > 0 && choices.length <= 3;
  if (media && !imageHeader) {
    if (texts.length === 1 && [...texts[0]].length <= LIMITS.caption && !choices.length) {
      media.object.caption = texts[0];
      texts = [];
    }
    out.push({ to, type: media.kind, [media.kind]: media.object });
  }
  if (choices.length) {
    // The last part is the interactive body when it fits; otherwise it goes as text first.
    const last = texts.at(-1);
    const fits = last !== undefined && [...last].length <= LIMITS.body;
    const bodyText = fits ? texts.pop()! : CHOOSE;
    for (const t of texts) out.push(textMessage(to, t));
    const ids = choices.map((b) => clip(b.callback_data ?? b.text, LIMITS.rowId));
    const interactive =
      choices.length <= LIMITS.buttons
        ? {
            type: 'button',
            ...(imageHeader ? { header: { type: 'image', image: { link: p.image_url } } } : {}),
            body: { text: bodyText },
            action: {
              buttons: unique(
                choices.map((b) => b.text),
                LIMITS.buttonTitle,
              ).map((title, k) => ({ type: 'reply', reply: { id: ids[k], title } })),
            },
          }
        : {
            type: 'list',
            body: { text: bodyText },
            action: {
              button: clip('Choose', LIMITS.listButton),
              sections: [
                {
                  rows: unique(
                    choices.map((b) => b.text),
                    LIMITS.rowTitle,
                  ).map((title, k) => ({
                    id: ids[k],
                    title,
                    ...(title !== choices[k].text.trim()
                      ? { description: clip(choices[k].text, LIMITS.rowDescription) }
                      : {}),
                  })),
                },
              ],
            },
          };
    out.push({ to, type: 'interactive', interactive });
  } else for (const t of texts) out.push(textMessage(to, t));
  return out;
}

const textMessage = (to: string, body: string): WhatsAppMessage => ({
  to,
  type: 'text',
  text: { body, preview_url: /https?:\/\//.test(body) },
});

/** A document's name as the person sees it: the URL's last path segment. */
function fileName(url: string): string {
  try {
    const last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    return clip(last || 'document', 240);
  } catch {
    return 'document';
  }
}

/**
 * A template message. Body parameters cannot hold line breaks, tabs or more than four spaces
 * in a row (error 132018): lines are joined with " · ".
 * https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages#template-object
 */
export function templateMessage(to: string, t: TemplateSpec): WhatsAppMessage {
  const parameters = (t.parameters ?? []).map((text) => ({
    type: 'text',
    text: clip(
      text
        .split(/\s*\n+\s*/)
        .filter(Boolean)
        .join(' · ')
        .replace(/\t/g, ' ')
        .replace(/ {4,}/g, '   '),
      1024,
    ),
  }));
  return {
    to,
    type: 'template',
    template: {
      name: t.name,
      language: { code: t.language },
      ...(parameters.length ? { components: [{ type: 'body', parameters }] } : {}),
    },
  };
}
