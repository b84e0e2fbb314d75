import type { OutgoingButton, OutgoingPayload } from '../../messages/schemas.js';
import { clip, plainText, splitText } from '../text.js';

/**
 * VK's limits for a community's messages and inline keyboards.
 * https://dev.vk.com/en/method/messages.send https://dev.vk.com/en/api/bots/development/keyboard
 */
export const LIMITS = {
  text: 4096,
  buttons: 10,
  rows: 6,
  perRow: 5,
  label: 40,
  payload: 255,
} as const;

/** `messages.send` parameters of one message, without peer_id and random_id. */
export type VkMessage = { message: string; keyboard?: string };

/** Shown above buttons when the message has no text: a message needs one. */
const CHOOSE = '👇';

/** A callback button's payload: `{"d": "<callback data>"}`, returned in its message_event. */
export const pressPayload = (data: string) => JSON.stringify({ d: data });
export const dataOfPayload = (payload: unknown): string | null =>
  payload && typeof payload === 'object' && typeof (payload as { d?: unknown }).d === 'string'
    ? (payload as { d: string }).d
    : null;

/**
 * An inline keyboard of the payload's buttons: scenario buttons as `callback` buttons (a
 * press arrives as a `message_event`, nothing is written into the chat), URL buttons as
 * `open_link`. VK allows 10 buttons in at most 6 rows of 5; labels are cut to 40 characters.
 */
export function keyboardOf(rows: OutgoingButton[][]): string | null {
  const out: object[][] = [];
  let count = 0;
  for (const row of rows)
    for (let i = 0; i < row.length; i += LIMITS.perRow) {
      const part = row.slice(i, i + LIMITS.perRow).slice(0, LIMITS.buttons - count);
      if (!part.length || out.length === LIMITS.rows) break;
      count += part.length;
      out.push(
        part.map((b) => {
          const label = clip(b.text, LIMITS.label);
          return b.url
            ? { action: { type: 'open_link', link: b.url, label } }
            : {
                action: {
                  type: 'callback',
                  label,
                  payload: pressPayload(b.callback_data ?? b.text),
                },
                color: 'secondary',
              };
        }),
      );
    }
  return out.length ? JSON.stringify({ inline: true, buttons: out }) : null;
}

/**
 * The messages that deliver one outgoing message, in order: the text in parts of at most
 * 4,096 characters (Telegram HTML as plain text, links as "text (URL)"), an image or a file
 * as its link on a line of its own (VK shows a preview of a link; media uploads are not
 * made), and the buttons as an inline keyboard under the last part.
 */
export function toVkMessages(p: OutgoingPayload): VkMessage[] {
  const body = [plainText(p), p.image_url ?? '', p.file_url ?? ''].filter(Boolean).join('\n');
  const keyboard = keyboardOf(p.buttons ?? []);
  const out: VkMessage[] = splitText(body, LIMITS.text).map((message) => ({ message }));
  if (keyboard) {
    if (!out.length) out.push({ message: CHOOSE });
    out[out.length - 1].keyboard = keyboard;
  }
  return out;
}

/**
 * The `random_id` of part `part` of delivery `deliveryId`: VK keeps one message per random_id
 * of a community, so a send repeated after a lost answer is never a second message. A 32-bit
 * number: 16 parts per delivery (far more than the longest message needs) for about 134
 * million deliveries before the values come round again.
 */
export const randomIdOf = (deliveryId: number, part: number) =>
  1 + ((deliveryId * 16 + part) % 2_147_483_646);
