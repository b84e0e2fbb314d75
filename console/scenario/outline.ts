import { css, html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { ConsoleElement, define } from '../app/element.js';
import { t, type TextKey } from '../i18n/i18n.js';
import { shared } from '../ui/styles.js';
import { problemText, rowLabels } from './canvas.js';
import { icon } from './icons.js';
import type { EditorCtl } from './ctl.js';
import { flowOrder, rowsOf, STEP_TYPES, type EditorStep, type StepType } from './doc.js';
import { stepLabel } from './step-form.js';
import './step-form.js';

/**
 * The flow as an ordered list, the way a person meets its steps: each step with what it
 * says, where its buttons and ways on lead (by number), the relay's refusal if any, and an
 * "Edit" disclosure holding the full step form. New steps are added at the end. Everything
 * the canvas does is possible here with the keyboard and a screen reader, and it fits a
 * phone.
 */
export class TpcFlowOutline extends ConsoleElement {
  static override styles = [
    shared,
    css`
      ol.outline {
        list-style: none;
        margin: 0 0 1rem;
        padding: 0;
      }
      .item {
        background: var(--tpc-surface);
        border: 1px solid var(--tpc-line);
        border-radius: var(--tpc-radius);
        padding: 0.75rem 1rem;
        margin-bottom: 0.75rem;
      }
      .item.problem {
        border-color: var(--tpc-danger);
      }
      .item.visited {
        border-color: var(--tpc-success);
      }
      .item h2 .icon {
        vertical-align: -0.25em;
      }
      .item h2 {
        margin: 0 0 0.25rem;
        overflow-wrap: anywhere;
      }
      .item h2:focus {
        outline: none;
      }
      .item h2:focus-visible {
        outline: 2px solid var(--tpc-accent);
      }
      ul.summary {
        margin: 0 0 0.5rem;
        padding-left: 1.1rem;
        overflow-wrap: anywhere;
      }
      .form {
        margin-top: 0.75rem;
        padding-top: 0.75rem;
        border-top: 1px solid var(--tpc-line);
      }
      .add {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: flex-end;
      }
      .add .field {
        margin: 0;
        flex: 1 1 12rem;
      }
    `,
  ];
  static override properties = { ctl: { attribute: false } };

  ctl!: EditorCtl;

  /** Focuses a step's first field (after it was added or opened from elsewhere). */
  async focusStep(key: string) {
    await this.updateComplete;
    const form = this.renderRoot.querySelector<HTMLElement & { updateComplete: Promise<unknown> }>(
      `tpc-step-form[data-key="${key}"]`,
    );
    await form?.updateComplete;
    const text = form?.shadowRoot?.querySelector('tpc-template-text');
    await (text as { updateComplete?: Promise<unknown> } | null)?.updateComplete;
    const target =
      text?.shadowRoot?.querySelector<HTMLElement>('textarea') ??
      form?.shadowRoot?.querySelector<HTMLElement>('select, input');
    target?.focus();
  }

  private toggle(key: string) {
    this.ctl.select(this.ctl.selected === key ? null : key);
  }

  private renderItem(step: EditorStep, n: number, numbers: Map<string, number>) {
    const { ctl } = this;
    const problem = ctl.problems.get(step.key);
    const open = ctl.selected === step.key;
    const type = t(`stepType.${step.type}` as TextKey);
    const where = (to: string | null) => {
      const target = to && ctl.doc.steps.find((s) => s.key === to);
      return target
        ? t('scn.toStep', { n: numbers.get(target.key)!, step: stepLabel(target) })
        : t('scn.nowhere');
    };
    const text = step.text.trim().split('\n')[0];
    return html`<li
      class=${['item', problem ? 'problem' : '', ctl.visited.has(step.key) ? 'visited' : ''].join(' ')}
      data-key=${step.key}
    >
      <h2 id=${`h-${step.key}`} tabindex="-1">
        ${icon(step.type)} ${n}. ${type}: ${step.name.trim() || text || type}
        ${ctl.doc.first === step.key ? html`<span class="badge ok">${t('scn.startBadge')}</span>` : nothing}
      </h2>
      <ul class="summary">
        ${text && step.name.trim() ? html`<li>${text}</li>` : nothing}
        ${rowsOf(step, rowLabels()).map(
          (r) =>
            html`<li>
              ${
                r.via.startsWith('b')
                  ? t('scn.buttonGoes', { button: r.label, to: r.url ?? where(r.to) })
                  : `${r.label}: ${where(r.to)}`
              }
            </li>`,
        )}
        ${problem ? html`<li class="error">${problemText(problem)}</li>` : nothing}
      </ul>
      <button
        type="button"
        aria-expanded=${open ? 'true' : 'false'}
        aria-controls=${`form-${step.key}`}
        @click=${() => this.toggle(step.key)}
      >
        ${open ? t('scn.closeStep', { n }) : t('scn.editStepN', { n })}
      </button>
      ${
        open
          ? html`<div
              class="form"
              id=${`form-${step.key}`}
              role="group"
              aria-labelledby=${`h-${step.key}`}
            >
              <tpc-step-form .ctl=${ctl} .key=${step.key} data-key=${step.key}></tpc-step-form>
            </div>`
          : nothing
      }
    </li>`;
  }

  private onAdd = (e: SubmitEvent) => {
    e.preventDefault();
    const type = new FormData(e.target as HTMLFormElement).get('type') as StepType;
    // Opened, and its first field focused, once the editor has rendered it.
    this.ctl.select(this.ctl.add(type), true);
  };

  override render() {
    const order = flowOrder(this.ctl.doc);
    const numbers = new Map(order.map((s, i) => [s.key, i + 1]));
    return html`<p class="muted">${t('scn.outlineHelp')}</p>
      ${
        order.length
          ? html`<ol class="outline" aria-label=${t('scn.steps')}>
              ${repeat(
                order,
                (s) => s.key,
                (s, i) => this.renderItem(s, i + 1, numbers),
              )}
            </ol>`
          : html`<p>${t('scn.noSteps')}</p>`
      }
      <form class="add" @submit=${this.onAdd}>
        <div class="field">
          <label for="add-type">${t('scn.newStepType')}</label>
          <select id="add-type" name="type">
            ${STEP_TYPES.map((x) => html`<option value=${x}>${t(`stepType.${x}` as TextKey)}</option>`)}
          </select>
        </div>
        <button type="submit" class="primary">${t('scn.addStep')}</button>
      </form>`;
  }
}
define('tpc-flow-outline', TpcFlowOutline);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-flow-outline': TpcFlowOutline;
  }
}
