import { z } from '@hono/zod-openapi';

/** Meta's ids (phone number, business account) are decimal numbers, kept as text. */
const GraphId = (what: string) =>
  z
    .string()
    .trim()
    .regex(/^[0-9]{1,32}$/, `Enter the ${what} from Meta's app dashboard (digits only).`);

/** Meta's default throughput per business number: 80 messages a second (up to 1,000 when upgraded). */
export const DEFAULT_MESSAGES_PER_SECOND = 80;

/**
 * A WhatsApp bot's readable settings: the business number (E.164; read from the Graph API
 * when not given), its phone number id (the Cloud API's sender), the WhatsApp Business
 * Account id, and the number's throughput.
 * https://developers.facebook.com/docs/whatsapp/cloud-api/get-started
 */
export const WhatsAppSettings = z
  .object({
    phone_number: z.string().trim().min(5).max(32).optional().openapi({
      description:
        'The business number in international format; checked against the number id (filled in from it when absent).',
      example: '+1 555 010 1234',
    }),
    phone_number_id: GraphId('phone number ID').openapi({ example: '106540352242922' }),
    waba_id: GraphId('WhatsApp Business Account ID').optional(),
    messages_per_second: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .openapi({
        description: `Messages a second this number may send (Meta's throughput; ${DEFAULT_MESSAGES_PER_SECOND} when absent).`,
      }),
  })
  .strict()
  .openapi('WhatsAppSettings');
export type WhatsAppSettings = z.infer<typeof WhatsAppSettings>;

/** Printable ASCII without spaces: what Meta's dashboard fields take. */
const Secret = (min: number) =>
  z
    .string()
    .trim()
    .min(min)
    .max(200)
    .regex(/^[\x21-\x7e]+$/, 'Use printable characters without spaces.');

/**
 * A WhatsApp bot's write-only credentials: the app secret, which signs every webhook Meta
 * posts (X-Hub-Signature-256), and the verify token Meta echoes once when the webhook is set
 * up (generated when not given, and shown once).
 * https://developers.facebook.com/docs/graph-api/webhooks/getting-started
 */
export const WhatsAppCredentials = z
  .object({
    app_secret: Secret(8).openapi({ description: 'App settings → Basic → App secret.' }),
    verify_token: Secret(8).optional().openapi({
      description: "Any string of your choice for Meta's webhook check; generated when absent.",
    }),
  })
  .strict()
  .openapi('WhatsAppCredentials');
export type WhatsAppCredentials = z.infer<typeof WhatsAppCredentials>;

/** The stored settings, as the adapter and the links read them. */
export const storedSettings = (settings: Record<string, unknown>) =>
  settings as Partial<WhatsAppSettings> & { verified_name?: string };

/**
 * An approved message template, for messages outside the 24-hour window: its name and
 * language as approved in WhatsApp Manager, and its body parameters in order — text with
 * variables filled in when the message is sent (`{order.number}` for order messages,
 * `{alert.title}` and `{alert.text}` for alerts).
 * https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates
 */
export const WhatsAppTemplate = z
  .object({
    name: z
      .string()
      .trim()
      .regex(/^[a-z0-9_]{1,512}$/, 'Use the template’s name: lowercase letters, digits, _.'),
    language: z
      .string()
      .trim()
      .regex(/^[a-z]{2,3}(_[A-Z]{2,4})?$/, 'Use a language code such as en or en_US.'),
    parameters: z.array(z.string().max(1024)).max(20).default([]),
  })
  .strict()
  .openapi('WhatsAppTemplate');
export type WhatsAppTemplate = z.infer<typeof WhatsAppTemplate>;

/** `{name}` variables in a template's parameters, filled from `values`; others stay as typed. */
export const fillParameters = (parameters: string[], values: Record<string, string>) =>
  parameters.map((p) =>
    p.replace(/\{([a-z_]+\.[a-z_]+)\}/g, (m, k: string) => (k in values ? values[k] : m)),
  );
