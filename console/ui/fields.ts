import { html, nothing, type TemplateResult } from 'lit';
import type { ApiFailure } from '../api/client.js';
import { t } from '../i18n/i18n.js';

/**
 * Labelled form controls that show the API's errors for their field next to them
 * (`errors.<name>`, linked with aria-describedby and marked aria-invalid), and the
 * alert that says the rest: `errors.common` and any field error no control showed.
 */
type Base = {
  /** Unique in the view's shadow root. */
  id: string;
  /** The form field's name, also the API's key for its errors (unless `errorKey`). */
  name: string;
  label: string;
  failure?: ApiFailure | null;
  errorKey?: string;
  hint?: string;
  required?: boolean;
  disabled?: boolean;
};

/** `key` shows its own errors and those of its parts (`allowed_origins` → `allowed_origins.0`). */
const covers = (key: string, errorKey: string) =>
  errorKey === key || errorKey.startsWith(`${key}.`);

/** The messages the API gave for `key` (and its parts). */
export const errorsFor = (failure: ApiFailure | null | undefined, key: string) =>
  Object.entries(failure?.fields ?? {})
    .filter(([k]) => covers(key, k))
    .flatMap(([, messages]) => messages);

/** aria-describedby of a control: its hint and its errors. */
const described = (spec: Base, errors: string[]) =>
  [spec.hint ? `${spec.id}-hint` : '', errors.length ? `${spec.id}-error` : '']
    .filter(Boolean)
    .join(' ') || nothing;

const labelOf = (spec: Base) =>
  html`<label for=${spec.id}
    >${spec.label}${spec.required ? html`<span aria-hidden="true"> *</span>` : nothing}</label
  >`;

const notes = (spec: Base, errors: string[]) =>
  html`${
    spec.hint ? html`<span class="hint" id=${`${spec.id}-hint`}>${spec.hint}</span>` : nothing
  }${
    errors.length
      ? html`<span class="error" id=${`${spec.id}-error`}>${errors.join(' ')}</span>`
      : nothing
  }`;

export function inputField(
  spec: Base & {
    type?: string;
    value?: string | number | null;
    autocomplete?: string;
    inputmode?: string;
    placeholder?: string;
    /** The id of a <datalist> of suggestions. */
    list?: string;
    onInput?: (e: InputEvent) => void;
  },
): TemplateResult {
  const errors = errorsFor(spec.failure, spec.errorKey ?? spec.name);
  return html`<div class="field">
    ${labelOf(spec)}
    <input
      id=${spec.id}
      name=${spec.name}
      type=${spec.type ?? 'text'}
      .value=${spec.value == null ? '' : String(spec.value)}
      autocomplete=${spec.autocomplete ?? nothing}
      inputmode=${spec.inputmode ?? nothing}
      placeholder=${spec.placeholder ?? nothing}
      list=${spec.list ?? nothing}
      ?required=${spec.required}
      ?disabled=${spec.disabled}
      aria-invalid=${errors.length ? 'true' : 'false'}
      aria-describedby=${described(spec, errors)}
      @input=${spec.onInput ?? nothing}
    />
    ${notes(spec, errors)}
  </div>`;
}

export function textareaField(
  spec: Base & { value?: string; rows?: number; onInput?: (e: InputEvent) => void },
): TemplateResult {
  const errors = errorsFor(spec.failure, spec.errorKey ?? spec.name);
  return html`<div class="field">
    ${labelOf(spec)}
    <textarea
      id=${spec.id}
      name=${spec.name}
      rows=${spec.rows ?? 3}
      .value=${spec.value ?? ''}
      ?required=${spec.required}
      ?disabled=${spec.disabled}
      aria-invalid=${errors.length ? 'true' : 'false'}
      aria-describedby=${described(spec, errors)}
      @input=${spec.onInput ?? nothing}
    ></textarea>
    ${notes(spec, errors)}
  </div>`;
}

export function selectField(
  spec: Base & {
    value?: string;
    options: readonly (readonly [value: string, label: string])[];
    onChange?: (e: Event) => void;
  },
): TemplateResult {
  const errors = errorsFor(spec.failure, spec.errorKey ?? spec.name);
  return html`<div class="field">
    ${labelOf(spec)}
    <select
      id=${spec.id}
      name=${spec.name}
      ?required=${spec.required}
      ?disabled=${spec.disabled}
      aria-invalid=${errors.length ? 'true' : 'false'}
      aria-describedby=${described(spec, errors)}
      @change=${spec.onChange ?? nothing}
    >
      ${spec.options.map(
        ([value, label]) =>
          html`<option value=${value} ?selected=${value === (spec.value ?? '')}>${label}</option>`,
      )}
    </select>
    ${notes(spec, errors)}
  </div>`;
}

export function checkboxField(
  spec: Base & { checked?: boolean; value?: string; onChange?: (e: Event) => void },
): TemplateResult {
  const errors = errorsFor(spec.failure, spec.errorKey ?? spec.name);
  return html`<div class="field inline">
    <input
      type="checkbox"
      id=${spec.id}
      name=${spec.name}
      value=${spec.value ?? 'on'}
      .checked=${!!spec.checked}
      ?disabled=${spec.disabled}
      aria-invalid=${errors.length ? 'true' : 'false'}
      aria-describedby=${described(spec, errors)}
      @change=${spec.onChange ?? nothing}
    />
    <label for=${spec.id}>${spec.label}</label>
    ${notes(spec, errors)}
  </div>`;
}

/** The sentence for a failure: the API's own, or what the console knows about the status. */
export function sentence(failure: ApiFailure): string {
  if (failure.common) return failure.common;
  if (failure.status === 0) return t('error.network');
  return t('error.status', { status: failure.status });
}

/**
 * The failure as an alert: its sentence, and every field error whose key is not in `shown`
 * (the controls that display their own), so no message of the API is ever dropped.
 */
export function failureAlert(
  failure: ApiFailure | null | undefined,
  shown: readonly string[] = [],
): TemplateResult | typeof nothing {
  if (!failure) return nothing;
  const rest = Object.entries(failure.fields).filter(([k]) => !shown.some((s) => covers(s, k)));
  return html`<div class="notice error" role="alert">
    <p>${sentence(failure)}</p>
    ${
      rest.length
        ? html`<ul>
            ${rest.map(([k, messages]) => html`<li><code>${k}</code>: ${messages.join(' ')}</li>`)}
          </ul>`
        : nothing
    }
  </div>`;
}

/** After a failed submit: focus the first control the API flagged, so its message is read. */
export async function focusFirstInvalid(host: HTMLElement & { updateComplete: Promise<unknown> }) {
  await host.updateComplete;
  host.shadowRoot?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
}

/** The string values of a submitted form. */
export const formValues = (e: SubmitEvent) => {
  e.preventDefault();
  const values: Record<string, string> = {};
  for (const [k, v] of new FormData(e.target as HTMLFormElement))
    if (typeof v === 'string') values[k] = v;
  return values;
};
