/**
 * The few HTML pages of the public API, for visitors whose browser posted a plain form:
 * the thank-you page and the error page. Every interpolated value is escaped; the pages
 * carry no script and no inline style, and forbid both (CSP), so nothing a visitor typed
 * can run or restyle them.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => ESCAPES[ch]);

export type PageLocale = 'en' | 'ru';

/** The first of en/ru in `Accept-Language` order (RFC 9110 §12.5.4, q-values honoured). */
export function pageLocale(acceptLanguage: string | undefined): PageLocale {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)/.exec(p)?.[1]).find(Boolean);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q) };
    })
    .filter((l) => l.tag && l.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag === 'ru' || tag.startsWith('ru-')) return 'ru';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return 'en';
}

const TEXT = {
  en: {
    thanksTitle: 'Thank you!',
    thanks: 'We have received your request and will be in touch soon.',
    errorTitle: 'Please check the form',
    back: 'Go back to the form',
  },
  ru: {
    thanksTitle: 'Спасибо!',
    thanks: 'Мы получили вашу заявку и скоро свяжемся с вами.',
    errorTitle: 'Проверьте форму',
    back: 'Вернуться к форме',
  },
} as const;

/** Headers of every page: no scripts, no styles, no framing. */
export const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
} as const;

const page = (lang: PageLocale, title: string, body: string) =>
  `<!doctype html>
<html lang="${lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title></head>
<body><main>
<h1>${escapeHtml(title)}</h1>
${body}
</main></body>
</html>
`;

export const thanksPage = (lang: PageLocale) =>
  page(lang, TEXT[lang].thanksTitle, `<p>${escapeHtml(TEXT[lang].thanks)}</p>`);

/**
 * The answer to a form post that cannot be accepted: the message and each field's errors,
 * and a link back when the page it came from is known and trusted.
 */
export function errorPage(
  lang: PageLocale,
  message: string,
  fields: Record<string, string[]>,
  backUrl: string | null,
): string {
  const items = Object.entries(fields)
    .map(
      ([field, errors]) =>
        `<li><strong>${escapeHtml(field.replace(/^fields\./, ''))}</strong>: ${escapeHtml(errors.join(' '))}</li>`,
    )
    .join('\n');
  return page(
    lang,
    TEXT[lang].errorTitle,
    `<p>${escapeHtml(message)}</p>
${items ? `<ul>\n${items}\n</ul>` : ''}
${backUrl ? `<p><a href="${escapeHtml(backUrl)}">${escapeHtml(TEXT[lang].back)}</a></p>` : ''}`,
  );
}
