import { html, nothing, type TemplateResult } from 'lit';
import type { ApiFailure } from '../api/http.js';
import { LeadController } from '../api/lead.js';
import type { LeadRequest, PublicForm } from '../api/types.js';
import { emit } from '../core/events.js';
import { TpElement } from '../core/element.js';
import { fill, label, localeOf, type Texts } from '../core/i18n.js';
import { settings, visitorId } from '../core/settings.js';
import { base } from '../core/styles.js';
import { check } from '../core/validate.js';
import {
  answersOf,
  controlsOf,
  labelOf,
  markInPage,
  pageInfo,
  ruleOf,
  valueOf,
  type Control,
} from './controls.js';
import { renderField, type FieldState } from './fields.js';
import { formStyles } from './styles.js';

/**
 * A lead form. Renders the form named `form` from the shop's config, or enhances a plain
 * `<form>` placed inside it, which without JavaScript posts to `/public/v1/forms/:key` by
 * itself. Validates as the visitor types (required, email, phone, length), shows errors
 * with `aria-invalid`/`aria-describedby` and announces them in a live region; carries a
 * consent box, a honeypot, the fill time and a `submission_id` kept across retries. A
 * person quicker than the form's `min_fill_ms` sees "Sending…" while the rest of that time
 * passes, so the relay does not file the lead as spam. When the config or the form is
 * missing, visitors read "This form is unavailable." and the console says why.
 *
 * @summary A lead form that validates, retries and never sends a lead twice.
 *
 * @slot - Optional plain `<form>` to enhance instead of rendering one from the config.
 *
 * @event {CustomEvent<SubmitDetail>} tp-submit - A valid form is being sent; cancelable.
 * @event {CustomEvent<SuccessDetail>} tp-success - The relay accepted the lead.
 * @event {CustomEvent<ErrorDetail>} tp-error - The config or the lead failed for good.
 *
 * @csspart base - The card around everything.
 * @csspart form - The rendered `<form>`.
 * @csspart field - A field's wrapper (label, control, message).
 * @csspart label - A field's label.
 * @csspart input - Each input, select and textarea.
 * @csspart error - A field's error message.
 * @csspart consent - The consent checkbox row.
 * @csspart submit - The submit button.
 * @csspart status - The live region: error summary, retries, success.
 *
 * @cssproperty --tp-accent - Buttons and focus ring (light); `--tp-accent-dark` for dark.
 * @cssproperty --tp-accent-fg - Text on the accent colour.
 * @cssproperty --tp-bg - Card background; `--tp-bg-dark` for dark.
 * @cssproperty --tp-fg - Text colour; `--tp-fg-dark` for dark.
 * @cssproperty --tp-muted - Secondary text.
 * @cssproperty --tp-border - Field borders.
 * @cssproperty --tp-field-bg - Field background.
 * @cssproperty --tp-error - Error text and invalid borders.
 * @cssproperty --tp-success - Success text.
 * @cssproperty --tp-radius - Corner radius.
 * @cssproperty --tp-gap - Space between fields.
 * @cssproperty --tp-padding - Card padding.
 * @cssproperty --tp-font - Font family.
 * @cssproperty --tp-font-size - Base font size.
 */
export class TpLeadForm extends TpElement {
  static override styles = [base, formStyles];

  static override properties = {
    form: { type: String },
    errors: { state: true },
    summary: { state: true },
  };

  /** The form's name in the shop's config, e.g. `callback`. */
  form = '';

  /** Current error per field name (`consent` included). */
  private errors: Record<string, string> = {};
  /** The error summary shown after a submit with invalid fields. */
  private summary = '';

  private readonly lead = new LeadController(this);
  private plain: HTMLFormElement | null = null;
  private edited = new Set<string>();
  private submitted = false;
  private shownAt = 0;
  private missingReported = false;
  /** Suffix of the ids of messages placed next to an enhanced form's controls. */
  private plainId = Math.random().toString(36).slice(2, 8);

