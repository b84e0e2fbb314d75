/**
 * The DOM side of a lead form, rendered or enhanced alike: which controls hold answers,
 * their values and rules, and the page metadata a lead carries.
 */
import type { Rule } from '../core/validate.js';

export type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** Names a form posts that are not the visitor's answers. */
const RESERVED = new Set([
  'hp',
  'consent',
  'form',
  'key',
  '_redirect',
  'elapsed_ms',
  'submission_id',
]);

/** A form's answer controls (consent included): one per radio group, no buttons, no honeypot. */
export function controlsOf(form: HTMLFormElement): Control[] {
  const seen = new Set<string>();
  return [...form.elements].filter((el): el is Control => {
    const c = el as Control;
    const ok =
      /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName) &&
      !!c.name &&
      c.name !== 'hp' &&
      !c.disabled &&
      !/^(submit|button|reset|image|file)$/.test(c.type) &&
      !(c.type === 'radio' && seen.has(c.name));
    if (ok) seen.add(c.name);
    return ok;
  });
}

/** A checkbox's state, a radio group's choice, or the text. */
export const valueOf = (el: Control): string | boolean =>
  el.type === 'checkbox'
    ? (el as HTMLInputElement).checked
    : el.type === 'radio'
      ? (el.form?.elements.namedItem(el.name) as RadioNodeList).value
      : el.value;

/** Validation rules straight from the control's attributes, rendered or the page's own. */
export const ruleOf = (el: Control): Rule => ({
  type: el.type,
  required: el.required,
  maxLength: 'maxLength' in el && el.maxLength > 0 ? el.maxLength : null,
});

/** The lead's `fields`: every answer but the reserved names (consent travels apart). */
export function answersOf(form: HTMLFormElement): Record<string, string | boolean> {
  const fields: Record<string, string | boolean> = {};
  for (const el of controlsOf(form)) {
    if (RESERVED.has(el.name)) continue;
    const value = valueOf(el);
    fields[el.name] = typeof value === 'string' ? value.trim() : value;
  }
  return fields;
}

/** A control's label for the error summary: "Name *" → "Name". */
export const labelOf = (el: Control): string =>
  (el.labels?.[0]?.textContent ?? el.name).replace(/[\s*.:]+$/, '').trim();

/**
 * Marks a control of an enhanced plain form. It lives in the page's DOM, where a shadow
 * root's ids cannot be referenced, so the message goes next to it, in light DOM, as
 * `<span class="tp-error">`, tied with aria-describedby.
 */
export function markInPage(el: Control, message: string, uid: string) {
  const id = `tp-err-${el.name}-${uid}`;
  let note = el.ownerDocument.getElementById(id);
  if (!note) {
    note = Object.assign(el.ownerDocument.createElement('span'), { id, className: 'tp-error' });
    el.after(note);
    el.setAttribute(
      'aria-describedby',
      `${el.getAttribute('aria-describedby') ?? ''} ${id}`.trim(),
    );
  }
  note.textContent = message;
  note.hidden = !message;
  el.setAttribute('aria-invalid', String(!!message));
}

/** Where the lead came from, cut to the relay's limits (a longer value refuses the lead). */
export function pageInfo() {
  const utm: Record<string, string> = {};
  new URLSearchParams(location.search).forEach((v, k) => {
    if (k.startsWith('utm_') && v) utm[k.slice(4, 64)] = v.slice(0, 300);
  });
  return {
    page: {
      url: location.href.slice(0, 2000),
      referrer: document.referrer.slice(0, 2000),
      title: document.title.slice(0, 500),
    },
    ...(Object.keys(utm).length && { utm }),
  };
}
