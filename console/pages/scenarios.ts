import { css, html, nothing } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import { allOf, ApiFailure, must, type Schemas } from '../api/client.js';
import { define } from '../app/element.js';
import { PageElement } from '../app/page.js';
import { Action, Resource } from '../app/resource.js';
import { navigate } from '../app/router.js';
import { formatDate, t } from '../i18n/i18n.js';
import {
  failureAlert,
  focusFirstInvalid,
  formValues,
  inputField,
  selectField,
} from '../ui/fields.js';
import { shared } from '../ui/styles.js';
import { dataTable } from '../ui/table.js';
import '../scenario/editor.js';
import {
  needsForm,
  TEMPLATE_IDS,
  templateDocument,
  templateName,
  type TemplateId,
} from '../scenario/templates.js';

type Bot = Schemas['Bot'];

/**
 * Scenarios: the shop's flows (which bot, which one runs on /start), a new flow — empty or
 * from a template —, a flow imported from a JSON file (an export of this or another shop),
 * and, at `#/shops/1/scenarios/12`, the visual editor of flow 12 (`?view=outline` for the
 * outline). The editor is in this page's chunk: nothing of it loads before the section opens.
 */
export class TpcScenariosPage extends PageElement {
  static override styles = [
    shared,
    css`
      .forms {
        display: grid;
        gap: 1rem;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 24rem), 1fr));
        margin-top: 1.5rem;
      }
      .choices {
        display: grid;
        gap: 0.35rem;
      }
      .choices label {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        font-weight: 400;
        margin: 0;
      }
      nav.crumbs {
        margin-bottom: 0.5rem;
      }
    `,
  ];
  static override properties = { template: { state: true } };

  private template: TemplateId | '' = '';
  private readonly data = new Resource(
    this,
    async () => {
      if (this.flowId) return undefined;
      const { api } = this.ctx;
      const [flows, bots, forms] = await Promise.all([
        allOf(this.shopId, (query) => api.GET('/api/bot/flows/', { params: { query } })),
        allOf(this.shopId, (query) => api.GET('/api/bot/bots/', { params: { query } })),
        allOf(this.shopId, (query) => api.GET('/api/store/forms/', { params: { query } })),
      ]);
      return { flows, bots: bots.filter((b) => b.bot_type !== 'web'), forms };
    },
    () => [this.shopId, this.flowId],
  );
  private readonly create = new Action(this);
  private readonly importing = new Action(this);

  private get flowId() {
    const id = Number(this.ctx.rest[0]);
    return Number.isInteger(id) && id > 0 ? id : 0;
  }

  private open(flowId: number) {
    navigate(this.ctx.link('scenarios', [flowId]));
  }

  private onCreate = async (e: SubmitEvent) => {
    const { name, bot, template, form } = formValues(e);
    const { api } = this.ctx;
    const query = { shop_id: this.shopId };
    const flow = await this.create.run(() =>
      template
        ? must(
            api.POST('/api/bot/flows/import/', {
              params: { query },
              body: {
                bot_id: Number(bot),
                flow: templateDocument(
                  template as TemplateId,
                  form ? Number(form) : null,
                  name.trim(),
                ),
              },
            }),
          )
        : must(
            api.POST('/api/bot/flows/', { params: { query }, body: { bot_id: Number(bot), name } }),
          ),
    );
    if (!flow) return focusFirstInvalid(this);
    this.announce(t('scn.created', { name: flow.name }));
    this.open(flow.id);
  };

