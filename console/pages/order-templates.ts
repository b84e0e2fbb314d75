import { css, html, nothing } from 'lit';
import { ApiFailure, must, type Api, type Schemas } from '../api/client.js';
import { ConsoleElement, define } from '../app/element.js';
import { Action, Resource } from '../app/resource.js';
import { t } from '../i18n/i18n.js';
import { failureAlert, focusFirstInvalid } from '../ui/fields.js';
import { shared } from '../ui/styles.js';

type Set_ = Schemas['OrderTemplates'];
type WhatsAppTemplate = Schemas['WhatsAppTemplate'];
const PREVIEW_DELAY_MS = 300;
const STATUS = /^[a-z][a-z0-9_]{0,31}$/;

/**
 * The messages buyers subscribed to an order hear when it reaches a status: per status the
 * shop's text (or the relay's default), with `{order.number}`-style variables and a preview
 * of the message as the buyer reads it, filled in by the relay (POST …/order_templates/
 * preview/) while typing. Owners save (PUT /api/store/order_templates/); managers read and
 * preview.
 *
 * @summary Order message templates per status.
 */
export class TpcOrderTemplates extends ConsoleElement {
  static override styles = [
    shared,
    css`
      .status {
        display: grid;
        gap: 0.5rem 1rem;
        grid-template-columns: repeat(auto-fit, minmax(min(100%, 18rem), 1fr));
        align-items: start;
      }
      .preview {
        padding: 0.6rem 0.8rem;
        border-radius: 12px;
        background: var(--tpc-surface-2);
        white-space: pre-wrap;
        overflow-wrap: anywhere;
        margin: 0;
      }
      code.var {
        padding: 0 0.25rem;
        border-radius: 4px;
        background: var(--tpc-surface-2);
      }
    `,
  ];
  static override properties = {
    api: { attribute: false },
    shopId: { type: Number },
    canEdit: { type: Boolean },
    drafts: { state: true },
    previews: { state: true },
  };

  api!: Api;
  shopId = 0;
  canEdit = false;
  /** What each status's box holds now (empty: the default). */
  private drafts = new Map<string, string>();
  private previews = new Map<string, string>();
  /**
   * The approved WhatsApp templates statuses carry (set through the API): kept as they are
   * when the texts are saved, and named under their status.
   */
  private whatsapp = new Map<string, WhatsAppTemplate>();
  private readonly data = new Resource<Set_>(
    this,
    async () => {
      const set = await must(
        this.api.GET('/api/store/order_templates/', {
          params: { query: { shop_id: this.shopId } },
        }),
      );
      const own = (s: string) => set.templates[s] ?? '';
      this.drafts = new Map(
        this.statusesOf(set).map((s) => {
          const v = own(s);
          return [s, typeof v === 'string' ? v : (v.text ?? '')];
        }),
      );
      this.whatsapp = new Map(
        this.statusesOf(set).flatMap((s) => {
          const v = own(s);
          return typeof v !== 'string' && v.whatsapp_template ? [[s, v.whatsapp_template]] : [];
        }),
      );
      for (const s of this.drafts.keys()) void this.preview(s);
      return set;
    },
    () => this.shopId,
  );
  private readonly save = new Action(this);
  private readonly add = new Action(this);
  private timers = new Map<string, ReturnType<typeof setTimeout>>();
  private saved = '';

  /** The default statuses, then the shop's own, `*` (every other status) last. */
  private statusesOf(set: Set_) {
    const all = [...Object.keys(set.defaults), ...Object.keys(set.templates)];
    return [...new Set(all)].sort((a, b) => (a === '*' ? 1 : b === '*' ? -1 : 0));
  }

  private async preview(status: string) {
    const draft = this.drafts.get(status)?.trim();
    const example = status === '*' ? 'packed' : status;
    try {
      const r = await must(
        this.api.POST('/api/store/order_templates/preview/', {
          body: {
            shop_id: this.shopId,
            status: example,
            ...(draft ? { template: draft } : {}),
          },
        }),
      );
      this.previews = new Map(this.previews).set(status, r.text);
    } catch {
      this.previews = new Map(this.previews).set(status, t('templates.previewFailed'));
    }
  }

  private onInput(status: string, value: string) {
    this.drafts = new Map(this.drafts).set(status, value);
    clearTimeout(this.timers.get(status));
    this.timers.set(
      status,
      setTimeout(() => void this.preview(status), PREVIEW_DELAY_MS),
    );
  }

