import { css, html, nothing } from 'lit';
import { must, type Schemas } from '../api/client.js';
import { define } from '../app/element.js';
import { PageElement } from '../app/page.js';
import { Action, Resource } from '../app/resource.js';
import { navigate } from '../app/router.js';
import { formatDate, t, tn } from '../i18n/i18n.js';
import {
  checkboxField,
  failureAlert,
  focusFirstInvalid,
  inputField,
  selectField,
  textareaField,
} from '../ui/fields.js';
import { confirmButton } from '../ui/confirm.js';
import { shared } from '../ui/styles.js';
import { dataTable } from '../ui/table.js';
import './form-preview.js';
import type { PreviewForm } from './form-preview.js';

type Form = Schemas['Form'];
type FieldType = Schemas['FormField']['type'];
const TYPES: readonly FieldType[] = ['text', 'email', 'tel', 'textarea', 'select', 'checkbox'];
/** The relay's defaults (relay/forms/schemas.ts DEFAULT_MAX_LENGTH), shown as placeholders. */
const MAX_LENGTH: Partial<Record<FieldType, number>> = {
  text: 200,
  email: 254,
  tel: 32,
  textarea: 2000,
};

type FieldDraft = {
  name: string;
  en: string;
  ru: string;
  type: FieldType;
  required: boolean;
  maxLength: string;
  /** One option a line: `value | English label | Russian label` (labels optional). */
  options: string;
};
type Draft = {
  name: string;
  fields: FieldDraft[];
  consent: boolean;
  consentText: string;
  consentVersion: string;
  minFillMs: string;
};

const newField = (n: number): FieldDraft => ({
  name: `field_${n}`,
  en: '',
  ru: '',
  type: 'text',
  required: false,
  maxLength: '',
  options: '',
});

const emptyDraft = (): Draft => ({
  name: '',
  fields: [
    { ...newField(1), name: 'name', en: 'Name', ru: 'Имя', required: true },
    { ...newField(2), name: 'phone', en: 'Phone', ru: 'Телефон', type: 'tel', required: true },
  ],
  consent: false,
  consentText: '',
  consentVersion: '1',
  minFillMs: '1500',
});

const draftOf = (form: Form): Draft => ({
  name: form.name,
  fields: form.fields.map((f) => ({
    name: f.name,
    en: f.label.en,
    ru: f.label.ru ?? '',
    type: f.type,
    required: f.required,
    maxLength:
      f.max_length == null || f.max_length === MAX_LENGTH[f.type] ? '' : String(f.max_length),
    options: (f.options ?? [])
      .map((o) => [
        o.value,
        o.label.en === o.value && !o.label.ru ? '' : o.label.en,
        o.label.ru ?? '',
      ])
      .map((parts) => parts.join(' | ').replace(/( \| )+$/, ''))
      .join('\n'),
  })),
  consent: !!form.consent,
  consentText: form.consent?.text ?? '',
  consentVersion: form.consent?.version ?? '1',
  minFillMs: String(form.min_fill_ms),
});

const label = (en: string, ru: string) => ({
  en: en.trim(),
  ...(ru.trim() ? { ru: ru.trim() } : {}),
});

const optionsOf = (text: string) =>
  text
    .split('\n')
    .map((line) => line.split('|').map((s) => s.trim()))
    .filter(([value]) => value)
    .map(([value, en = '', ru = '']) => ({ value, label: label(en || value, ru) }));

/** The body the API takes (FormInput), from the draft as typed; the API judges it. */
function bodyOf(d: Draft) {
  const minFill = d.minFillMs.trim();
  return {
    name: d.name.trim(),
    fields: d.fields.map((f) => ({
      name: f.name.trim(),
      label: label(f.en, f.ru),
      type: f.type,
      required: f.required,
      max_length: f.type in MAX_LENGTH && f.maxLength.trim() ? Number(f.maxLength) : null,
      options: f.type === 'select' ? optionsOf(f.options) : null,
    })),
    consent: d.consent ? { text: d.consentText.trim(), version: d.consentVersion.trim() } : null,
    ...(minFill ? { min_fill_ms: Number(minFill) } : {}),
  };
}

/** The draft as the widget would receive it, whatever is still invalid in it. */
function previewOf(d: Draft): PreviewForm {
  return {
    fields: d.fields.map((f) => ({
      name: f.name.trim() || 'field',
      label: label(f.en || f.name, f.ru),
      type: f.type,
      required: f.required,
      max_length: f.type in MAX_LENGTH ? Number(f.maxLength) || MAX_LENGTH[f.type]! : null,
      ...(f.type === 'select' ? { options: optionsOf(f.options) } : {}),
    })),
    consent:
      d.consent && d.consentText.trim()
        ? { text: d.consentText, version: d.consentVersion || '1' }
        : null,
    min_fill_ms: 0,
  };
}

