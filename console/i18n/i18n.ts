import { en } from './en.js';

/**
 * The console's texts: one catalogue per language (en.ts, ru.ts), English built into the
 * shell, others loaded when chosen. Keys are checked by TypeScript: a key missing from a
 * catalogue, or a plural used as a plain text, does not compile.
 */
export type Locale = 'en' | 'ru';

/** Plural forms by CLDR category; Russian uses one/few/many, English one/other. */
export type Plural = { one: string; few?: string; many?: string; other: string };

type English = typeof en;
export type Catalogue = { [K in keyof English]: English[K] extends string ? string : Plural };
export type TextKey = {
  [K in keyof English]: English[K] extends string ? K : never;
}[keyof English];
export type PluralKey = Exclude<keyof English, TextKey>;
type Vars = Record<string, string | number>;

/** Each language named in itself, for the switcher. */
export const LOCALES: Record<Locale, string> = { en: 'English', ru: 'Русский' };

const CHOICE = 'tpc.locale';
const loaders: Record<Locale, () => Promise<Catalogue>> = {
  en: async () => en,
  ru: async () => (await import('./ru.js')).ru,
};

let locale: Locale = 'en';
let texts: Catalogue = en;
let rules = new Intl.PluralRules('en');

const fill = (text: string, vars?: Vars) =>
  vars ? text.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m)) : text;

/** A text of the current catalogue, `{name}` placeholders filled from `vars`. */
export const t = (key: TextKey, vars?: Vars): string => fill(texts[key] as string, vars);

/** The plural form of `key` for `n` (also available as `{n}`). */
export function tn(key: PluralKey, n: number, vars?: Vars): string {
  const forms = texts[key] as Plural;
  const form = forms[rules.select(n) as keyof Plural] ?? forms.other;
  return fill(form, { n: n.toLocaleString(locale), ...vars });
}

export const currentLocale = () => locale;

/** A date and time in the reader's language and time zone. */
export const formatDate = (iso: string, style: 'medium' | 'short' = 'medium') =>
  new Intl.DateTimeFormat(locale, { dateStyle: style, timeStyle: 'short' }).format(new Date(iso));

export const formatMoney = (amount: number, currency: string) => {
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(amount);
  } catch {
    return `${amount} ${currency}`; // a code Intl does not know
  }
};

/** The saved choice, else the first of the browser's languages the console speaks. */
export function preferredLocale(): Locale {
  let saved: string | null = null;
  try {
    saved = localStorage.getItem(CHOICE);
  } catch {
    /* storage blocked: follow the browser */
  }
  if (saved && saved in LOCALES) return saved as Locale;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.toLowerCase().split('-')[0];
    if (base in LOCALES) return base as Locale;
  }
  return 'en';
}

/**
 * Switches the language: loads its catalogue, sets <html lang>, and tells every console
 * element to render again (`tpc-locale` on window). `remember` keeps the choice (a
 * preference, not a secret, so localStorage).
 */
export async function setLocale(next: Locale, remember = false) {
  const catalogue = await loaders[next]();
  locale = next;
  texts = catalogue;
  rules = new Intl.PluralRules(next);
  document.documentElement.lang = next;
  if (remember)
    try {
      localStorage.setItem(CHOICE, next);
    } catch {
      /* kept for this page only */
    }
  window.dispatchEvent(new Event('tpc-locale'));
}
