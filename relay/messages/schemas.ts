import { z } from '@hono/zod-openapi';
import { ShopId } from '../auth/principal.js';
import { DELIVERY_STATUSES } from '../delivery/types.js';

/** A button under an outgoing message: opens a URL or sends `callback_data` back to the bot. */
export type OutgoingButton = { text: string; url?: string; callback_data?: string };

/**
 * An outgoing message as the outbox carries it (a delivery's payload) and the history keeps
 * it: messenger-neutral, the adapters turn it into their API's calls. `text` is Telegram
 * HTML (https://core.telegram.org/bots/api#html-style) when `parse_mode` is 'HTML' — already
 * escaped where it was rendered — and plain text otherwise (the adapter escapes it).
 */
export type OutgoingPayload = {
  text: string;
  parse_mode?: 'HTML';
  image_url?: string;
  file_url?: string;
  /** Rows of buttons (an inline keyboard). */
  buttons?: OutgoingButton[][];
  /**
   * WhatsApp only: the approved template that carries the message outside the 24-hour window
   * (free-form messages are refused there), its parameters filled in.
   */
  whatsapp_template?: { name: string; language: string; parameters?: string[] };
};

/** A button that runs a scenario step sends this as its callback data. */
export const stepCallback = (stepId: number) => `step:${stepId}`;
export const stepOfCallback = (data: string | undefined): number | undefined => {
  const m = data === undefined ? null : /^step:(\d+)$/.exec(data);
  return m ? Number(m[1]) : undefined;
};

/**
 * A scenario button (menu item) sends `mi:<item id>:<run seq>`: a short id, never the content
 * (Telegram allows 64 bytes of callback data), and the move of the run it was shown at, so a
 * press on an older message is recognised. https://core.telegram.org/bots/api#inlinekeyboardbutton
 */
export const itemCallback = (itemId: number, seq: number) => `mi:${itemId}:${seq}`;
export const itemOfCallback = (data: string | undefined) => {
  const m = data === undefined ? null : /^mi:(\d{1,15}):(\d{1,15})$/.exec(data);
  return m ? { itemId: Number(m[1]), seq: Number(m[2]) } : undefined;
};

/** Four Telegram messages' worth; longer texts are split into parts of at most 4096. */
export const MAX_TEXT = 4 * 4096;

export const MessageButton = z
  .object({
    text: z.string(),
    url: z.string().optional(),
    step_id: z.number().int().optional(),
    /** A scenario step's button (its menu item). */
    menu_item_id: z.number().int().optional(),
  })
  .openapi('MessageButton');

export const MESSAGE_STATUSES = ['received', ...DELIVERY_STATUSES] as const;

export const Message = z
  .object({
    id: z.number().int(),
    shop_id: z.number().int(),
    bot_id: z.number().int().nullable(),
    bot_user_id: z.number().int().nullable(),
    /** `in`: the person wrote or pressed a button; `out`: the bot sent it. */
    direction: z.enum(['in', 'out']),
    /** out: `text`, `image`, `file`; in: `text`, `command` (/start), `callback` (a button), `other`. */
    content_type: z.string(),
    payload: z.object({
      text: z.string(),
      parse_mode: z.literal('HTML').optional(),
      image_url: z.string().optional(),
      file_url: z.string().optional(),
      /** A pressed button's callback data. */
      data: z.string().optional(),
      /** What a press on an outdated or deleted button was answered with instead. */
      notice: z.string().optional(),
    }),
    inline_buttons: z.array(MessageButton),
    /** `received` for inbound messages; the delivery's status for outgoing ones. */
    status: z.enum(MESSAGE_STATUSES),
    delivery_id: z.number().int().nullable(),
    /** The messenger's message id (comma-separated when a long text went in several parts). */
    remote_id: z.string().nullable(),
    /** The last delivery error, while retrying or once dead. */
    error: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('Message');
export type Message = z.infer<typeof Message>;

const ButtonUrl = z.url({ protocol: /^(https?|tg)$/, error: 'Enter an http(s) or tg:// URL.' });
const MediaUrl = z.url({ protocol: /^https?$/, error: 'Enter an http(s) URL.' }).max(2000);

export const SendMessageInput = z
  .object({
    shop_id: ShopId.optional(),
    bot_user_id: z.number().int().positive(),
    content_type: z.literal('text').default('text'),
    payload: z
      .object({
        /** Plain text; it is escaped for the messenger. With an image or file, its caption. */
        text: z.string().max(MAX_TEXT).default(''),
        image_url: MediaUrl.optional(),
        file_url: MediaUrl.optional(),
      })
      .superRefine((p, ctx) => {
        if (!p.text.trim() && !p.image_url && !p.file_url)
          ctx.addIssue({
            code: 'custom',
            path: ['text'],
            message: 'Enter a text, an image_url or a file_url.',
          });
        if (p.image_url && p.file_url)
          ctx.addIssue({
            code: 'custom',
            path: ['file_url'],
            message: 'Send an image or a file, not both.',
          });
      }),
    /** Telegram allows 100 buttons per message. https://core.telegram.org/bots/api#inlinekeyboardmarkup */
    inline_buttons: z
      .array(
        z
          .object({
            text: z.string().trim().min(1).max(64),
            url: ButtonUrl.max(2000).optional(),
            step_id: z.number().int().positive().optional(),
          })
          .refine((b) => (b.url === undefined) !== (b.step_id === undefined), {
            message: 'Give a button either a url or a step_id.',
          }),
      )
      .max(100)
      .optional(),
    /** Buttons per row. */
    inline_buttons_cols: z.number().int().min(1).max(8).default(1),
  })
  .openapi('SendMessageInput');
export type SendMessageInput = z.infer<typeof SendMessageInput>;

export const MessageFilter = z.object({
  bot_user_id: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .openapi({ param: { name: 'bot_user_id', in: 'query' } }),
  bot_id: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .openapi({ param: { name: 'bot_id', in: 'query' } }),
  direction: z
    .enum(['in', 'out'])
    .optional()
    .openapi({ param: { name: 'direction', in: 'query' } }),
});
export type MessageFilter = z.infer<typeof MessageFilter>;
