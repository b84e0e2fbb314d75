import { randomUUID } from 'node:crypto';
import { validateLeadFields } from '../forms/validate-fields.js';
import { badRequest, invalidField, type FieldErrors } from '../http/errors.js';
import type { LeadPage } from '../leads/schemas.js';
import type { ShopContext } from './cache.js';
import type { LeadDraft } from './lead-writer.js';

/** A submission as both intakes (JSON and the no-JavaScript form post) read it. */
export type Submission = {
  form: string;
  fields: Record<string, unknown>;
  /** `true`: the current consent text; `{version}`: the one the visitor saw. */
  consent?: true | { version: string } | null;
  page?: LeadPage;
  utm?: Record<string, string>;
  visitor_id?: string;
  hp?: string | null;
  /** Absent for a form post without JavaScript: then no time-to-fill check. */
  elapsed_ms?: number;
};

/**
 * Checks a submission against the shop's form and decides whether it is spam. Throws a 400
 * naming every invalid field: `form`, `fields.<name>`, `consent`. A filled honeypot or a
 * form sent faster than the form's `min_fill_ms` is spam: it is still stored (spam=1) and
 * answered like any lead, but sends no notification and creates no bot user.
 */
export function draftLead(
  shop: ShopContext,
  s: Submission,
  source: LeadDraft['source'],
): Omit<LeadDraft, 'idem'> {
  const form = shop.forms.get(s.form);
  if (!form) throw invalidField('form', 'This shop has no form with this name.');
  const check = validateLeadFields(form, s.fields, { defaultCountry: shop.country });
  const errors: FieldErrors = check.ok ? {} : { ...check.errors };
  let consent: LeadDraft['consent'] = null;
  if (form.consent) {
    if (!s.consent) errors.consent = ['Please accept the terms to continue.'];
    else if (s.consent !== true && s.consent.version !== form.consent.version)
      errors.consent = ['These terms have changed. Reload the page and accept them again.'];
    else consent = { ...form.consent, accepted_at: new Date().toISOString() };
  }
  if (!check.ok || errors.consent) throw badRequest('Check the highlighted fields.', errors);

  const spam =
    (typeof s.hp === 'string' && s.hp.trim() !== '') ||
    (s.elapsed_ms !== undefined && s.elapsed_ms < form.min_fill_ms);
  return {
    shopId: shop.id,
    form,
    values: check.values,
    consent,
    page: s.page && Object.keys(s.page).length ? s.page : null,
    utm: s.utm && Object.keys(s.utm).length ? s.utm : null,
    visitorId: s.visitor_id ?? randomUUID(),
    spam,
    source,
  };
}
