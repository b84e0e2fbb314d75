import { z } from '@hono/zod-openapi';
import { orNull } from '../http/api.js';
import { ShopId } from '../auth/principal.js';

export const FieldType = z.enum(['text', 'email', 'tel', 'textarea', 'select', 'checkbox']);
export type FieldType = z.infer<typeof FieldType>;

/**
 * Types whose value is free text, hence with a `max_length`. The defaults fit a name or a
 * short answer, an address (RFC 5321 §4.5.3.1.3 caps a path at 256 octets, so 254 for the
 * address itself), a phone number as people type it, and a message.
 */
export const DEFAULT_MAX_LENGTH = { text: 200, email: 254, tel: 32, textarea: 2000 } as const;
export type TextType = keyof typeof DEFAULT_MAX_LENGTH;
export const isTextType = (t: FieldType): t is TextType => t in DEFAULT_MAX_LENGTH;
export const MAX_LENGTH_LIMIT = 5000;
export const MAX_FIELDS = 30;

/** The key the widget uses: `<tp-lead-form form="callback">`. */
export const FormName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,63}$/,
    'Use 1–64 lowercase letters, digits, "_" or "-", starting with a letter or digit.',
  )
  .openapi({ example: 'callback' });

/** Also the `<input name>` the widget renders, so it must be a safe identifier. */
export const FieldName = z
  .string()
  .regex(
    /^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/,
    'Use 1–64 letters, digits or "_", not starting with a digit.',
  )
  .openapi({ example: 'phone' });

/** A text per locale. `en` is required; a missing `ru` falls back to `en` (see labelFor). */
export const Label = z
  .object({
    en: z.string().trim().min(1).max(300),
    ru: z.string().trim().min(1).max(300).optional(),
  })
  .openapi('Label', { example: { en: 'Phone', ru: 'Телефон' } });
export type Label = z.infer<typeof Label>;

export const labelFor = (label: Label, locale: string): string =>
  (locale === 'ru' && label.ru) || label.en;

export const SelectOption = z
  .object({ value: z.string().trim().min(1).max(200), label: Label })
  .openapi('SelectOption');
export type SelectOption = z.infer<typeof SelectOption>;

/** Options are `{value, label}`; a plain string is accepted as shorthand for value = label.en. */
const SelectOptionInput = z.preprocess(
  (o) => (typeof o === 'string' ? { value: o, label: { en: o } } : o),
  SelectOption,
);

/** A field as stored and returned: defaults filled in, `options` present for select only. */
export const FormField = z
  .object({
    name: FieldName,
    label: Label,
    type: FieldType,
    required: z.boolean(),
    max_length: z.number().int().nullable().openapi({ description: 'null for select, checkbox' }),
    options: z.array(SelectOption).optional(),
  })
  .openapi('FormField');
export type FormField = z.infer<typeof FormField>;

export const FormFieldInput = z
  .object({
    name: FieldName,
    label: Label,
    type: FieldType,
    /** For a checkbox: it must be ticked (a consent box). */
    required: z.boolean().default(false),
    max_length: z.number().int().min(1).max(MAX_LENGTH_LIMIT).nullable().optional(),
    options: z.array(SelectOptionInput).max(200).nullable().optional().openapi({
      description:
        'select only, required: `{value, label:{en, ru?}}`; a plain string `s` is short for `{value: s, label: {en: s}}`',
    }),
  })
  .superRefine((f, ctx) => {
    if (f.type === 'select') {
      if (!f.options?.length)
        ctx.addIssue({
          code: 'custom',
          path: ['options'],
          message: 'A select field needs at least one option.',
        });
      const seen = new Set<string>();
      f.options?.forEach((o, i) => {
        if (seen.has(o.value))
          ctx.addIssue({
            code: 'custom',
            path: ['options', i, 'value'],
            message: 'Another option of this field has this value.',
          });
        seen.add(o.value);
      });
    } else if (f.options != null) {
      ctx.addIssue({
        code: 'custom',
        path: ['options'],
        message: 'Only select fields have options.',
      });
    }
    if (!isTextType(f.type) && f.max_length != null)
      ctx.addIssue({
        code: 'custom',
        path: ['max_length'],
        message: 'Only text, email, tel and textarea fields have a maximum length.',
      });
  })
  .transform((f): FormField => ({
    name: f.name,
    label: f.label,
    type: f.type,
    required: f.required,
    max_length: isTextType(f.type) ? (f.max_length ?? DEFAULT_MAX_LENGTH[f.type]) : null,
    ...(f.type === 'select' ? { options: f.options ?? [] } : {}),
  }));

const FormFields = z
  .array(FormFieldInput)
  .min(1)
  .max(MAX_FIELDS)
  .superRefine((fields, ctx) => {
    const seen = new Set<string>();
    fields.forEach((f, i) => {
      if (seen.has(f.name))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: 'Another field of this form has this name.',
        });
      seen.add(f.name);
    });
  });

/** What the visitor agrees to; `version` tells later which text a lead accepted. */
export const Consent = z
  .object({
    text: z.string().trim().min(1).max(2000),
    version: z.preprocess(
      (v) => (typeof v === 'number' ? String(v) : v),
      z.string().trim().min(1).max(50),
    ),
  })
  .openapi('Consent');
export type Consent = z.infer<typeof Consent>;

/** Submissions faster than this (ms after the form appeared) are stored as spam. */
const MinFillMs = z.number().int().min(0).max(600_000);

export const Form = z
  .object({
    id: z.number().int(),
    shop_id: z.number().int(),
    name: z.string(),
    fields: z.array(FormField),
    consent: orNull(Consent),
    min_fill_ms: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Form');
export type Form = z.infer<typeof Form>;

export const FormInput = z
  .object({
    shop_id: ShopId.optional(),
    name: FormName,
    fields: FormFields,
    consent: orNull(Consent).optional(),
    min_fill_ms: MinFillMs.default(1500),
  })
  .openapi('FormInput');
export type FormInput = z.infer<typeof FormInput>;

/** `fields` replaces the whole list; `consent: null` removes the consent box. */
export const FormPatch = z
  .object({
    shop_id: ShopId.optional(),
    name: FormName.optional(),
    fields: FormFields.optional(),
    consent: orNull(Consent).optional(),
    min_fill_ms: MinFillMs.optional(),
  })
  .openapi('FormPatch');
export type FormPatch = z.infer<typeof FormPatch>;
