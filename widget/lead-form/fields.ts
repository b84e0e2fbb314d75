import { html, nothing, type TemplateResult } from 'lit';
import type { FormField, Locale } from '../api/types.js';
import { label, type Texts } from '../core/i18n.js';

const AUTOCOMPLETE: Record<string, string> = { email: 'email', tel: 'tel', name: 'name' };

/** What a field's template needs besides the field. */
export type FieldState = {
  text: string;
  t: Texts;
  locale: Locale;
  /** The current error message, '' when valid. */
  error: string;
  /** A prefilled value (`Touchpoint('identify', …)`). */
  value?: string;
  /** A checkbox's value when ticked; the consent box carries the consent's version. */
  checkValue?: string;
};

/**
 * One field: label, control, message. Real named controls, so FormData, autofill and
 * password managers work; a checkbox's label is placed after its box by CSS.
 */
export function renderField(f: Omit<FormField, 'label'>, s: FieldState) {
  const { t, error, value, checkValue = 'true' } = s;
  const { name, type, required } = f;
  const id = `f-${name}`;
  const invalid = error ? 'true' : 'false';
  const maxlength = f.max_length ?? nothing;
  let control: TemplateResult;
  if (type === 'textarea')
    control = html`<textarea
      id=${id}
      name=${name}
      part="input"
      ?required=${required}
      maxlength=${maxlength}
      aria-invalid=${invalid}
      aria-describedby="e-${name}"
      .defaultValue=${value ?? ''}
    ></textarea>`;
  else if (type === 'select')
    control = html`<select
      id=${id}
      name=${name}
      part="input"
      ?required=${required}
      aria-invalid=${invalid}
      aria-describedby="e-${name}"
    >
      <option value="">${t.choose}</option>
      ${f.options?.map((o) => html`<option value=${o.value}>${label(o.label, s.locale)}</option>`)}
    </select>`;
  else
    control = html`<input
      id=${id}
      name=${name}
      part="input"
      type=${type}
      ?required=${required}
      maxlength=${maxlength}
      autocomplete=${AUTOCOMPLETE[type] ?? AUTOCOMPLETE[name] ?? nothing}
      value=${type === 'checkbox' ? checkValue : (value ?? nothing)}
      aria-invalid=${invalid}
      aria-describedby="e-${name}"
    />`;
  return html`<div
    class="field ${type === 'checkbox' ? 'check' : ''}"
    part=${name === 'consent' ? 'consent' : 'field'}
  >
    <label for=${id} part="label"
      >${s.text}${required ? html`<span class="req" aria-hidden="true"> *</span>` : nothing}</label
    >
    ${control}
    <p id="e-${name}" class="msg err" part="error">${error}</p>
  </div>`;
}
