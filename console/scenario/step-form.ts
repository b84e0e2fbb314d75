import { css, html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { ConsoleElement, define } from '../app/element.js';
import { currentLocale, t, tn, type TextKey } from '../i18n/i18n.js';
import { errorsFor, failureAlert, inputField, selectField } from '../ui/fields.js';
import { shared } from '../ui/styles.js';
import type { EditorCtl } from './ctl.js';
import {
  flowOrder,
  hasNext,
  incoming,
  newKey,
  retype,
  STEP_TYPES,
  stepOf,
  type EditorButton,
  type EditorStep,
  type StepType,
  type Validate,
} from './doc.js';
import './template-text.js';

const VALIDATES: readonly Validate[] = ['text', 'number', 'phone', 'email'];
const UNITS = [
  ['86400', 'scn.days'],
  ['3600', 'scn.hours'],
  ['60', 'scn.minutes'],
  ['1', 'scn.seconds'],
] as const;

/** A pause in the reader's language: "1 hour", "90 minutes". */
export function formatDelay(seconds: number): string {
  const [unit, by] =
    seconds && seconds % 86400 === 0
      ? (['day', 86400] as const)
      : seconds && seconds % 3600 === 0
        ? (['hour', 3600] as const)
        : seconds && seconds % 60 === 0
          ? (['minute', 60] as const)
          : (['second', 1] as const);
  return new Intl.NumberFormat(currentLocale(), {
    style: 'unit',
    unit,
    unitDisplay: 'long',
  }).format(seconds / by);
}

/** How a step is called in lists: its name, else its type and the start of its text. */
export function stepLabel(step: EditorStep): string {
  if (step.name.trim()) return step.name.trim();
  const text = step.text.trim().split('\n')[0];
  const type = t(`stepType.${step.type}` as TextKey);
  return text ? `${type}: ${text.length > 40 ? `${text.slice(0, 39)}…` : text}` : type;
}

/** The fields every step form shows errors for itself; the rest goes into its alert. */
const SHOWN = [
  'type',
  'name',
  'payload',
  'variable',
  'validate',
  'error_text',
  'form',
  'delay_seconds',
  'condition',
  'action',
  'next_step_id',
];
/** What a button's controls show (`next_step_id` and `url` share the "either … or" sentence). */
const BUTTON_SHOWN = ['title', 'next_step_id', 'url'];

/**
 * The editing panel of one step: every field the API takes for its type, the step's
 * buttons with their targets or URLs, where it leads on, whether the flow starts here —
 * with the relay's refusals shown at the fields they concern. Every change is an edit of
 * the editor's doc (saved automatically, undoable). Used beside the canvas and, inline, in
 * the outline.
 */
export class TpcStepForm extends ConsoleElement {
  static override styles = [
    shared,
    css`
      .buttons {
        list-style: none;
        margin: 0 0 1rem;
        padding: 0;
      }
      .buttons fieldset {
        margin-bottom: 0.5rem;
      }
      .buttons legend {
        font-size: 0.9rem;
      }
      .pair {
        display: grid;
        grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
        gap: 0 0.5rem;
      }
      .confirm {
        margin-top: 1rem;
      }
      .confirm ul {
        margin: 0.25rem 0 0.75rem;
      }
    `,
  ];
  static override properties = { ctl: { attribute: false }, key: { attribute: false } };

  ctl!: EditorCtl;
  key = '';

  private get step() {
    return stepOf(this.ctl.doc, this.key);
  }

  private change(label: string, fn: (s: EditorStep) => EditorStep, merge?: string) {
    this.ctl.update(this.key, label, fn, merge && `${this.key}:${merge}`);
  }

  /** The steps, numbered as the outline numbers them, for "leads to" pickers. */
  private targets(current: string | null) {
    const steps = flowOrder(this.ctl.doc).map(
      (s, i) => [s.key, `${i + 1}. ${stepLabel(s)}`] as const,
    );
    return [
      ['', t('scn.nowhere')] as const,
      ...steps,
      ...(current && !steps.some(([k]) => k === current) ? [[current, '?'] as const] : []),
    ];
  }

  private fid(field: string) {
    return `${this.key}-${field}`;
  }

  private renderButton(step: EditorStep, b: EditorButton, i: number) {
    const failure = this.ctl.problems.get(step.key);
    const at = `buttons.${i}`;
    const kind = b.url !== null ? 'url' : 'step';
    const set = (fn: (b: EditorButton) => EditorButton, merge?: string) =>
      this.change(
        t('scn.editButton'),
        (s) => ({ ...s, buttons: s.buttons.map((x) => (x.key === b.key ? fn(x) : x)) }),
        merge && `${b.key}:${merge}`,
      );
    const move = (by: number) =>
      this.change(t('scn.moveButton'), (s) => {
        const buttons = [...s.buttons];
        const [it] = buttons.splice(i, 1);
        buttons.splice(i + by, 0, it);
        return { ...s, buttons };
      });
    return html`<li>
      <fieldset>
        <legend>${t('scn.buttonN', { n: i + 1 })}</legend>
        ${inputField({
          id: this.fid(`b${i}-title`),
          name: 'title',
          label: t('scn.buttonTitle'),
          value: b.title,
          failure,
          errorKey: `${at}.title`,
          required: true,
          onInput: (e) =>
            set((x) => ({ ...x, title: (e.target as HTMLInputElement).value }), 'title'),
        })}
        ${selectField({
          id: this.fid(`b${i}-kind`),
          name: 'kind',
          label: t('scn.buttonDoes'),
          value: kind,
          options: [
            ['step', t('scn.buttonStep')],
            ['url', t('scn.buttonUrl')],
          ],
          onChange: (e) =>
            set((x) =>
              (e.target as HTMLSelectElement).value === 'url'
                ? { ...x, next: null, url: x.url ?? 'https://' }
                : { ...x, url: null },
            ),
        })}
        ${
          kind === 'url'
            ? inputField({
                id: this.fid(`b${i}-url`),
                name: 'url',
                type: 'url',
                label: t('scn.buttonUrlField'),
                value: b.url,
                failure,
                errorKey: `${at}.url`,
                onInput: (e) =>
                  set((x) => ({ ...x, url: (e.target as HTMLInputElement).value }), 'url'),
              })
            : selectField({
                id: this.fid(`b${i}-to`),
                name: 'next_step',
                label: t('scn.buttonLeadsTo'),
                value: b.next ?? '',
                options: this.targets(b.next),
                failure,
                errorKey: `${at}.next_step_id`,
                onChange: (e) =>
                  set((x) => ({
                    ...x,
                    next: (e.target as HTMLSelectElement).value || null,
                    url: null,
                  })),
              })
        }
        <div class="row">
          <button type="button" ?disabled=${i === 0} @click=${() => move(-1)}>
            ${t('scn.up')}<span class="visually-hidden"> ${b.title}</span>
          </button>
          <button type="button" ?disabled=${i === step.buttons.length - 1} @click=${() => move(1)}>
            ${t('scn.down')}<span class="visually-hidden"> ${b.title}</span>
          </button>
          <button
            type="button"
            class="danger"
            @click=${() =>
              this.change(t('scn.removeButton'), (s) => ({
                ...s,
                buttons: s.buttons.filter((x) => x.key !== b.key),
              }))}
          >
            ${t('scn.removeButton')}<span class="visually-hidden"> ${b.title}</span>
          </button>
        </div>
      </fieldset>
    </li>`;
  }

  private renderTyped(step: EditorStep) {
    const failure = this.ctl.problems.get(step.key);
    const text = (e: Event) => (e.target as HTMLInputElement).value;
    switch (step.type) {
      case 'question':
        return html`${inputField({
          id: this.fid('variable'),
          name: 'variable',
          label: t('scn.variable'),
          hint: t('scn.variableHint'),
          value: step.variable,
          list: this.fid('vars'),
          failure,
          required: true,
          onInput: (e) =>
            this.change(
              t('scn.editStep'),
              (s) => ({ ...s, variable: text(e) || null }),
              'variable',
            ),
        })}
        ${selectField({
          id: this.fid('validate'),
          name: 'validate',
          label: t('scn.validate'),
          value: step.validate ?? 'text',
          options: VALIDATES.map((v) => [v, t(`validate.${v}` as TextKey)] as const),
          failure,
          onChange: (e) =>
            this.change(t('scn.editStep'), (s) => ({ ...s, validate: text(e) as Validate })),
        })}
        ${inputField({
          id: this.fid('error'),
          name: 'error_text',
          label: t('scn.errorText'),
          hint: t('scn.errorTextHint'),
          value: step.error_text,
          failure,
          onInput: (e) =>
            this.change(t('scn.editStep'), (s) => ({ ...s, error_text: text(e) || null }), 'error'),
        })}`;
      case 'lead':
        return selectField({
          id: this.fid('form'),
          name: 'form',
          label: t('scn.form'),
          hint: t('scn.formHint'),
          value: step.form === null ? '' : String(step.form),
          options: [
            ['', t('scn.chooseForm')],
            ...this.ctl.forms.map((f) => [String(f.id), f.name] as const),
          ],
          failure,
          required: true,
          onChange: (e) =>
            this.change(t('scn.editStep'), (s) => ({
              ...s,
              form: text(e) ? Number(text(e)) : null,
            })),
        });
      case 'delay': {
        const seconds = step.delay_seconds ?? 0;
        const unit = UNITS.find(([u]) => seconds % Number(u) === 0)?.[0] ?? '1';
        const amount = seconds / Number(unit);
        return html`<div class="pair">
          ${inputField({
            id: this.fid('delay'),
            name: 'delay',
            type: 'number',
            inputmode: 'numeric',
            label: t('scn.delay'),
            value: amount || '',
            failure,
            errorKey: 'delay_seconds',
            required: true,
            onInput: (e) =>
              this.change(
                t('scn.editStep'),
                (s) => ({
                  ...s,
                  delay_seconds: Math.round(Number(text(e)) * Number(unit)) || null,
                }),
                'delay',
              ),
          })}
          ${selectField({
            id: this.fid('unit'),
            name: 'unit',
            label: t('scn.unit'),
            value: unit,
            options: UNITS.map(([u, key]) => [u, t(key)] as const),
            onChange: (e) =>
              this.change(t('scn.editStep'), (s) => ({
                ...s,
                delay_seconds: (amount || 1) * Number(text(e)),
              })),
          })}
        </div>`;
      }
      case 'condition': {
        const c = step.condition!;
        const setC = (patch: Partial<typeof c>, merge?: string) =>
          this.change(
            t('scn.editStep'),
            (s) => ({ ...s, condition: { ...s.condition!, ...patch } }),
            merge,
          );
        return html`<div class="pair">
            ${inputField({
              id: this.fid('cvar'),
              name: 'variable',
              label: t('scn.ifVariable'),
              hint: t('scn.ifVariableHint'),
              value: c.variable,
              list: this.fid('vars'),
              failure,
              errorKey: 'condition.variable',
              onInput: (e) => setC({ variable: text(e) }, 'cvar'),
            })}
            ${inputField({
              id: this.fid('equals'),
              name: 'equals',
              label: t('scn.equals'),
              value: c.equals,
              failure,
              errorKey: 'condition.equals',
              onInput: (e) => setC({ equals: text(e) }, 'equals'),
            })}
          </div>
          ${selectField({
            id: this.fid('then'),
            name: 'then',
            label: t('scn.thenStep'),
            value: c.then ?? '',
            options: this.targets(c.then),
            failure,
            errorKey: 'condition.then_step_id',
            onChange: (e) => setC({ then: text(e) || null }),
          })}
          ${selectField({
            id: this.fid('else'),
            name: 'else',
            label: t('scn.elseStep'),
            value: c.else ?? '',
            options: this.targets(c.else),
            failure,
            errorKey: 'condition.else_step_id',
            onChange: (e) => setC({ else: text(e) || null }),
          })}`;
      }
      case 'action': {
        const a = step.action!;
        const setA = (patch: Partial<typeof a>, merge?: string) =>
          this.change(
            t('scn.editStep'),
            (s) => ({ ...s, action: { ...s.action!, ...patch } }),
            merge,
          );
        const tags = [
          ['', t('common.none')] as const,
          ...this.ctl.tags.map((x) => [String(x.id), x.name] as const),
        ];
        return html`<div class="pair">
            ${inputField({
              id: this.fid('setname'),
              name: 'set_var',
              label: t('scn.setVariable'),
              value: a.set_var?.name ?? '',
              list: this.fid('vars'),
              failure,
              errorKey: 'action.set_var.name',
              onInput: (e) =>
                setA(
                  { set_var: text(e) ? { name: text(e), value: a.set_var?.value ?? '' } : null },
                  'setname',
                ),
            })}
            ${inputField({
              id: this.fid('setvalue'),
              name: 'value',
              label: t('scn.toValue'),
              value: a.set_var?.value ?? '',
              disabled: !a.set_var,
              failure,
              errorKey: 'action.set_var.value',
              onInput: (e) =>
                setA({ set_var: { name: a.set_var!.name, value: text(e) } }, 'setvalue'),
            })}
          </div>
          <div class="pair">
            ${selectField({
              id: this.fid('addtag'),
              name: 'add_tag',
              label: t('scn.addTag'),
              value: a.add_tag_id === null ? '' : String(a.add_tag_id),
              options: tags,
              failure,
              errorKey: 'action.add_tag_id',
              onChange: (e) => setA({ add_tag_id: text(e) ? Number(text(e)) : null }),
            })}
            ${selectField({
              id: this.fid('removetag'),
              name: 'remove_tag',
              label: t('scn.removeTag'),
              value: a.remove_tag_id === null ? '' : String(a.remove_tag_id),
              options: tags,
              failure,
              errorKey: 'action.remove_tag_id',
              onChange: (e) => setA({ remove_tag_id: text(e) ? Number(text(e)) : null }),
            })}
          </div>`;
      }
      default:
        return nothing;
    }
  }

  private renderConfirm(step: EditorStep) {
    const doc = this.ctl.doc;
    const into = incoming(doc, step.key);
    const via = (from: string, v: string) => {
      const s = stepOf(doc, from)!;
      const button = s.buttons.find((b) => b.key === v);
      return button
        ? t('scn.viaButton', { step: stepLabel(s), button: button.title })
        : t(v === 'next' ? 'scn.viaNext' : v === 'then' ? 'scn.viaThen' : 'scn.viaElse', {
            step: stepLabel(s),
          });
    };
    return html`<div class="notice warn confirm" role="alert">
      <p><strong>${t('scn.deleteAsk', { step: stepLabel(step) })}</strong></p>
      ${
        into.length || doc.first === step.key
          ? html`<p>${tn('scn.pointingHere', into.length + (doc.first === step.key ? 1 : 0))}</p>
              <ul>
                ${doc.first === step.key ? html`<li>${t('scn.isFirst')}</li>` : nothing}
                ${into.map((l) => html`<li>${via(l.from, l.via)}</li>`)}
              </ul>`
          : html`<p>${t('scn.nothingPoints')}</p>`
      }
      <div class="row">
        <button type="button" class="danger" @click=${() => this.ctl.remove(step.key, true)}>
          ${t('scn.deleteStep')}
        </button>
        <button type="button" @click=${() => this.ctl.cancelRemove()}>${t('common.cancel')}</button>
      </div>
    </div>`;
  }

  override render() {
    const step = this.step;
    if (!step) return nothing;
    const failure = this.ctl.problems.get(step.key);
    const text = (e: Event) => (e.target as HTMLInputElement).value;
    const sends = step.type !== 'condition';
    return html`<div class="step-form" data-key=${step.key}>
      ${
        failure
          ? failureAlert(failure, [
              ...SHOWN,
              ...step.buttons.flatMap((_, i) => BUTTON_SHOWN.map((f) => `buttons.${i}.${f}`)),
            ])
          : nothing
      }
      <datalist id=${this.fid('vars')}>
        ${this.ctl.variables.map((v) => html`<option value=${v}></option>`)}
      </datalist>
      ${selectField({
        id: this.fid('type'),
        name: 'type',
        label: t('scn.stepType'),
        value: step.type,
        options: STEP_TYPES.map((x) => [x, t(`stepType.${x}` as TextKey)] as const),
        failure,
        onChange: (e) =>
          this.change(t('scn.changeType'), (s) =>
            retype(s, text(e) as StepType, this.ctl.forms[0]?.id ?? null),
          ),
      })}
      ${inputField({
        id: this.fid('name'),
        name: 'name',
        label: t('scn.stepName'),
        hint: t('scn.stepNameHint'),
        value: step.name,
        failure,
        onInput: (e) => this.change(t('scn.editStep'), (s) => ({ ...s, name: text(e) }), 'name'),
      })}
      ${
        sends
          ? html`<tpc-template-text
              .fieldId=${this.fid('text')}
              .label=${t(step.type === 'message' || step.type === 'question' ? 'scn.text' : 'scn.textOptional')}
              .value=${step.text}
              .variables=${this.ctl.variables}
              .errors=${errorsFor(failure, 'payload.text')}
              .hint=${t('scn.textHint')}
              @tpc-text=${(e: CustomEvent<string>) =>
                this.change(t('scn.editStep'), (s) => ({ ...s, text: e.detail }), 'text')}
            ></tpc-template-text>`
          : nothing
      }
      ${
        step.type === 'message' || step.type === 'question'
          ? inputField({
              id: this.fid('image'),
              name: 'image_url',
              type: 'url',
              label: t('scn.image'),
              hint: t('scn.imageHint'),
              value: step.image_url,
              failure,
              errorKey: 'payload.image_url',
              onInput: (e) =>
                this.change(
                  t('scn.editStep'),
                  (s) => ({ ...s, image_url: text(e) || null }),
                  'image',
                ),
            })
          : nothing
      }
      ${this.renderTyped(step)}
      ${
        hasNext(step.type)
          ? selectField({
              id: this.fid('next'),
              name: 'next_step',
              label: t(step.buttons.some((b) => !b.url) ? 'scn.nextAfterText' : 'scn.next'),
              value: step.next ?? '',
              options: this.targets(step.next),
              failure,
              errorKey: 'next_step_id',
              onChange: (e) =>
                this.change(t('scn.connect'), (s) => ({ ...s, next: text(e) || null })),
            })
          : nothing
      }
      ${
        sends
          ? html`<h3>${t('scn.buttons')}</h3>
              ${
                step.buttons.length
                  ? html`<ol class="buttons">
                      ${repeat(
                        step.buttons,
                        (b) => b.key,
                        (b, i) => this.renderButton(step, b, i),
                      )}
                    </ol>`
                  : html`<p class="muted small">${t('scn.noButtons')}</p>`
              }
              <p>
                <button
                  type="button"
                  @click=${() =>
                    this.change(t('scn.addButton'), (s) => ({
                      ...s,
                      buttons: [
                        ...s.buttons,
                        { key: newKey('b'), title: t('scn.newButton'), next: null, url: null },
                      ],
                    }))}
                >
                  ${t('scn.addButton')}
                </button>
              </p>`
          : nothing
      }
      <div class="field inline">
        <input
          type="checkbox"
          id=${this.fid('first')}
          .checked=${this.ctl.doc.first === step.key}
          @change=${(e: Event) =>
            this.ctl.edit(t('scn.setFirst'), (d) => ({
              ...d,
              first: (e.target as HTMLInputElement).checked
                ? step.key
                : d.first === step.key
                  ? null
                  : d.first,
            }))}
        />
        <label for=${this.fid('first')}>${t('scn.isStart')}</label>
      </div>
      ${
        this.ctl.confirming === step.key
          ? this.renderConfirm(step)
          : html`<p>
              <button type="button" class="danger" @click=${() => this.ctl.remove(step.key)}>
                ${t('scn.deleteStep')}
              </button>
            </p>`
      }
    </div>`;
  }
}
define('tpc-step-form', TpcStepForm);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-step-form': TpcStepForm;
  }
}
