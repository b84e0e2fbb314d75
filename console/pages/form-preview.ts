import { css, html, nothing, type PropertyValues } from 'lit';
import { ConsoleElement, define } from '../app/element.js';
import { effectiveTheme } from '../app/theme.js';
import { currentLocale, LOCALES, t, type Locale } from '../i18n/i18n.js';
import { shared } from '../ui/styles.js';

/** The widget's elements chunk under /widget/, its hashed name filled in by rollup.config.mjs. */
declare const __WIDGET_ELEMENTS__: string;

/** What the widget's elements chunk exports to its loader (widget/boot.ts). */
type WidgetChunk = {
  start(settings: { key: string; relay: string }, config?: Promise<Response>): void;
};

/** A form as the widget reads it from the public config (widget/api/types.ts PublicForm). */
export type PreviewForm = {
  fields: {
    name: string;
    label: { en: string; ru?: string };
    type: string;
    required: boolean;
    max_length: number | null;
    options?: { value: string; label: { en: string; ru?: string } }[];
  }[];
  consent: { text: string; version: string } | null;
  min_fill_ms: number;
};

/** The name the previewed form goes by in its made-up config (the draft's may be invalid). */
const NAME = 'preview';
let chunk: Promise<WidgetChunk> | undefined;
let revision = 0;

const loadWidget = () =>
  (chunk ??= import(new URL(__WIDGET_ELEMENTS__, location.origin).href) as Promise<WidgetChunk>);

/**
 * A live preview of a form being edited, rendered by the real `<tp-lead-form>` from the
 * relay's /widget/ (the same code a shop's visitors run). The element reads forms from the
 * shop's public config; the preview hands it a config holding only the draft, through the
 * entry point the widget's loader uses to pass a config it fetched ahead (boot.ts `start`),
 * under a made-up key per revision. Nothing reaches the relay: the submit is cancelled
 * (`tp-submit` is cancelable), and the preview says what would have been sent.
 *
 * @summary The widget's lead form, showing an unsaved form.
 */
export class TpcFormPreview extends ConsoleElement {
  static override styles = [
    shared,
    css`
      .frame {
        padding: 1rem;
        border: 1px dashed var(--tpc-border);
        border-radius: var(--tpc-radius);
        background: var(--tpc-bg);
      }
    `,
  ];
  static override properties = {
    form: { attribute: false },
    previewLang: { state: true },
    ready: { state: true },
    failed: { state: true },
    sent: { state: true },
  };

  form?: PreviewForm;
  private previewLang: Locale = currentLocale();
  private ready = false;
  private failed = false;
  private sent = '';
  private timer?: ReturnType<typeof setTimeout>;

  override connectedCallback() {
    super.connectedCallback();
    window.addEventListener('tpc-theme', this.onTheme);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('tpc-theme', this.onTheme);
    clearTimeout(this.timer);
  }

  private onTheme = () => this.requestUpdate();

  override updated(changed: PropertyValues<this>) {
    if (!changed.has('form') || !this.form) return;
    // Typing should not rebuild the form on every key: a quarter second of quiet first.
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.show(), this.ready ? 250 : 0);
  }

  private async show() {
    let widget: WidgetChunk;
    try {
      widget = await loadWidget();
    } catch {
      chunk = undefined;
      this.failed = true;
      return;
    }
    const config = {
      shop: { name: '' },
      forms: [{ name: NAME, ...this.form }],
      bots: [],
      texts: {},
      theme: {},
    };
    const body = JSON.stringify({ status: 'ok', result: config });
    widget.start(
      { key: `preview-${++revision}`, relay: location.origin },
      Promise.resolve(new Response(body, { headers: { 'Content-Type': 'application/json' } })),
    );
    this.failed = false;
    this.ready = true;
  }

  private onSubmit = (e: Event) => {
    e.preventDefault(); // the preview never sends a lead
    const fields = (e as CustomEvent<{ fields: Record<string, unknown> }>).detail.fields;
    this.sent = JSON.stringify(fields, null, 2);
    this.announce(t('preview.sent'));
  };

  override render() {
    const theme = effectiveTheme();
    return html`<div class="spread">
        <h2 id="preview-h">${t('preview.title')}</h2>
        <div class="field">
          <label for="preview-lang">${t('preview.language')}</label>
          <select
            id="preview-lang"
            @change=${(e: Event) => (this.previewLang = (e.target as HTMLSelectElement).value as Locale)}
          >
            ${Object.entries(LOCALES).map(
              ([code, name]) =>
                html`<option value=${code} lang=${code} ?selected=${code === this.previewLang}>
                  ${name}
                </option>`,
            )}
          </select>
        </div>
      </div>
      <p class="small muted">${t('preview.hint')}</p>
      ${
        this.failed
          ? html`<p class="notice error" role="alert">${t('preview.failed')}</p>`
          : nothing
      }
      <div class="frame" role="group" aria-labelledby="preview-h">
        ${
          this.ready
            ? html`<tp-lead-form
                form=${NAME}
                theme=${theme}
                lang=${this.previewLang}
                @tp-submit=${this.onSubmit}
              ></tp-lead-form>`
            : html`<p class="muted">${t('common.loading')}</p>`
        }
      </div>
      ${
        this.sent
          ? html`<div class="notice info">
              <p>${t('preview.sentText')}</p>
              <pre>${this.sent}</pre>
            </div>`
          : nothing
      }`;
  }
}

define('tpc-form-preview', TpcFormPreview);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-form-preview': TpcFormPreview;
  }
}