  private onSave = async (e: SubmitEvent) => {
    e.preventDefault();
    const templates: Set_['templates'] = {};
    for (const [s, draft] of this.drafts) {
      const text = draft.trim();
      const wa = this.whatsapp.get(s);
      if (wa) templates[s] = { ...(text ? { text } : {}), whatsapp_template: wa };
      else if (text) templates[s] = text;
    }
    const set = await this.save.run(() =>
      must(
        this.api.PUT('/api/store/order_templates/', {
          body: { shop_id: this.shopId, templates },
        }),
      ),
    );
    if (!set) return void focusFirstInvalid(this);
    this.data.value = set;
    this.saved = t('templates.saved');
    this.announce(this.saved);
  };

  private onAdd = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const status = String(new FormData(form).get('status') ?? '').trim();
    await this.add.run(async () => {
      if (!STATUS.test(status)) throw new ApiFailure(400, t('templates.badStatus'));
    });
    if (this.add.failure) return;
    if (!this.drafts.has(status)) this.drafts = new Map(this.drafts).set(status, '');
    form.reset();
    void this.preview(status);
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLTextAreaElement>(`#tpl-${status}`)?.focus();
  };

  private renderStatus(set: Set_, status: string) {
    const id = `tpl-${status === '*' ? 'any' : status}`;
    const errors = this.save.failure?.fields[`templates.${status}`] ?? [];
    const label = status === '*' ? t('templates.anyStatus') : status;
    return html`<fieldset>
      <legend>${label}</legend>
      <div class="status">
        <div class="field">
          <label for=${id}>${t('templates.text', { status: label })}</label>
          <textarea
            id=${id}
            rows="3"
            .value=${this.drafts.get(status) ?? ''}
            placeholder=${set.defaults[status] ?? set.defaults['*'] ?? ''}
            ?readonly=${!this.canEdit}
            aria-describedby=${`${id}-hint${errors.length ? ` ${id}-error` : ''}`}
            aria-invalid=${errors.length ? 'true' : 'false'}
            @input=${(e: Event) => this.onInput(status, (e.target as HTMLTextAreaElement).value)}
          ></textarea>
          <span class="hint" id=${`${id}-hint`}>
            ${this.drafts.get(status)?.trim() ? t('templates.own') : t('templates.default')}
          </span>
          ${errors.length ? html`<span class="error" id=${`${id}-error`}>${errors.join(' ')}</span>` : nothing}
          ${this.renderWhatsApp(status)}
        </div>
        <div>
          <p class="label" id=${`${id}-pv`}>${t('templates.preview')}</p>
          <p class="preview" aria-labelledby=${`${id}-pv`}>${this.previews.get(status) ?? '…'}</p>
        </div>
      </div>
    </fieldset>`;
  }

  /** The status's WhatsApp template, when it has one (its fields are the API's). */
  private renderWhatsApp(status: string) {
    const wa = this.whatsapp.get(status);
    return wa
      ? html`<span class="hint"
          >${t('templates.whatsapp', { name: wa.name, language: wa.language })}</span
        >`
      : nothing;
  }

  override render() {
    const set = this.data.value;
    if (!set)
      return this.data.failure
        ? failureAlert(this.data.failure)
        : html`<p class="muted">${t('common.loading')}</p>`;
    return html`<p>
        ${t('templates.intro')} ${set.variables.map((v) => html`<code class="var">{${v}}</code> `)}
      </p>
      ${this.canEdit ? nothing : html`<p class="notice info">${t('templates.ownersOnly')}</p>`}
      ${this.saved ? html`<p class="notice ok">${this.saved}</p>` : nothing}
      ${failureAlert(
        this.save.failure,
        [...this.drafts.keys()].map((s) => `templates.${s}`),
      )}
      <form @submit=${this.onSave} novalidate aria-label=${t('templates.title')}>
        ${[...this.drafts.keys()].map((s) => this.renderStatus(set, s))}
        ${
          this.canEdit
            ? html`<button class="primary" type="submit">${t('templates.save')}</button>`
            : nothing
        }
      </form>
      ${
        this.canEdit
          ? html`<form class="inline-form stack-gap" @submit=${this.onAdd} novalidate>
                <div class="field">
                  <label for="new-status">${t('templates.newStatus')}</label>
                  <input
                    id="new-status"
                    name="status"
                    placeholder="ready_for_pickup"
                    aria-describedby="new-status-hint"
                  />
                  <span class="hint" id="new-status-hint">${t('templates.newStatusHint')}</span>
                </div>
                <button type="submit">${t('templates.addStatus')}</button>
              </form>
              ${failureAlert(this.add.failure)}`
          : nothing
      }`;
  }
}

define('tpc-order-templates', TpcOrderTemplates);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-order-templates': TpcOrderTemplates;
  }
}
