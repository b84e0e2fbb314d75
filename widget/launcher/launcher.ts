import { css, html, nothing } from 'lit';
import { TpElement } from '../core/element.js';
import type { SuccessDetail } from '../core/events.js';
import { base } from '../core/styles.js';
import '../lead-form/lead-form.js';
import '../subscribe/subscribe.js';
import { TriggerController } from './triggers.js';

/**
 * A floating button that opens a modal dialog holding the lead form `form` and/or the
 * opt-in buttons for `channels`. The dialog is a native `<dialog>` opened with
 * `showModal()`: the browser traps focus in it, Esc closes it, and focus returns to the
 * button. Triggers (`delay`, `scroll`, `exit-intent`) open it once by themselves; after
 * the visitor closes it, triggers stay off for the rest of the session. Without the shop's
 * config (the console says why) there is no button.
 *
 * @summary A floating button opening a dialog with a lead form and messenger opt-in.
 *
 * @event {CustomEvent<SubmitDetail>} tp-submit - From the form inside.
 * @event {CustomEvent<SuccessDetail>} tp-success - From the form inside.
 * @event {CustomEvent<ErrorDetail>} tp-error - From the form or buttons inside.
 * @event {CustomEvent<OptinDetail>} tp-optin - From the opt-in buttons inside.
 *
 * @csspart button - The floating button.
 * @csspart dialog - The `<dialog>`.
 * @csspart title - The dialog's heading.
 * @csspart close - The dialog's close button.
 *
 * @cssproperty --tp-z-index - Stacking of the floating button (also the `z-index` attribute).
 * @cssproperty --tp-launcher-offset - Distance of the button from the viewport's edges.
 * @cssproperty --tp-accent - Button colour (light); `--tp-accent-dark` for dark.
 * @cssproperty --tp-accent-fg - Button text colour.
 * @cssproperty --tp-bg - Dialog background; `--tp-bg-dark` for dark.
 * @cssproperty --tp-fg - Text colour; `--tp-fg-dark` for dark.
 * @cssproperty --tp-radius - Corner radius.
 */
export class TpLauncher extends TpElement {
  static override styles = [
    base,
    css`
      :host {
        --_offset: var(--tp-launcher-offset, 20px);
      }
      .launch {
        position: fixed;
        z-index: var(--tp-z-index, 2147483000);
        bottom: var(--_offset);
        right: var(--_offset);
        border-radius: 999px;
        box-shadow: 0 4px 16px rgb(0 0 0 / 0.25);
      }
      :host([position='bottom-left']) .launch,
      :host([position='top-left']) .launch {
        right: auto;
        left: var(--_offset);
      }
      :host([position^='top']) .launch {
        bottom: auto;
        top: var(--_offset);
      }
      dialog {
        width: min(440px, calc(100vw - 24px));
        max-height: calc(100dvh - 24px);
        padding: 0;
        border: 0;
        border-radius: var(--_radius);
        background: var(--_bg);
        color: var(--_fg);
        box-shadow: 0 12px 40px rgb(0 0 0 / 0.35);
      }
      dialog > tp-lead-form,
      dialog > tp-subscribe {
        --tp-padding: 12px 16px 16px;
      }
      dialog::backdrop {
        background: rgb(0 0 0 / 0.45);
      }
      header {
        display: flex;
        align-items: center;
        justify-content: space-between;
        gap: 8px;
        padding: 12px 12px 0 16px;
      }
      h2 {
        margin: 0;
        font-size: 1.2em;
      }
      .close {
        min-width: 44px;
        padding: 0;
        background: transparent;
        color: var(--_fg);
        font-size: 1.5em;
      }
      @media (prefers-reduced-motion: no-preference) {
        dialog[open] {
          animation: rise 0.2s ease-out;
        }
        @keyframes rise {
          from {
            opacity: 0;
            transform: translateY(12px);
          }
        }
      }
    `,
  ];

  static override properties = {
    form: { type: String },
    channels: { type: String },
    orderRef: { type: String, attribute: 'order-ref' },
    label: { type: String },
    delay: { type: Number },
    scrollPercent: { type: Number, attribute: 'scroll' },
    exitIntent: { type: Boolean, attribute: 'exit-intent' },
    position: { type: String, reflect: true },
    zIndex: { type: Number, attribute: 'z-index' },
    leadId: { state: true },
  };