  private onImport = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const file = data.get('file');
    const flow = await this.importing.run(async () => {
      if (!(file instanceof File) || !file.size)
        throw new ApiFailure(400, t('scn.importNoFile'), { file: [t('scn.importNoFile')] });
      let doc: unknown;
      try {
        doc = JSON.parse(await file.text());
      } catch {
        throw new ApiFailure(400, t('scn.importNotJson'), { file: [t('scn.importNotJson')] });
      }
      const name = String(data.get('name') ?? '').trim();
      return must(
        this.ctx.api.POST('/api/bot/flows/import/', {
          params: { query: { shop_id: this.shopId } },
          body: {
            bot_id: Number(data.get('bot')),
            ...(name ? { name } : {}),
            flow: doc as Schemas['FlowDocument'],
          },
        }),
      );
    });
    if (!flow) return focusFirstInvalid(this);
    this.announce(t('scn.imported', { name: flow.name }));
    this.open(flow.id);
  };

  private renderList(data: NonNullable<TpcScenariosPage['data']['value']>) {
    const botName = new Map(data.bots.map((b) => [b.id, b.name]));
    const welcome = new Set(data.bots.map((b) => b.welcome_flow_id));
    return data.flows.length
      ? dataTable({
          id: 'flows',
          caption: t('scn.listCaption'),
          columns: [t('scn.colName'), t('scn.colBot'), t('scn.colStart'), t('scn.colUpdated')],
          rows: data.flows.map(
            (f) =>
              html`<tr>
                <td><a href=${this.ctx.link('scenarios', [f.id])}>${f.name}</a></td>
                <td>${botName.get(f.bot_id) ?? `#${f.bot_id}`}</td>
                <td>
                  ${welcome.has(f.id) ? html`<span class="badge ok">${t('scn.runsOnStart')}</span>` : '—'}
                </td>
                <td>${formatDate(f.updated_at, 'short')}</td>
              </tr>`,
          ),
        })
      : html`<p>${t('scn.noFlows')}</p>`;
  }

  private botOptions(bots: Bot[]) {
    return bots.map((b) => [String(b.id), `${b.name} (${b.bot_type})`] as const);
  }

  private renderNew(bots: Bot[], forms: Schemas['Form'][]) {
    const failure = this.create.failure;
    const wantsForm = this.template && needsForm(this.template);
    return html`<form class="card" aria-labelledby="new-h" @submit=${this.onCreate} novalidate>
      <h2 id="new-h">${t('scn.newTitle')}</h2>
      ${failureAlert(failure, ['name', 'bot_id', 'flow'])}
      ${inputField({ id: 'new-name', name: 'name', label: t('scn.flowName'), failure, required: !this.template, hint: this.template ? t('scn.nameFromTemplate') : '' })}
      ${selectField({ id: 'new-bot', name: 'bot', label: t('scn.bot'), options: this.botOptions(bots), failure, errorKey: 'bot_id', required: true })}
      <fieldset>
        <legend>${t('scn.startFrom')}</legend>
        <div class="choices">
          ${(['', ...TEMPLATE_IDS] as const).map(
            (id) =>
              html`<label>
                <input
                  type="radio"
                  name="template"
                  value=${id}
                  .checked=${this.template === id}
                  ?disabled=${!!id && needsForm(id) && !forms.length}
                  @change=${() => (this.template = id)}
                />
                ${id ? templateName(id) : t('scn.empty')}
              </label>`,
          )}
        </div>
        ${forms.length ? nothing : html`<p class="hint">${t('scn.templatesNeedForm')} <a href=${this.ctx.link('forms', ['new'])}>${t('scn.createForm')}</a></p>`}
      </fieldset>
      ${
        wantsForm
          ? selectField({
              id: 'new-form',
              name: 'form',
              label: t('scn.leadForm'),
              hint: t('scn.leadFormHint'),
              options: forms.map((f) => [String(f.id), f.name] as const),
              failure,
              errorKey: 'flow',
            })
          : nothing
      }
      <button type="submit" class="primary" ?disabled=${this.create.busy}>
        ${t('scn.create')}
      </button>
    </form>`;
  }

  private renderImport(bots: Bot[]) {
    const failure = this.importing.failure;
    return html`<form class="card" aria-labelledby="import-h" @submit=${this.onImport} novalidate>
      <h2 id="import-h">${t('scn.importTitle')}</h2>
      <p class="muted small">${t('scn.importHelp')}</p>
      ${failureAlert(failure, ['file', 'bot_id', 'name'])}
      ${inputField({ id: 'import-file', name: 'file', type: 'file', label: t('scn.importFile'), failure, required: true })}
      ${selectField({ id: 'import-bot', name: 'bot', label: t('scn.bot'), options: this.botOptions(bots), failure, errorKey: 'bot_id', required: true })}
      ${inputField({ id: 'import-name', name: 'name', label: t('scn.importName'), hint: t('scn.importNameHint'), failure })}
      <button type="submit" ?disabled=${this.importing.busy}>${t('scn.import')}</button>
    </form>`;
  }

  private renderEditor() {
    const view =
      this.ctx.query.get('view') === 'outline' ||
      (!this.ctx.query.get('view') && matchMedia('(max-width: 48rem)').matches)
        ? 'outline'
        : 'canvas';
    return html`<nav class="crumbs" aria-label=${t('scn.crumbs')}>
        <a href=${this.ctx.link('scenarios')}>${t('scn.allFlows')}</a>
      </nav>
      ${keyed(
        `${this.shopId}/${this.flowId}`,
        html`<tpc-flow-editor
          .api=${this.ctx.api}
          .shopId=${this.shopId}
          .flowId=${this.flowId}
          .view=${view}
          @tpc-view=${(e: CustomEvent<string>) =>
            navigate(this.ctx.link('scenarios', [this.flowId], { view: e.detail }), {
              replace: true,
            })}
        ></tpc-flow-editor>`,
      )}`;
  }

  private renderIndex() {
    const data = this.data.value;
    if (!data)
      return html`${failureAlert(this.data.failure)}
        <p class="muted" role="status">${t('common.loading')}</p>`;
    return html`<p class="muted">${t('scn.intro')}</p>
      ${this.renderList(data)}
      ${
        data.bots.length
          ? html`<div class="forms">
              ${this.renderNew(data.bots, data.forms)} ${this.renderImport(data.bots)}
            </div>`
          : html`<p class="notice info">
              ${t('scn.needsBot')} <a href=${this.ctx.link('channels')}>${t('nav.channels')}</a>
            </p>`
      }`;
  }

  override render() {
    return html`<h1 tabindex="-1">${this.flowId ? t('scn.editorTitle') : t('nav.scenarios')}</h1>
      ${this.flowId ? this.renderEditor() : this.renderIndex()}`;
  }
}
define('tpc-scenarios-page', TpcScenariosPage);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-scenarios-page': TpcScenariosPage;
  }
}
