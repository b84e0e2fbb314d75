import { z } from '@hono/zod-openapi';
import type { MessengerPerson } from '../../bot-users/subscribers.js';
import type { BotRef } from '../../bots/lifecycle.js';
import type { Inbound } from '../inbound.js';
import { classify } from './adapter.js';

/**
 * The parts of a Cloud API webhook the relay reads: inbound messages (text, interactive
 * replies to buttons and lists, template quick replies, anything else as "other") and the
 * statuses of messages it sent.
 * https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples
 */
const Contact = z.object({
  wa_id: z.string(),
  profile: z.object({ name: z.string().optional() }).optional(),
});
const Reply = z.object({ id: z.string(), title: z.string().default('') });
const Message = z.object({
  from: z.string().regex(/^[0-9]{5,20}$/),
  id: z.string().min(1).max(200),
  type: z.string(),
  text: z.object({ body: z.string() }).optional(),
  interactive: z
    .object({
      type: z.string(),
      button_reply: Reply.optional(),
      list_reply: Reply.optional(),
    })
    .optional(),
  button: z.object({ text: z.string(), payload: z.string().optional() }).optional(),
  image: z.object({ caption: z.string().optional() }).optional(),
  document: z.object({ caption: z.string().optional() }).optional(),
  video: z.object({ caption: z.string().optional() }).optional(),
});
const StatusError = z.object({
  code: z.number(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.object({ details: z.string().optional() }).optional(),
});
const Status = z.object({
  id: z.string().min(1).max(200),
  status: z.string(),
  recipient_id: z.string().optional(),
  errors: z.array(StatusError).optional(),
});
const Value = z.object({
  metadata: z.object({ phone_number_id: z.string() }),
  contacts: z.array(Contact).optional(),
  messages: z.array(Message).optional(),
  statuses: z.array(Status).optional(),
});
export const WhatsAppWebhook = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(
    z.object({ changes: z.array(z.object({ field: z.string(), value: z.unknown() })) }),
  ),
});

/**
 * The opt-in token in what the person sent: the 22-character word the `wa.me` link typed in
 * for them (relay/channels/whatsapp/links.ts), wherever it stands in their message.
 */
const TOKEN = /(?:^|[\s:#(])([A-Za-z0-9_-]{22})(?=$|[\s.,!?)])/;
export const tokenIn = (text: string) => TOKEN.exec(text)?.[1] ?? null;

const person = (waId: string, contacts: z.infer<typeof Contact>[]): MessengerPerson => ({
  messenger_user_id: waId,
  chat_id: waId,
  name: (contacts.find((c) => c.wa_id === waId)?.profile?.name ?? '').slice(0, 200),
  lang_code: '',
  messenger_user_url: `https://wa.me/${waId}`,
});

/** A status the relay could not match yet (its send not recorded): tried again shortly. */
export type LateReceipt = () => Promise<'moved' | 'same' | 'unknown'>;

/**
 * Feeds one verified webhook to the inbound handlers: each message of this bot's number in
 * order (a text carrying an opt-in token starts the person's subscription; a button or list
 * reply is a press whose data is the button's id), then each status (`delivered`, `read`,
 * `failed` with its error; `sent` changes nothing: the send already said so). A change for
 * another number (one Meta app, several numbers) or one the relay cannot read is skipped:
 * Meta would otherwise send it again and again. Returns the statuses it found no message
 * for, to try again once the sends are recorded.
 */
export async function handleWhatsAppWebhook(
  raw: unknown,
  ctx: { bot: BotRef; phoneNumberId: string; inbound: Inbound },
): Promise<LateReceipt[]> {
  const parsed = WhatsAppWebhook.safeParse(raw);
  if (!parsed.success) return [];
  const { bot, inbound } = ctx;
  const late: LateReceipt[] = [];
  for (const entry of parsed.data.entry)
    for (const change of entry.changes) {
      if (change.field !== 'messages') continue;
      const value = Value.safeParse(change.value);
      if (!value.success || value.data.metadata.phone_number_id !== ctx.phoneNumberId) continue;
      const { contacts = [], messages = [], statuses = [] } = value.data;
      for (const m of messages) {
        const who = person(m.from, contacts);
        const reply = m.interactive?.button_reply ?? m.interactive?.list_reply;
        if (m.type === 'text' && m.text) {
          const text = m.text.body;
          await inbound.startWithToken(bot, who, { remoteId: m.id, text, token: tokenIn(text) });
        } else if (m.type === 'interactive' && reply) {
          await inbound.press(bot, who, { remoteId: m.id, text: reply.title, data: reply.id });
        } else if (m.type === 'button' && m.button) {
          await inbound.message(bot, who, { remoteId: m.id, text: m.button.text });
        } else {
          const caption = m.image?.caption ?? m.document?.caption ?? m.video?.caption ?? '';
          await inbound.message(bot, who, { remoteId: m.id, text: caption, contentType: 'other' });
        }
      }
      for (const s of statuses) {
        if (s.status !== 'delivered' && s.status !== 'read' && s.status !== 'failed') continue;
        const e = s.errors?.[0];
        const failure = e
          ? classify(
              400,
              {
                code: e.code,
                message: e.title ?? e.message ?? 'Failed',
                error_data: e.error_data,
              },
              0,
            )
          : null;
        const apply = () =>
          inbound.receipt(
            bot,
            s.id,
            s.status as 'delivered' | 'read' | 'failed',
            s.status === 'failed'
              ? {
                  error: failure && !failure.ok ? failure.error : 'WhatsApp could not deliver it.',
                  recipientGone: !!(failure && !failure.ok && failure.recipientGone),
                }
              : undefined,
          );
        if ((await apply()) === 'unknown') late.push(apply);
      }
    }
  return late;
}
