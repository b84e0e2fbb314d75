import type { OutgoingButton, OutgoingPayload } from '../../messages/schemas.js';
import { clip, fileName, plainText, splitText } from '../text.js';

/**
 * The REST Bot API's limits (characters, buttons).
 * https://developers.viber.com/docs/api/rest-bot-api/#message-types
 * https://developers.viber.com/docs/tools/keyboards/
 */
export const LIMITS = {
  text: 7000,
  pictureText: 768,
  fileName: 256,
  senderName: 28,
  buttons: 24,
  columns: 6,
  buttonText: 250,
} as const;

/**
 * The API level of `Silent` reply buttons (a press does not show the button's hidden
 * ActionBody as the person's message); a message with them names it as its minimum.
 */
export const SILENT_API_LEVEL = 4;

/** A `send_message` body without `receiver` and `sender` (the adapter adds them). */
export type ViberMessage = { type: string } & Record<string, unknown>;

/** Viber renders a button's Text as HTML-like markup: a title is shown as written. */
const escapeMarkup = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Shown above buttons when the message has no text: a text message needs one. */
const CHOOSE = '👇';

type KeyboardButton = Record<string, unknown>;

/**
 * A keyboard of the payload's buttons, row by row, each row sharing Viber's 6 columns: a
 * scenario button is a `reply` button whose hidden ActionBody is its callback data (the press
 * comes back as that text, `Silent`: not shown in the chat), a URL button opens its link.
 * At most 24 buttons; titles cut to 250 characters.
 */
export function keyboardOf(rows: OutgoingButton[][]): Record<string, unknown> | null {
  const buttons: KeyboardButton[] = [];
  for (const row of rows) {
    for (let i = 0; i < row.length; i += LIMITS.columns) {
      const part = row.slice(i, i + LIMITS.columns);
      const columns = Math.floor(LIMITS.columns / part.length);
      for (const b of part) {
        const text = escapeMarkup(clip(b.text, LIMITS.buttonText));
        buttons.push(
          b.url
            ? { Columns: columns, Rows: 1, ActionType: 'open-url', ActionBody: b.url, Text: text }
            : {
                Columns: columns,
                Rows: 1,
                ActionType: 'reply',
                ActionBody: b.callback_data ?? b.text,
                Text: text,
                Silent: true,
              },
        );
      }
    }
  }
  if (!buttons.length) return null;
  return {
    Type: 'keyboard',
    DefaultHeight: false,
    InputFieldState: 'regular',
    Buttons: buttons.slice(0, LIMITS.buttons),
  };
}

/**
 * One plain reply button: its press sends its title as the person's own message (shown in the
 * chat), which is what subscribes a person to a Viber bot.
 */
export const startKeyboard = (title: string) => ({
  Type: 'keyboard',
  DefaultHeight: false,
  InputFieldState: 'regular',
  Buttons: [
    { Columns: 6, Rows: 1, ActionType: 'reply', ActionBody: title, Text: escapeMarkup(title) },
  ],
});

/**
 * The Viber messages that deliver one outgoing message, in order:
 * - an image as a `picture` with the text as its description when that fits (768), a file as
 *   a `file` (its size is filled in when sending: Viber requires it);
 * - the text in parts of at most 7,000 (Telegram HTML as plain text, links as "text (URL)");
 * - scenario and URL buttons as a keyboard on the last message (Viber shows the last keyboard
 *   it was sent until another replaces it).
 */
export function toViberMessages(p: OutgoingPayload): ViberMessage[] {
  const keyboard = keyboardOf(p.buttons ?? []);
  let texts = splitText(plainText(p), LIMITS.text);
  const out: ViberMessage[] = [];
  if (p.image_url) {
    const fits = texts.length === 1 && [...texts[0]].length <= LIMITS.pictureText;
    out.push({ type: 'picture', media: p.image_url, text: fits ? texts[0] : '' });
    if (fits) texts = [];
  } else if (p.file_url) {
    out.push({
      type: 'file',
      media: p.file_url,
      file_name: fileName(p.file_url, LIMITS.fileName),
    });
  }
  for (const t of texts) out.push({ type: 'text', text: t });
  if (keyboard) {
    if (!out.length) out.push({ type: 'text', text: CHOOSE });
    Object.assign(out[out.length - 1], { keyboard, min_api_version: SILENT_API_LEVEL });
  }
  return out;
}

/** A file Viber cannot take as a file (size unknown or over 50 MB) goes as a link. */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;
export const asUrlMessage = (m: ViberMessage): ViberMessage => {
  const { media, file_name: _name, ...rest } = m as ViberMessage & { media: string };
  return { ...rest, type: 'url', media };
};