  /** The lead form to show, by name; empty shows no form. */
  form = '';
  /** Bot types for the opt-in buttons (`telegram,whatsapp`); empty shows none. */
  channels = '';
  /** Passed to the opt-in buttons: the order the subscriber will get updates about. */
  orderRef = '';
  /** The button's text; defaults to "Contact us" in the page's language. */
  label = '';
  /** Open by itself this many milliseconds after load; 0 is off. */
  delay = 0;
  /** Open by itself once this percentage of the page is scrolled (attribute `scroll`); 0 is off. */
  scrollPercent = 0;
  /** Open by itself when the pointer leaves the window towards the tabs. */
  exitIntent = false;
  /** `bottom-right` (default), `bottom-left`, `top-right` or `top-left`. */
  position = 'bottom-right';
  /** The button's z-index; the default sits above nearly everything. */
  zIndex = 0;

  /** The lead sent from this dialog, so a following opt-in links to it. */
  private leadId = 0;

  constructor() {
    super();
    new TriggerController(this);
    this.addEventListener('tp-success', (e: Event) => {
      this.leadId = (e as CustomEvent<SuccessDetail>).detail.lead_id;
    });
  }

  protected override themeVars() {
    const zIndex: Record<string, string> = this.zIndex
      ? { 'z-index': String(Math.trunc(this.zIndex)) }
      : {};
    return { ...this.config.value?.theme, ...zIndex };
  }

  private onClose = () => {
    dismiss(this.storageKey());
    // showModal() remembers the focused element and restores it; be explicit for
    // browsers that do not, and when the dialog was opened by a trigger.
    if (!document.activeElement || document.activeElement === document.body)
      this.launchButton()?.focus();
  };

  /** Opens the dialog (the `Touchpoint('open')` command). */
  show() {
    const dialog = this.renderRoot.querySelector('dialog');
    if (dialog && !dialog.open) dialog.showModal();
  }

  /** Closes the dialog (the `Touchpoint('close')` command). */
  close() {
    this.renderRoot.querySelector('dialog')?.close();
  }

  /** @internal Called by TriggerController. */
  triggered() {
    if (!dismissed(this.storageKey())) void this.updateComplete.then(() => this.show());
  }

  private launchButton() {
    return this.renderRoot.querySelector<HTMLButtonElement>('.launch');
  }

  private storageKey() {
    return `tp-launcher-dismissed:${this.form}|${this.channels}`;
  }

  override render() {
    // The shop's config cannot be loaded (the console says why): no button that opens
    // a dialog with nothing in it.
    if (this.config.phase === 'error') return nothing;
    const t = this.texts();
    const key = this.key || nothing;
    const relay = this.relay || nothing;
    const theme = this.theme || nothing;
    return html`<button
        type="button"
        class="btn launch"
        part="button"
        aria-haspopup="dialog"
        @click=${this.show}
      >
        ${this.label || t.launcher}
      </button>
      <dialog part="dialog" aria-labelledby="title" @close=${this.onClose}>
        <header>
          <h2 id="title" part="title">${t.launcher}</h2>
          <button
            type="button"
            class="btn close"
            part="close"
            aria-label=${t.close}
            @click=${this.close}
          >
            ×
          </button>
        </header>
        ${
          this.form
            ? html`<tp-lead-form
                form=${this.form}
                key=${key}
                relay=${relay}
                theme=${theme}
              ></tp-lead-form>`
            : nothing
        }
        ${
          this.channels
            ? html`<tp-subscribe
                channels=${this.channels}
                order-ref=${this.orderRef || nothing}
                lead-id=${this.leadId || nothing}
                key=${key}
                relay=${relay}
                theme=${theme}
              ></tp-subscribe>`
            : nothing
        }
      </dialog>`;
  }
}

/** Dismissal lasts for the browser tab's session (sessionStorage), per launcher. */
function dismiss(key: string) {
  try {
    sessionStorage.setItem(key, '1');
  } catch {
    /* storage blocked: triggers may fire again on the next page */
  }
}

function dismissed(key: string) {
  try {
    return sessionStorage.getItem(key) === '1';
  } catch {
    return false;
  }
}

customElements.get('tp-launcher') || customElements.define('tp-launcher', TpLauncher);

declare global {
  interface HTMLElementTagNameMap {
    'tp-launcher': TpLauncher;
  }
}
