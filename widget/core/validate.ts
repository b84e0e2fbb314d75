import { fill, type Texts } from './i18n.js';

/** What validation needs to know about a field, from the config or a plain `<input>`. */
export type Rule = { type: string; required: boolean; maxLength?: number | null };

/**
 * Deliberately loose: the relay validates for real. An address needs one "@" and a dot in
 * its domain; that catches typos without rejecting valid rare forms (RFC 5321 allows many).
 */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@.]+$/;

/** Phone numbers as people type them: "+", digits, spaces, dots, dashes, brackets. */
const PHONE_CHARS = /^\+?[\d\s().-]+$/;

/**
 * The first problem with a value, as a sentence in the visitor's language, or '' when it
 * is fine. E.164 numbers have at most 15 digits; 7 excludes obvious fragments.
 */
export function check(rule: Rule, value: string | boolean, t: Texts): string {
  if (typeof value === 'boolean') return rule.required && !value ? t.required : '';
  const v = value.trim();
  if (!v) return rule.required ? t.required : '';
  if (rule.maxLength && v.length > rule.maxLength) return fill(t.tooLong, { n: rule.maxLength });
  if (rule.type === 'email' && !EMAIL.test(v)) return t.email;
  if (rule.type === 'tel') {
    const digits = v.replace(/\D/g, '').length;
    if (!PHONE_CHARS.test(v) || digits < 7 || digits > 15) return t.phone;
  }
  return '';
}
