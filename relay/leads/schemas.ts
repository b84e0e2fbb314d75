import { z } from '@hono/zod-openapi';
import { orNull } from '../http/api.js';
import { ShopId } from '../auth/principal.js';

export const LeadStatus = z.enum(['new', 'in_progress', 'done', 'rejected']);
export type LeadStatus = z.infer<typeof LeadStatus>;

/** Where a lead came from: this API, the widget, the plain HTML form post, a bot scenario. */
export const LeadSource = z.enum(['api', 'widget', 'form', 'bot']);
export type LeadSource = z.infer<typeof LeadSource>;

export const LeadValue = z.union([z.string().max(5000), z.number(), z.boolean(), z.null()]);
export type LeadValue = z.infer<typeof LeadValue>;

export const MAX_LEAD_FIELDS = 50;

/** Free values when the lead has no form; with a form, validateLeadFields decides. */
export const LeadFields = z
  .record(z.string().min(1).max(64), LeadValue)
  .refine((r) => Object.keys(r).length <= MAX_LEAD_FIELDS, {
    message: `A lead has at most ${MAX_LEAD_FIELDS} fields.`,
  })
  .openapi({ example: { name: 'Ann', phone: '+79123456789' } });

/** A form by id (integer) or by its name (string), which must belong to the same shop. */
export const FormRef = z
  .union([z.number().int().positive(), z.string().trim().min(1).max(64)], {
    error: 'Enter a form id (integer) or a form name (string).',
  })
  .openapi({ example: 'callback' });

export const LeadPage = z
  .object({ url: z.string(), referrer: z.string(), title: z.string() })
  .partial()
  .openapi('LeadPage');
export type LeadPage = z.infer<typeof LeadPage>;

export const Lead = z
  .object({
    id: z.number().int(),
    shop_id: z.number().int(),
    form: z.number().int().nullable(),
    form_name: z.string().nullable(),
    fields: z.record(z.string(), LeadValue),
    bot_user_id: z.number().int().nullable(),
    status: LeadStatus,
    spam: z.boolean(),
    source: LeadSource,
    /** The page the widget was on; null for leads made through the API. */
    page: orNull(LeadPage),
    utm: z.record(z.string(), z.string()).nullable(),
    /** What the visitor agreed to, as recorded by the intake (e.g. the form's consent version). */
    consent: z.record(z.string(), z.unknown()).nullable(),
    visitor_id: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Lead');
export type Lead = z.infer<typeof Lead>;

export const LeadInput = z
  .object({
    shop_id: ShopId.optional(),
    form: FormRef.nullable().optional(),
    fields: LeadFields,
    bot_user_id: z.number().int().positive().nullable().optional(),
    status: LeadStatus.default('new'),
    spam: z.boolean().default(false),
  })
  .openapi('LeadInput');
export type LeadInput = z.infer<typeof LeadInput>;

/**
 * `fields` replaces the whole set. Changing `form` or `fields` validates the lead's fields
 * against its form again; `form: null` detaches the lead from its form.
 */
export const LeadPatch = z
  .object({
    shop_id: ShopId.optional(),
    form: FormRef.nullable().optional(),
    fields: LeadFields.optional(),
    bot_user_id: z.number().int().positive().nullable().optional(),
    status: LeadStatus.optional(),
    spam: z.boolean().optional(),
  })
  .openapi('LeadPatch');
export type LeadPatch = z.infer<typeof LeadPatch>;

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** List filters. Spam is hidden unless `spam=true`, which lists only spam. */
export const LeadFilter = z.object({
  status: LeadStatus.optional(),
  form: z.coerce.number().int().positive().optional(),
  bot_user_id: z.coerce.number().int().positive().optional(),
  spam: flag.default(false).openapi({ type: 'boolean', description: 'true: only spam' }),
});
export type LeadFilter = z.infer<typeof LeadFilter>;
