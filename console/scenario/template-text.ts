import { css, html, nothing } from 'lit';
import { ConsoleElement, define } from '../app/element.js';
import { t } from '../i18n/i18n.js';
import { shared } from '../ui/styles.js';

/** `{{` and the start of a name, just before the caret. */
const OPENING = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)?$/;

/**
 * A step's text, with `{{variables}}` completed as they are typed: after `{{` a list of the
 * names the text may use (the shop's custom fields, the flow's answers, name and phone)
 * opens under the field — arrows move in it, Enter or Tab inserts, Escape closes — the
 * field pointing at the option in focus (aria-activedescendant), so screen readers follow.
 * (A textarea may not take the combobox role; its own textbox role takes these.) An "Insert a variable" picker does
 * the same without typing braces.
 *
 * @event tpc-text - `detail`: the new text, on every change.
 */
export class TpcTemplateText extends ConsoleElement {
  static override styles = [
    shared,
    css`
      .wrap {
        position: relative;
      }
      [role='listbox'] {
        position: absolute;
        z-index: 5;
        left: 0;
        right: 0;
        max-height: 12rem;
        overflow-y: auto;
        margin: 0.25rem 0 0;
        padding: 0.25rem;
        list-style: none;
        background: var(--tpc-surface);
        border: 1px solid var(--tpc-border);
        border-radius: 6px;
        box-shadow: 0 4px 16px rgb(0 0 0 / 0.15);
      }
      [role='option'] {
        padding: 0.35rem 0.5rem;
        border-radius: 4px;
        cursor: pointer;
        font-family: var(--tpc-mono);
        font-size: 0.9rem;
      }
      [role='option'][aria-selected='true'] {
        background: var(--tpc-accent-soft);
        outline: 2px solid var(--tpc-accent);
      }
      .insert {
        margin-top: 0.35rem;
        max-width: 16rem;
      }
    `,
  ];
  static override properties = {
    fieldId: { attribute: false },
    label: { attribute: false },
    value: { attribute: false },
    variables: { attribute: false },
    errors: { attribute: false },
    hint: { attribute: false },
    rows: { attribute: false },
    open: { state: true },
    active: { state: true },
  };

  fieldId = 'text';
  label = '';
  value = '';
  variables: readonly string[] = [];
  errors: readonly string[] = [];
  hint = '';
  rows = 3;
  private open = false;
  private active = 0;

  private get area() {
    return this.renderRoot.querySelector('textarea')!;
  }

  /** Names matching what was typed after the last `{{`, or null when none is open. */
  private get typed(): string | null {
    const area = this.renderRoot.querySelector('textarea');
    if (!area) return null;
    const m = OPENING.exec(area.value.slice(0, area.selectionStart ?? area.value.length));
    return m ? (m[1] ?? '') : null;
  }

  private get candidates() {
    const typed = (this.typed ?? '').toLowerCase();
    return this.variables.filter((v) => v.toLowerCase().startsWith(typed));
  }

  private emit(text: string) {
    this.value = text;
    this.dispatchEvent(
      new CustomEvent('tpc-text', { detail: text, bubbles: true, composed: true }),
    );
  }

  private onInput = () => {
    this.emit(this.area.value);
    this.open = this.typed !== null && this.candidates.length > 0;
    this.active = 0;
  };

  private onKeyDown = (e: KeyboardEvent) => {
    if (!this.open) return;
    const n = this.candidates.length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      this.active = (this.active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
    } else if (e.key === 'Enter' || e.key === 'Tab') {
      e.preventDefault();
      this.complete(this.candidates[this.active]);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      this.open = false;
    }
  };

  /** Replaces the `{{…` being typed (or inserts at the caret) with `{{name}}`. */
  private complete(name: string | undefined) {
    if (!name) return;
    const area = this.area;
    const caret = area.selectionStart ?? area.value.length;
    const before = area.value.slice(0, caret);
    const m = OPENING.exec(before);
    const start = m ? caret - m[0].length : caret;
    const text = `${area.value.slice(0, start)}{{${name}}}${area.value.slice(caret)}`;
    area.value = text;
    const at = start + name.length + 4;
    area.setSelectionRange(at, at);
    area.focus();
    this.open = false;
    this.emit(text);
  }

  private onInsert = (e: Event) => {
    const select = e.target as HTMLSelectElement;
    const name = select.value;
    select.value = '';
    this.complete(name);
  };

  override render() {
    const id = this.fieldId;
    const listId = `${id}-vars`;
    const matches = this.open ? this.candidates : [];
    const described =
      [this.hint ? `${id}-hint` : '', this.errors.length ? `${id}-error` : '']
        .filter(Boolean)
        .join(' ') || nothing;
    return html`<div class="field">
      <label for=${id}>${this.label}</label>
      <div class="wrap">
        <textarea
          id=${id}
          rows=${this.rows}
          .value=${this.value}
          aria-autocomplete="list"
          aria-controls=${listId}
          aria-activedescendant=${matches.length ? `${listId}-${this.active}` : nothing}
          aria-invalid=${this.errors.length ? 'true' : 'false'}
          aria-describedby=${described}
          @input=${this.onInput}
          @keydown=${this.onKeyDown}
          @blur=${() => (this.open = false)}
        ></textarea>
        <ul id=${listId} role="listbox" aria-label=${t('scn.variables')} ?hidden=${!matches.length}>
          ${matches.map(
            (v, i) =>
              html`<li
                id=${`${listId}-${i}`}
                role="option"
                aria-selected=${i === this.active ? 'true' : 'false'}
                @pointerdown=${(e: Event) => {
                  e.preventDefault();
                  this.complete(v);
                }}
              >
                {{${v}}}
              </li>`,
          )}
        </ul>
      </div>
      ${this.hint ? html`<span class="hint" id=${`${id}-hint`}>${this.hint}</span>` : nothing}
      ${
        this.errors.length
          ? html`<span class="error" id=${`${id}-error`}>${this.errors.join(' ')}</span>`
          : nothing
      }
      <select class="insert" aria-label=${t('scn.insertVariable')} @change=${this.onInsert}>
        <option value="">${t('scn.insertVariable')}</option>
        ${this.variables.map((v) => html`<option value=${v}>{{${v}}}</option>`)}
      </select>
    </div>`;
  }
}
define('tpc-template-text', TpcTemplateText);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-template-text': TpcTemplateText;
  }
}
