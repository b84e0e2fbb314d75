import { z } from '@hono/zod-openapi';
import { BotType } from '../bots/schemas.js';
import { FormField } from '../forms/schemas.js';

/**
 * The wire shapes of the public widget API (/public/v1/…). They must match what the widget
 * reads, widget/api/types.ts: a change here is a change there.
 */

/** A publishable key in the query (`?key=pk_…`); it may also come as `X-Touchpoint-Key`. */
export const KeyQuery = z.object({
  key: z
    .string()
    .max(200)
    .optional()
    .openapi({ param: { name: 'key', in: 'query' }, example: 'pk_…' }),
});

export const PublicForm = z
  .object({
    name: z.string(),
    fields: z.array(FormField),
    consent: z.object({ text: z.string(), version: z.string() }).nullable(),
    min_fill_ms: z.number().int(),
  })
  .openapi('PublicForm');
export type PublicForm = z.infer<typeof PublicForm>;

export const PublicBot = z
  .object({
    id: z.number().int(),
    bot_type: BotType,
    name: z.string(),
    /**
     * Telegram: the username without "@"; WhatsApp: the business number as people write it
     * (the widget shows it); viber, vk: the handle in links; else null.
     */
    nickname: z.string().nullable(),
    /** The bot's link without an opt-in token, for the `href` before a click (only bots with one are listed). */
    url: z.string(),
    /** The button's name: the messenger's, or the bot's when the shop has two of its messenger. */
    label: z.string(),
    /** The messenger's mark: an SVG path on a 24-unit grid (even-odd), or null. */
    mark: z.string().nullable(),
    /** Shown on the button under the name: WhatsApp's number; else null. */
    handle: z.string().nullable(),
  })
  .openapi('PublicBot');
export type PublicBot = z.infer<typeof PublicBot>;

export const PublicConfig = z
  .object({
    shop: z.object({ name: z.string() }),
    forms: z.array(PublicForm),
    bots: z.array(PublicBot),
    texts: z.record(z.string(), z.record(z.string(), z.string())),
    theme: z.record(z.string(), z.string()),
  })
  .openapi('PublicConfig');
export type PublicConfig = z.infer<typeof PublicConfig>;

/** Longest values we accept for page metadata: the lead stores them as they come. */
const text = (max: number) => z.string().max(max);

/** Visitor ids come from the widget (a UUID kept in localStorage) or a shop's own code. */
export const VisitorId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'Use 1–100 letters, digits, ".", "_", ":" or "-".');

/** `submission_id` and the `Idempotency-Key` header. */
export const SubmissionId = z
  .string()
  .regex(/^[\x21-\x7e]{1,100}$/, 'Use 1–100 printable ASCII characters.');

export const PublicLeadInput = z
  .object({
    key: z.string().max(200).optional(),
    form: z.string().min(1).max(64),
    /**
     * Each value is checked against the form by validateLeadFields (type, length, format;
     * errors keyed `fields.<name>`), so only the shape is checked here.
     */
    fields: z
      .record(z.string(), z.unknown())
      .refine((r) => Object.keys(r).length <= 50, 'A lead has at most 50 fields.')
      .openapi({
        description: 'Field name → value: a string, or a boolean for a checkbox.',
        example: { name: 'Ann', phone: '+79123456789' },
      }),
    /** `{version}` of the consent text the visitor accepted; `true` means the current one. */
    consent: z
      .union([z.literal(true), z.object({ version: z.string().min(1).max(50) })], {
        error: 'Send {"version": "…"} of the consent the visitor accepted.',
      })
      .nullable()
      .optional(),
    page: z
      .object({ url: text(2000), referrer: text(2000), title: text(500) })
      .partial()
      .optional(),
    utm: z
      .record(z.string().min(1).max(64), text(300))
      .refine((r) => Object.keys(r).length <= 20, 'At most 20 UTM parameters.')
      .optional(),
    visitor_id: VisitorId.optional(),
    /** The honeypot: a person leaves it empty. */
    hp: z.string().max(1000).nullable().optional(),
    /** Milliseconds from the form appearing to the submit. */
    elapsed_ms: z.number().min(0).max(1e12),
    submission_id: SubmissionId.optional(),
    /** Turnstile or hCaptcha response, when the shop's settings turn a captcha on. */
    captcha_token: z.string().min(1).max(4096).optional(),
  })
  .openapi('PublicLeadInput');
export type PublicLeadInput = z.infer<typeof PublicLeadInput>;

export const LeadAccepted = z
  .object({ lead_id: z.number().int(), bot_user_id: z.number().int().nullable() })
  .openapi('LeadAccepted');
export type LeadAccepted = z.infer<typeof LeadAccepted>;

export const OptinInput = z
  .object({
    key: z.string().max(200).optional(),
    bot_id: z.number().int().positive().optional(),
    lead_id: z.number().int().positive().optional().openapi({
      description: 'A lead this visitor sent (with the same `visitor_id`).',
    }),
    order_ref: z.string().trim().min(1).max(100).optional().openapi({
      description: 'The order’s `optin_ref` (never its number or external id).',
      example: 'Yq3xv0rM5b2kQ9tWc7LpAg',
    }),
    visitor_id: VisitorId.optional(),
  })
  .openapi('OptinInput');
export type OptinInput = z.infer<typeof OptinInput>;

export const OptinLink = z
  .object({
    bot_id: z.number().int(),
    bot_type: BotType,
    name: z.string(),
    url: z.string(),
    /** Where a desktop browser opens the chat instead: WhatsApp Web. */
    web_url: z.string().optional(),
  })
  .openapi('OptinLink');
export type OptinLink = z.infer<typeof OptinLink>;

export const Optin = z
  .object({
    token: z.string().openapi({ example: 'b3JkZXItMTIzNDU2Nzg5MA' }),
    expires_at: z.string(),
    links: z.array(OptinLink),
  })
  .openapi('Optin');
export type Optin = z.infer<typeof Optin>;
