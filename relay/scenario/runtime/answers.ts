import { z } from '@hono/zod-openapi';

/** What a question step accepts, as the step's `validate` names it. */
export type AnswerKind = 'text' | 'number' | 'phone' | 'email';

export type Answer = { ok: true; value: string | number } | { ok: false; error: string };

/** What the person reads when an answer does not fit and the step has no `error_text`. */
export const DEFAULT_ERRORS: Record<AnswerKind, string> = {
  text: 'Please answer with a few words.',
  number: 'Please answer with a number, for example 12 or 3.5.',
  phone: 'Please send a phone number with its country code, for example +44 20 7946 0958.',
  email: 'Please send an email address, for example anna@example.com.',
};

const Email = z.email();

/** The longest answer kept in a variable (the bot users API allows 4,000 characters). */
const MAX_ANSWER = 4000;

/**
 * Checks a reply against the question's kind and normalises it for storage: a number becomes
 * a number (a decimal comma is accepted), a phone keeps only its digits and a leading `+`
 * (7 to 15 digits, as E.164 allows), an email is lower-cased.
 */
export function readAnswer(kind: AnswerKind, reply: string): Answer {
  const text = reply.trim();
  const fail = { ok: false, error: DEFAULT_ERRORS[kind] } as const;
  switch (kind) {
    case 'text':
      if (text.length > MAX_ANSWER)
        return { ok: false, error: 'Please send a shorter answer (at most 4,000 characters).' };
      return text ? { ok: true, value: text } : fail;
    case 'number': {
      const n = text.replace(/[\s\u00a0]/g, '');
      if (!/^[+-]?\d{1,15}([.,]\d{1,10})?$/.test(n)) return fail;
      return { ok: true, value: Number(n.replace(',', '.')) };
    }
    case 'phone': {
      if (!/^\+?[\d\s().-]+$/.test(text)) return fail;
      const digits = text.replace(/\D/g, '');
      if (digits.length < 7 || digits.length > 15) return fail;
      return { ok: true, value: (text.startsWith('+') ? '+' : '') + digits };
    }
    case 'email':
      return text.length <= 254 && Email.safeParse(text).success
        ? { ok: true, value: text.toLowerCase() }
        : fail;
  }
}
