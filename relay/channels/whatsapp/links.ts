import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { DeepLinks } from '../types.js';
import { storedSettings } from './settings.js';

/**
 * What the person sends to opt in: a short sentence with the token, prefilled in their
 * WhatsApp (they may edit the words; the relay looks for the token).
 */
export const optinText = (token: string) => `Hello! My subscription code: ${token}`;

/** wa.me wants the full number as digits: 7–15 of them (E.164 allows at most 15). */
const digits = (phone: unknown) => {
  const d = typeof phone === 'string' ? phone.replace(/[^0-9]/g, '') : '';
  return /^[1-9][0-9]{6,14}$/.test(d) ? d : null;
};

/**
 * `https://wa.me/<digits>?text=<sentence with the token>`: WhatsApp opens a chat with the
 * business number and the sentence typed in; the first message carrying a valid token links
 * the person (relay/channels/whatsapp/updates.ts). Desktop browsers show a page that opens
 * WhatsApp Web or the desktop app. https://faq.whatsapp.com/5913398998672934
 */
export const whatsappLinks: DeepLinks = {
  label: 'WhatsApp',
  /** A round speech bubble with a handset. */
  mark: 'M3 21l1.3-4.6A9 9 0 1 1 7.6 19.8zm5-14c0 5 4 9 9 9v-3l-3-1-1 1-3-3 1-1-1-3z',
  showHandle: true,
  link(bot, _url, token) {
    const phone = digits(storedSettings(bot.settings).phone_number);
    if (!phone) return null;
    return `https://wa.me/${phone}${token ? `?text=${encodeURIComponent(optinText(token))}` : ''}`;
  },
  /**
   * WhatsApp Web with the same chat and sentence, for a desktop browser (wa.me's page there
   * asks whether to open the app first). https://faq.whatsapp.com/1011651859416004
   */
  webLink(bot, token) {
    const phone = digits(storedSettings(bot.settings).phone_number);
    if (!phone) return null;
    return `https://web.whatsapp.com/send?phone=${phone}&text=${encodeURIComponent(optinText(token))}`;
  },
  /** The number as people write it: `+1 555 010 1234`. */
  handle(bot) {
    const phone = storedSettings(bot.settings).phone_number;
    if (!digits(phone)) return null;
    return parsePhoneNumberFromString(`+${digits(phone)}`)?.formatInternational() ?? phone!;
  },
};
