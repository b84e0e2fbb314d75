import type { OptinLinks } from '../bot-users/subscribers.js';

/** The outbox event of the bot's answer to `/start <token>`. */
export const OPTIN_REPLY_EVENT = 'optin.reply';

/**
 * What a `/start <token>` did: linked the person (to what; `again` when they had redeemed
 * this token before and opened the link once more), or nothing, and why.
 */
export type OptinOutcome =
  | { status: 'linked'; links: OptinLinks; again: boolean }
  | { status: 'used' }
  | { status: 'expired' };

const TEXTS = {
  en: {
    order: (number: string) => `You will get updates about order ${number} here.`,
    lead: 'We have received your request. Replies will come here.',
    subscribed: 'You are subscribed: the shop’s messages will come here.',
    used:
      'This link has already been used. To subscribe, open the shop’s page again and press ' +
      'the button for a new link.',
    expired:
      'This link has expired. Open the shop’s page again and press the button for a new link.',
    hello: 'Hello! The shop’s messages will come here.',
    start: 'Press “Start” to subscribe.',
    startButton: 'Start',
  },
  ru: {
    order: (number: string) => `Здесь вы будете получать новости о заказе ${number}.`,
    lead: 'Мы получили вашу заявку. Ответы придут сюда.',
    subscribed: 'Вы подписаны: сообщения магазина будут приходить сюда.',
    used:
      'Эта ссылка уже использована. Чтобы подписаться, откройте страницу магазина ещё раз ' +
      'и нажмите кнопку: появится новая ссылка.',
    expired:
      'Срок действия ссылки истёк. Откройте страницу магазина ещё раз и нажмите кнопку, ' +
      'чтобы получить новую ссылку.',
    hello: 'Здравствуйте! Сообщения магазина будут приходить сюда.',
    start: 'Нажмите «Начать», чтобы подписаться.',
    startButton: 'Начать',
  },
} as const;

/** The person's language from an IETF tag as Telegram's `language_code` gives it ("ru", "en-US"). */
const languageOf = (langCode: string): keyof typeof TEXTS =>
  /^ru\b/i.test(langCode) ? 'ru' : 'en';

/**
 * What the bot tells a person after `/start <token>`, in their language: what they are now
 * subscribed to (the order by its number, the request they sent, or the shop's messages),
 * or why the link did nothing (used by someone else, expired). Plain text: the adapters
 * escape it, so an order number from the shop's backend is shown as it is.
 */
export function optinReply(outcome: OptinOutcome, langCode: string): string {
  const t = TEXTS[languageOf(langCode)];
  if (outcome.status !== 'linked') return t[outcome.status];
  const { orderNumber, lead } = outcome.links;
  const lines = [
    ...(orderNumber !== null ? [t.order(orderNumber)] : []),
    ...(lead ? [t.lead] : []),
  ];
  return lines.length ? lines.join('\n') : t.subscribed;
}

/**
 * The one message a messenger lets the bot send when a person opens its chat before they are
 * subscribed (Viber's welcome message): what their link did, or a greeting, and a button whose
 * press is their first message — which subscribes them.
 */
export function openReply(
  outcome: OptinOutcome | null,
  langCode: string,
): { text: string; button: string } {
  const t = TEXTS[languageOf(langCode)];
  const first = outcome ? optinReply(outcome, langCode) : t.hello;
  return {
    text: outcome?.status === 'linked' || !outcome ? `${first}\n${t.start}` : first,
    button: t.startButton,
  };
}