/**
 * Forms: the list, and an editor (fields with labels in English and Russian, types,
 * required, lengths, select options, consent, the spam threshold) beside a live preview
 * rendered by the real widget. Saving is POST or PATCH /api/store/forms/; each error the API
 * gives is shown next to the control it names (`fields.2.label.en`…).
 */
export class TpcFormsPage extends PageElement {
  static override styles = [
    shared,
    css`
      .editor {
        display: grid;
        gap: 1.5rem;
        grid-template-columns: minmax(0, 3fr) minmax(0, 2fr);
        align-items: start;
      }
      .preview {
        position: sticky;
        top: 1rem;
      }
      .field-grid {
        display: grid;
        gap: 0 1rem;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 11rem), 1fr));
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      @media (max-width: 64rem) {
        .editor {
          display: block;
        }
        .preview {
          position: static;
          margin-top: 1.5rem;
        }
      }
    `,
  ];
  static override properties = { draft: { state: true }, confirming: { state: true } };

  private draft: Draft = emptyDraft();
  private draftFor = '';
  private confirming = false;
  private previewed?: { draft: Draft; form: PreviewForm };
  private readonly list = new Resource(
    this,
    async () =>
      this.formRef
        ? undefined
        : must(
            this.ctx.api.GET('/api/store/forms/', {
              params: { query: { shop_id: this.shopId, limit: 100 } },
            }),
          ),
    () => [this.shopId, this.formRef],
  );
  private readonly form = new Resource(
    this,
    async () => {
      const id = Number(this.formRef);
      if (!id) return undefined;
      const form = await must(
        this.ctx.api.GET('/api/store/forms/{id}/', {
          params: { path: { id }, query: { shop_id: this.shopId } },
        }),
      );
      this.draft = draftOf(form);
      return form;
    },
    () => [this.shopId, this.formRef],
  );
  private readonly save = new Action(this);

  /** `new`, a form id, or '' for the list. */
  private get formRef() {
    return this.ctx.rest[0] ?? '';
  }

  override willUpdate() {
    const key = `${this.shopId}/${this.formRef}`;
    if (key === this.draftFor) return;
    this.draftFor = key;
    this.confirming = false;
    this.save.failure = null;
    if (this.formRef === 'new') this.draft = emptyDraft();
  }

  /** The preview's form, rebuilt only when the draft changed (it reloads the widget). */
  private preview() {
    if (this.previewed?.draft !== this.draft)
      this.previewed = { draft: this.draft, form: previewOf(this.draft) };
    return this.previewed.form;
  }

  private edit(change: Partial<Draft>) {
    this.draft = { ...this.draft, ...change };
  }

  private editField(i: number, change: Partial<FieldDraft>) {
    const fields = this.draft.fields.slice();
    fields[i] = { ...fields[i], ...change };
    this.edit({ fields });
  }

  private async move(i: number, by: number) {
    const fields = this.draft.fields.slice();
    const [f] = fields.splice(i, 1);
    fields.splice(i + by, 0, f);
    this.edit({ fields });
    await this.updateComplete;
    // Keep the keyboard on the moved field's button, now at its new place.
    const id = `f${i + by}-${by < 0 ? 'up' : 'down'}`;
    const target =
      this.renderRoot.querySelector<HTMLButtonElement>(`#${id}:not([disabled])`) ??
      this.renderRoot.querySelector<HTMLElement>(`#f${i + by}-name`);
    target?.focus();
    this.announce(t('forms.moved', { n: i + by + 1 }));
  }

  private async removeField(i: number) {
    this.edit({ fields: this.draft.fields.filter((_, j) => j !== i) });
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('#add-field')?.focus();
    this.announce(t('forms.removed', { n: i + 1 }));
  }

  private async add() {
    this.edit({ fields: [...this.draft.fields, newField(this.draft.fields.length + 1)] });
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(`#f${this.draft.fields.length - 1}-name`)?.focus();
  }

  private onSave = async (e: SubmitEvent) => {
    e.preventDefault();
    const id = Number(this.formRef);
    const body = { shop_id: this.shopId, ...bodyOf(this.draft) };
    const saved = await this.save.run(() =>
      id
        ? must(
            this.ctx.api.PATCH('/api/store/forms/{id}/', {
              params: { path: { id }, query: { shop_id: this.shopId } },
              // `consent: null` removes the box (relay/forms/schemas.ts FormPatch).
              body,
            }),
          )
        : must(this.ctx.api.POST('/api/store/forms/', { body })),
    );
    if (!saved) return void focusFirstInvalid(this);
    this.form.value = saved;
    this.draft = draftOf(saved);
    this.announce(t('forms.saved', { name: saved.name }));
    if (!id) {
      this.draftFor = `${this.shopId}/${saved.id}`;
      navigate(this.ctx.link('forms', [saved.id]), { replace: true });
    }
  };