  override connectedCallback() {
    super.connectedCallback();
    this.plain = this.querySelector('form');
    if (this.plain) {
      this.plain.noValidate = true; // our messages replace the browser's bubbles
      this.shownAt ||= performance.now();
    }
    this.addEventListener('submit', this.onPlainSubmit);
    this.addEventListener('input', this.onInput);
    this.addEventListener('focusout', this.onFocusOut);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.removeEventListener('submit', this.onPlainSubmit);
    this.removeEventListener('input', this.onInput);
    this.removeEventListener('focusout', this.onFocusOut);
  }

  override updated() {
    super.updated();
    if (!this.shownAt && this.definition()) this.shownAt = performance.now();
    if (
      this.config.phase === 'ready' &&
      !this.plain &&
      !this.definition() &&
      !this.missingReported
    ) {
      this.missingReported = true;
      const names = this.config.value!.forms.map((f) => f.name).join(', ');
      const message = `This shop has no form "${this.form}" (its forms: ${names || 'none'}).`;
      this.fail('config', { status: 404, message, fields: {} });
    }
  }

  private onInput = (e: Event) => {
    const el = e.composedPath()[0] as Control;
    if (!el.name || el.name === 'hp') return;
    this.edited.add(el.name);
    // Reward early: an error disappears as soon as the value is fixed.
    if (this.errors[el.name] || this.submitted) this.validate(el);
  };

  private onFocusOut = (e: Event) => {
    const el = e.composedPath()[0] as Control;
    if (el.name && this.edited.has(el.name)) this.validate(el);
  };

  private onPlainSubmit = (e: Event) => {
    if (!this.plain || e.target !== this.plain) return;
    e.preventDefault();
    void this.submit(this.plain);
  };

