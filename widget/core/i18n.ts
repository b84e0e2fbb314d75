import type { Label, Locale, TextOverrides } from '../api/types.js';

const en = {
  submit: 'Send',
  sending: 'Sending…',
  retrying: 'No connection. Retrying…',
  success: 'Thank you! We will be in touch soon.',
  loading: 'Loading…',
  unavailable: 'This form is unavailable.',
  required: 'This field is required.',
  email: 'Enter an email like name@example.com.',
  phone: 'Enter a phone number like +1 555 123 4567.',
  tooLong: 'Use at most {n} characters.',
  consent: 'Please agree to continue.',
  summary: 'Check these fields: {list}.',
  failed: 'Could not send. Please try again.',
  choose: 'Choose…',
  subscribe: 'Subscribe in {name}',
  opening: 'Opening {name}…',
  copyHint: 'Or open this link on your phone:',
  optinFailed: 'Could not get the link. Please try again.',
  launcher: 'Contact us',
  close: 'Close',
};
export type Texts = typeof en;

const ru: Texts = {
  submit: 'Отправить',
  sending: 'Отправляем…',
  retrying: 'Нет связи. Пробуем ещё раз…',
  success: 'Спасибо! Мы скоро свяжемся с вами.',
  loading: 'Загрузка…',
  unavailable: 'Форма сейчас недоступна.',
  required: 'Заполните это поле.',
  email: 'Введите email, например name@example.com.',
  phone: 'Введите телефон, например +7 900 123-45-67.',
  tooLong: 'Не больше {n} символов.',
  consent: 'Нужно ваше согласие.',
  summary: 'Проверьте поля: {list}.',
  failed: 'Не удалось отправить. Попробуйте ещё раз.',
  choose: 'Выберите…',
  subscribe: 'Подписаться в {name}',
  opening: 'Открываем {name}…',
  copyHint: 'Или откройте ссылку на телефоне:',
  optinFailed: 'Не удалось получить ссылку. Попробуйте ещё раз.',
  launcher: 'Связаться с нами',
  close: 'Закрыть',
};

const builtIn: Record<Locale, Texts> = { en, ru };

/**
 * The locale of an element: the `lang` of its closest ancestor (crossing shadow roots, so
 * a form inside the launcher's dialog follows the page), else the browser's language.
 */
export function localeOf(el: Element): Locale {
  let node: Node | null = el;
  while (node) {
    if (node instanceof Element && node.hasAttribute('lang'))
      return pick(node.getAttribute('lang'));
    node = node.parentNode ?? (node as ShadowRoot).host ?? null;
  }
  return pick(navigator.language);
}

const pick = (tag: string | null): Locale => (/^ru\b/i.test(tag ?? '') ? 'ru' : 'en');

/** Built-in texts with the shop's overrides from the config on top. */
export function textsFor(locale: Locale, overrides?: TextOverrides): Texts {
  return { ...builtIn[locale], ...(overrides?.[locale] as Partial<Texts> | undefined) };
}

/** `fill('Use at most {n} characters.', {n: 5})` */
export const fill = (text: string, values: Record<string, string | number>) =>
  text.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));

export const label = (l: Label, locale: Locale) => (locale === 'ru' && l.ru) || l.en;