  private onDelete = async () => {
    const id = Number(this.formRef);
    const done = await this.save.run(() =>
      must(
        this.ctx.api.DELETE('/api/store/forms/{id}/', {
          params: { path: { id }, query: { shop_id: this.shopId } },
        }),
      ),
    );
    if (!done) return;
    this.announce(t('forms.deleted', { name: this.draft.name }));
    navigate(this.ctx.link('forms'));
  };

  private renderList() {
    const data = this.list.value;
    const { link } = this.ctx;
    return html`<div class="spread">
        <h1 tabindex="-1">${t('forms.title')}</h1>
        <a class="button primary" href=${link('forms', ['new'])}>${t('forms.new')}</a>
      </div>
      <p>${t('forms.intro')}</p>
      ${failureAlert(this.list.failure)}
      ${
        data?.results.length
          ? dataTable({
              id: 'forms',
              caption: t('forms.title'),
              columns: [
                t('forms.colName'),
                t('forms.colFields'),
                t('forms.colConsent'),
                t('forms.colUpdated'),
              ],
              rows: data.results.map(
                (f) =>
                  html`<tr>
                    <td><a href=${link('forms', [f.id])}>${f.name}</a></td>
                    <td>${tn('forms.fieldCount', f.fields.length)}</td>
                    <td>${f.consent ? t('common.yes') : t('common.no')}</td>
                    <td>${formatDate(f.updated_at, 'short')}</td>
                  </tr>`,
              ),
            })
          : data
            ? html`<p class="card">${t('forms.empty')}</p>`
            : html`<p class="muted">${t('common.loading')}</p>`
      }`;
  }

  private renderField(f: FieldDraft, i: number, count: number) {
    const failure = this.save.failure;
    const key = `fields.${i}`;
    const p = `f${i}`;
    return html`<fieldset>
      <legend>${t('forms.fieldN', { n: i + 1, name: f.name })}</legend>
      <div class="field-grid">
        ${inputField({
          id: `${p}-name`,
          name: 'name',
          errorKey: `${key}.name`,
          label: t('forms.fieldName'),
          hint: t('forms.fieldNameHint'),
          value: f.name,
          required: true,
          failure,
          onInput: (e) => this.editField(i, { name: (e.target as HTMLInputElement).value }),
        })}
        ${selectField({
          id: `${p}-type`,
          name: 'type',
          errorKey: `${key}.type`,
          label: t('forms.fieldType'),
          value: f.type,
          options: TYPES.map((type) => [type, t(`fieldType.${type}`)] as const),
          failure,
          onChange: (e) =>
            this.editField(i, { type: (e.target as HTMLSelectElement).value as FieldType }),
        })}
        ${inputField({
          id: `${p}-en`,
          name: 'label_en',
          errorKey: `${key}.label.en`,
          label: t('forms.labelEn'),
          value: f.en,
          required: true,
          failure,
          onInput: (e) => this.editField(i, { en: (e.target as HTMLInputElement).value }),
        })}
        ${inputField({
          id: `${p}-ru`,
          name: 'label_ru',
          errorKey: `${key}.label.ru`,
          label: t('forms.labelRu'),
          value: f.ru,
          failure,
          onInput: (e) => this.editField(i, { ru: (e.target as HTMLInputElement).value }),
        })}
        ${
          f.type in MAX_LENGTH
            ? inputField({
                id: `${p}-max`,
                name: 'max_length',
                errorKey: `${key}.max_length`,
                type: 'number',
                inputmode: 'numeric',
                label: t('forms.maxLength'),
                placeholder: String(MAX_LENGTH[f.type]),
                value: f.maxLength,
                failure,
                onInput: (e) =>
                  this.editField(i, { maxLength: (e.target as HTMLInputElement).value }),
              })
            : nothing
        }
      </div>
      ${
        f.type === 'select'
          ? textareaField({
              id: `${p}-options`,
              name: 'options',
              errorKey: `${key}.options`,
              label: t('forms.options'),
              hint: t('forms.optionsHint'),
              value: f.options,
              rows: 3,
              failure,
              onInput: (e) =>
                this.editField(i, { options: (e.target as HTMLTextAreaElement).value }),
            })
          : nothing
      }
      ${checkboxField({
        id: `${p}-required`,
        name: 'required',
        errorKey: `${key}.required`,
        label: f.type === 'checkbox' ? t('forms.mustTick') : t('forms.required'),
        checked: f.required,
        failure,
        onChange: (e) => this.editField(i, { required: (e.target as HTMLInputElement).checked }),
      })}
      <div class="actions">
        <button
          type="button"
          id=${`${p}-up`}
          ?disabled=${i === 0}
          @click=${() => this.move(i, -1)}
          aria-label=${t('forms.moveUp', { n: i + 1 })}
        >
          ↑ ${t('forms.up')}
        </button>
        <button
          type="button"
          id=${`${p}-down`}
          ?disabled=${i === count - 1}
          @click=${() => this.move(i, 1)}
          aria-label=${t('forms.moveDown', { n: i + 1 })}
        >
          ↓ ${t('forms.down')}
        </button>
        <button
          type="button"
          class="danger"
          ?disabled=${count === 1}
          @click=${() => this.removeField(i)}
          aria-label=${t('forms.removeN', { n: i + 1 })}
        >
          ${t('forms.remove')}
        </button>
      </div>
    </fieldset>`;
  }