  private onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    void this.submit(e.target as HTMLFormElement);
  };

  /** Sends the form as the visitor would by pressing its submit button. */
  requestSubmit() {
    const form = this.plain ?? this.renderRoot.querySelector('form');
    form?.requestSubmit();
  }

  private definition(name = this.form): PublicForm | undefined {
    return this.config.value?.forms.find((f) => f.name === name);
  }

  /** Checks one control, records its message and reflects it in ARIA. Returns the message. */
  private validate(el: Control): string {
    const t = this.texts();
    let message = check(ruleOf(el), valueOf(el), t);
    if (message && el.name === 'consent') message = t.consent;
    this.setError(el, message);
    return message;
  }

  private setError(el: Control, message: string) {
    if ((this.errors[el.name] ?? '') !== message)
      this.errors = { ...this.errors, [el.name]: message };
    if (this.plain?.contains(el)) markInPage(el, message, this.plainId);
    if (this.summary && !Object.values(this.errors).some(Boolean)) this.summary = '';
  }

  private async submit(formEl: HTMLFormElement) {
    if (this.lead.phase === 'sending' || this.lead.phase === 'retrying') return;
    this.submitted = true;
    const t = this.texts();
    const invalid = controlsOf(formEl).filter((el) => this.validate(el));
    if (invalid.length) {
      const names = invalid.map(labelOf);
      this.summary = fill(t.summary, { list: names.join(', ') });
      invalid[0].focus();
      return;
    }
    const fields = answersOf(formEl);
    const consentBox = formEl.elements.namedItem('consent') as HTMLInputElement | null;
    const consent = consentBox?.checked ? { version: consentBox.value } : undefined;
    const form = this.form || String(new FormData(formEl).get('form') ?? '');
    const submission_id = this.lead.idFor([form, fields, consent]);
    if (!emit(this, 'tp-submit', { form, submission_id, fields }, true)) return;
    const hp = formEl.elements.namedItem('hp') as HTMLInputElement | null;
    // The relay files a lead sent sooner than the form's min_fill_ms as spam: a quick person
    // waits out the rest behind "Sending…" and the lead leaves once that much time has passed.
    const elapsed = performance.now() - this.shownAt;
    const minimum = this.definition(form)?.min_fill_ms ?? 0;
    const lead: LeadRequest = {
      key: this.source().key,
      form,
      fields,
      ...(consent && { consent }),
      ...pageInfo(),
      visitor_id: visitorId(),
      hp: hp?.value ?? '',
      elapsed_ms: Math.round(Math.max(elapsed, minimum)),
      submission_id,
    };
    try {
      const url = `${this.source().relay}/public/v1/leads`;
      const accepted = await this.lead.send(url, lead, minimum - elapsed);
      if (this.plain) this.plain.hidden = true;
      emit(this, 'tp-success', { form, submission_id, ...accepted });
    } catch {
      const failure = this.lead.failure;
      if (!failure) return; // superseded or disconnected
      this.showServerErrors(formEl, failure);
      this.fail('lead', failure);
    }
  }

  /** The relay keys a lead's field errors `fields.<name>`; other keys name top-level inputs. */
  private showServerErrors(formEl: HTMLFormElement, failure: ApiFailure) {
    const names: string[] = [];
    for (const [key, messages] of Object.entries(failure.fields)) {
      const name = key.replace(/^fields\./, '');
      const el = formEl.elements.namedItem(name) as Control | null;
      if (!el || !('name' in el)) continue;
      this.setError(el, messages[0]);
      names.push(labelOf(el));
    }
    if (names.length) this.summary = fill(this.texts().summary, { list: names.join(', ') });
  }

  private statusLine(t: Texts): [string, string] {
    const { phase } = this.lead;
    if (this.summary) return [this.summary, 'err'];
    if (phase === 'sending') return [t.sending, ''];
    if (phase === 'retrying') return [t.retrying, ''];
    if (phase === 'success') return [t.success, 'ok'];
    // The relay's sentence is for the developer (console, tp-error); a field it refused
    // already shows in the summary above.
    if (phase === 'error') return [t.failed, 'err'];
    return ['', ''];
  }

  override render() {
    const t = this.texts();
    const [status, tone] = this.statusLine(t);
    const def = this.definition();
    let body: TemplateResult | typeof nothing = nothing;
    if (this.plain) body = html`<slot></slot>`;
    else if (this.lead.phase === 'success') body = nothing;
    else if (def) body = this.renderForm(def, t);
    else if (this.config.phase === 'loading' || this.config.phase === 'idle')
      body = html`<p class="note">${t.loading}</p>`;
    else body = html`<p class="note">${t.unavailable}</p>`;
    return html`<div class="card" part="base">
      ${body}
      <p part="status" class="status ${tone} ${status ? '' : 'empty'}" role="status">${status}</p>
    </div>`;
  }

  private fieldState(text: string, name: string, t: Texts): FieldState {
    const value = settings().visitor[name];
    return { text, t, locale: localeOf(this), error: this.errors[name] ?? '', value };
  }

  private renderForm(def: PublicForm, t: Texts) {
    const locale = localeOf(this);
    const busy = this.lead.phase === 'sending' || this.lead.phase === 'retrying';
    const consent = def.consent && {
      field: { name: 'consent', type: 'checkbox', required: true, max_length: null } as const,
      text: def.consent.text,
      version: def.consent.version,
    };
    return html`<form part="form" novalidate @submit=${this.onSubmit}>
      ${def.fields.map((f) => renderField(f, this.fieldState(label(f.label, locale), f.name, t)))}
      ${
        consent
          ? renderField(consent.field, {
              ...this.fieldState(consent.text, 'consent', t),
              checkValue: consent.version,
            })
          : nothing
      }
      <div class="hp" aria-hidden="true">
        <label for="f-hp">Leave empty</label>
        <input id="f-hp" name="hp" type="text" tabindex="-1" autocomplete="off" />
      </div>
      <button type="submit" class="btn" part="submit" aria-busy=${busy ? 'true' : 'false'}>
        ${busy ? t.sending : t.submit}
      </button>
    </form>`;
  }
}

customElements.get('tp-lead-form') || customElements.define('tp-lead-form', TpLeadForm);

declare global {
  interface HTMLElementTagNameMap {
    'tp-lead-form': TpLeadForm;
  }
}
