import { z } from '@hono/zod-openapi';
import type { CountryCode } from 'libphonenumber-js';
import { toE164 } from './phone.js';
import type { FormField } from './schemas.js';

/** Submitted values after validation: trimmed text, E.164 phones, checkbox booleans. */
export type LeadValues = Record<string, string | boolean>;

/** Errors are keyed `fields.<name>`, the way the API names nested fields. */
export type FieldsCheck =
  { ok: true; values: LeadValues } | { ok: false; errors: Record<string, string[]> };

export type FieldsCheckOptions = {
  /** Country for numbers typed without "+": the shop's `settings.default_country`. */
  defaultCountry?: CountryCode;
};

/**
 * Checks the values a visitor (or an API client) submitted against a form. Pure and free of
 * HTTP, so the management API, the widget intake and the no-JavaScript form post share it.
 *
 * - a key the form does not have is an error (a typo must not lose data silently);
 * - text values are trimmed; an empty optional field is left out of `values`;
 * - numbers are accepted where text is expected (a phone sent as a JSON number);
 * - `tel` becomes E.164; `select` must be one of the option values;
 * - `checkbox` is a boolean (also "on"/"true"/"1" and "off"/"false"/"0"/"" from HTML
 *   forms), always present in `values`; a required checkbox must be ticked.
 */
export function validateLeadFields(
  form: { fields: readonly FormField[] },
  input: Record<string, unknown>,
  options: FieldsCheckOptions = {},
): FieldsCheck {
  const errors: Record<string, string[]> = {};
  const values: LeadValues = {};
  const known = new Set(form.fields.map((f) => f.name));
  for (const key of Object.keys(input)) {
    if (!known.has(key)) errors[`fields.${key}`] = ['This form has no such field.'];
  }
  for (const field of form.fields) {
    const result = checkValue(field, input[field.name], options.defaultCountry);
    if ('error' in result) errors[`fields.${field.name}`] = [result.error];
    else if (result.value !== undefined) values[field.name] = result.value;
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, values };
}

type Checked = { value: string | boolean | undefined } | { error: string };

const REQUIRED = 'This field is required.';
const Email = z.email();

function checkValue(field: FormField, raw: unknown, country?: CountryCode): Checked {
  if (field.type === 'checkbox') {
    const checked = toBoolean(raw);
    if (checked === undefined) return { error: 'Expected true or false.' };
    return field.required && !checked ? { error: REQUIRED } : { value: checked };
  }
  const input =
    raw == null ? '' : typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : raw;
  if (typeof input !== 'string') return { error: 'Expected a string.' };
  const text = input.trim();
  if (!text) return field.required ? { error: REQUIRED } : { value: undefined };
  if (field.max_length !== null && text.length > field.max_length)
    return { error: `Ensure this field has no more than ${field.max_length} characters.` };
  switch (field.type) {
    case 'email':
      return Email.safeParse(text).success ? { value: text } : { error: 'Enter a valid email.' };
    case 'tel': {
      const e164 = toE164(text, country);
      return e164 ? { value: e164 } : { error: 'Enter a valid phone number.' };
    }
    case 'select':
      return field.options?.some((o) => o.value === text)
        ? { value: text }
        : { error: 'Select one of the available choices.' };
    default:
      return { value: text };
  }
}

const TRUE = new Set(['true', 'on', '1', 'yes']);
const FALSE = new Set(['false', 'off', '0', 'no', '']);

function toBoolean(raw: unknown): boolean | undefined {
  if (typeof raw === 'boolean') return raw;
  if (raw == null) return false;
  if (raw === 1 || raw === 0) return raw === 1;
  if (typeof raw !== 'string') return undefined;
  const v = raw.trim().toLowerCase();
  return TRUE.has(v) ? true : FALSE.has(v) ? false : undefined;
}