  private renderEditor() {
    const isNew = this.formRef === 'new';
    // One outer template whatever the state, so the focused heading is never replaced.
    return html`<p><a href=${this.ctx.link('forms')}>${t('forms.back')}</a></p>
      <h1 tabindex="-1">${isNew ? t('forms.newTitle') : t('forms.editTitle')}</h1>
      ${
        isNew || this.form.value
          ? this.renderDraft()
          : this.form.failure
            ? failureAlert(this.form.failure)
            : html`<p class="muted">${t('common.loading')}</p>`
      }`;
  }

  private renderDraft() {
    const d = this.draft;
    const failure = this.save.failure;
    const isNew = this.formRef === 'new';
    const shown = [
      'name',
      'min_fill_ms',
      'consent',
      ...d.fields.flatMap((_, i) =>
        ['name', 'type', 'label', 'max_length', 'options', 'required'].map(
          (k) => `fields.${i}.${k}`,
        ),
      ),
    ];
    return html`<div class="editor">
      <form @submit=${this.onSave} novalidate aria-labelledby="editor-h">
        <h2 id="editor-h" class="visually-hidden">${t('forms.editor')}</h2>
        ${failureAlert(failure, shown)}
        <div class="card">
          ${inputField({
            id: 'form-name',
            name: 'name',
            label: t('forms.name'),
            hint: t('forms.nameHint'),
            value: d.name,
            required: true,
            failure,
            onInput: (e) => this.edit({ name: (e.target as HTMLInputElement).value }),
          })}
        </div>
        <h2>${t('forms.fields')}</h2>
        ${d.fields.map((f, i) => this.renderField(f, i, d.fields.length))}
        <button type="button" id="add-field" @click=${() => this.add()}>
          ${t('forms.addField')}
        </button>
        <h2>${t('forms.more')}</h2>
        <div class="card">
          ${checkboxField({
            id: 'consent',
            name: 'consent',
            label: t('forms.consent'),
            checked: d.consent,
            onChange: (e) => this.edit({ consent: (e.target as HTMLInputElement).checked }),
          })}
          ${
            d.consent
              ? html`${textareaField({
                  id: 'consent-text',
                  name: 'consent_text',
                  errorKey: 'consent.text',
                  label: t('forms.consentText'),
                  value: d.consentText,
                  required: true,
                  failure,
                  onInput: (e) =>
                    this.edit({ consentText: (e.target as HTMLTextAreaElement).value }),
                })}
                ${inputField({
                  id: 'consent-version',
                  name: 'consent_version',
                  errorKey: 'consent.version',
                  label: t('forms.consentVersion'),
                  hint: t('forms.consentVersionHint'),
                  value: d.consentVersion,
                  required: true,
                  failure,
                  onInput: (e) =>
                    this.edit({ consentVersion: (e.target as HTMLInputElement).value }),
                })}`
              : nothing
          }
          ${inputField({
            id: 'min-fill',
            name: 'min_fill_ms',
            type: 'number',
            inputmode: 'numeric',
            label: t('forms.minFill'),
            hint: t('forms.minFillHint'),
            value: d.minFillMs,
            failure,
            onInput: (e) => this.edit({ minFillMs: (e.target as HTMLInputElement).value }),
          })}
        </div>
        <div class="row stack-gap">
          <button class="primary" type="submit" aria-disabled=${this.save.busy ? 'true' : 'false'}>
            ${this.save.busy ? t('forms.saving') : t('forms.save')}
          </button>
          ${
            isNew
              ? nothing
              : confirmButton({
                  open: this.confirming,
                  label: t('forms.delete'),
                  ask: () => (this.confirming = true),
                  yes: this.onDelete,
                  cancel: () => (this.confirming = false),
                })
          }
        </div>
      </form>
      <section class="preview card" aria-label=${t('preview.title')}>
        <tpc-form-preview .form=${this.preview()}></tpc-form-preview>
      </section>
    </div>`;
  }

  override render() {
    return this.formRef ? this.renderEditor() : this.renderList();
  }
}

define('tpc-forms-page', TpcFormsPage);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-forms-page': TpcFormsPage;
  }
}
