import { css, html, nothing, type TemplateResult } from 'lit';
import { ApiFailure, must, type Schemas } from '../api/client.js';
import { define } from '../app/element.js';
import { PageElement } from '../app/page.js';
import { Action, Resource } from '../app/resource.js';
import { t, tn } from '../i18n/i18n.js';
import {
  failureAlert,
  focusFirstInvalid,
  formValues,
  inputField,
  textareaField,
} from '../ui/fields.js';
import { originsOf } from '../ui/key-created.js';
import { shared } from '../ui/styles.js';

type State = {
  /** null: the person may not list keys (a manager). */
  keys: Schemas['ShopKey'][] | null;
  bots: Schemas['Bot'][];
  channels: Schemas['NotificationChannel'][];
  forms: Schemas['Form'][];
  leads: number;
};

/**
 * Getting started: five steps from an empty shop to a first lead, each computed from the
 * shop's state through the API and each linking to where it is done. The first (a
 * publishable key and the embed snippet) is done right here.
 */
export class TpcStartPage extends PageElement {
  static override styles = [
    shared,
    css`
      ol.steps {
        list-style: none;
        margin: 1rem 0 0;
        padding: 0;
        counter-reset: step;
      }
      ol.steps > li {
        counter-increment: step;
        position: relative;
        padding: 1rem 1rem 1rem 3.5rem;
        margin-bottom: 1rem;
        background: var(--tpc-surface);
        border: 1px solid var(--tpc-line);
        border-radius: var(--tpc-radius);
      }
      ol.steps > li::before {
        content: counter(step);
        position: absolute;
        left: 1rem;
        top: 1rem;
        width: 1.75rem;
        height: 1.75rem;
        display: grid;
        place-items: center;
        border-radius: 50%;
        font-weight: 700;
        background: var(--tpc-surface-2);
      }
      ol.steps > li.done::before {
        content: '✓';
        color: var(--tpc-success-soft);
        background: var(--tpc-success);
      }
      ol.steps h2 {
        margin: 0 0 0.5rem;
        font-size: 1.1rem;
      }
      progress {
        width: 100%;
        max-width: 24rem;
        height: 0.6rem;
        accent-color: var(--tpc-accent);
      }
      form {
        margin-top: 0.75rem;
        max-width: 36rem;
      }
    `,
  ];

  private readonly state = new Resource<State>(
    this,
    () => this.load(),
    () => this.shopId,
  );
  private readonly keyAction = new Action(this);
  private created?: Schemas['CreatedShopKey'];

  private async load(): Promise<State> {
    const { api } = this.ctx;
    const query = { shop_id: this.shopId, limit: 100 };
    const keys = must(api.GET('/api/shop/keys/', { params: { query } })).then(
      (page) => page.results,
      (err) => {
        if (err instanceof ApiFailure && err.status === 403) return null;
        throw err;
      },
    );
    const [k, bots, channels, forms, leads] = await Promise.all([
      keys,
      must(api.GET('/api/bot/bots/', { params: { query } })),
      must(api.GET('/api/notifications/channels/', { params: { query } })),
      must(api.GET('/api/store/forms/', { params: { query } })),
      must(api.GET('/api/store/leads/', { params: { query: { shop_id: this.shopId, limit: 1 } } })),
    ]);
    return {
      keys: k,
      bots: bots.results,
      channels: channels.results,
      forms: forms.results,
      leads: leads.count,
    };
  }

  private onCreateKey = async (e: SubmitEvent) => {
    const { name, origins } = formValues(e);
    const key = await this.keyAction.run(() =>
      must(
        this.ctx.api.POST('/api/shop/keys/', {
          body: {
            shop_id: this.shopId,
            kind: 'publishable',
            name: name || t('start.keyDefaultName'),
            allowed_origins: originsOf(origins),
          },
        }),
      ),
    );
    if (!key) return void focusFirstInvalid(this);
    this.created = key;
    this.announce(t('key.created', { name: key.name }));
    await this.state.reload();
  };

  private step(
    done: boolean,
    title: string,
    text: string,
    action: TemplateResult | typeof nothing,
  ): TemplateResult {
    return html`<li class=${done ? 'done' : 'todo'}>
      <h2>
        ${title}
        <span class="badge ${done ? 'ok' : ''}">${done ? t('start.done') : t('start.todo')}</span>
      </h2>
      <p>${text}</p>
      ${action}
    </li>`;
  }

  private keyStep(s: State) {
    const { link } = this.ctx;
    const publishable = s.keys?.filter((k) => k.kind === 'publishable') ?? [];
    const done = publishable.length > 0;
    const failure = this.keyAction.failure;
    let action: TemplateResult;
    // Keys are the owners' (DESIGN.md "Roles"): a manager is told who makes them.
    if (s.keys === null || !this.isOwner)
      action = html`<p class="muted">${t('start.keyOwnersOnly')}</p>`;
    else
      action = html`${
          this.created
            ? html`<tpc-key-created
                .key=${this.created}
                form=${s.forms[0]?.name ?? 'callback'}
              ></tpc-key-created>`
            : nothing
        }
        ${failureAlert(failure, ['name', 'allowed_origins'])}
        <form @submit=${this.onCreateKey} novalidate aria-label=${t('start.keyForm')}>
          ${textareaField({
            id: 'origins',
            name: 'origins',
            errorKey: 'allowed_origins',
            label: t('start.keyOrigins'),
            hint: t('start.keyOriginsHint'),
            rows: 2,
            failure,
          })}
          ${inputField({
            id: 'key-name',
            name: 'name',
            label: t('start.keyName'),
            placeholder: t('start.keyDefaultName'),
            failure,
          })}
          <div class="row">
            <button class="primary" type="submit">${t('start.keyCreate')}</button>
            ${done ? html`<a href=${link('keys')}>${t('start.keyManage')}</a>` : nothing}
          </div>
        </form>`;
    return this.step(done, t('start.keyTitle'), t('start.keyText'), action);
  }

  override render() {
    // One outer template whatever the state, so the focused heading is never replaced.
    return html`<h1 tabindex="-1">${t('start.title')}</h1>
      ${this.renderSteps()}`;
  }

  private renderSteps() {
    const { link } = this.ctx;
    const s = this.state.value;
    if (!s)
      return this.state.failure
        ? failureAlert(this.state.failure)
        : html`<p class="muted">${t('common.loading')}</p>`;
    const bots = s.bots.filter((b) => b.bot_type !== 'web');
    const done = [
      (s.keys ?? []).some((k) => k.kind === 'publishable'),
      bots.length > 0,
      s.channels.length > 0,
      s.forms.length > 0,
      s.leads > 0,
    ];
    const count = done.filter(Boolean).length;
    return html`<p id="progress-label">
        ${t('start.progress', { done: count, total: done.length })}
      </p>
      <progress max=${done.length} value=${count} aria-labelledby="progress-label"></progress>
      ${failureAlert(this.state.failure)}
      <ol class="steps">
        ${this.keyStep(s)}
        ${this.step(
          done[1],
          t('start.botTitle'),
          done[1] ? tn('start.botDone', bots.length) : t('start.botText'),
          html`<a href=${link('channels')}>${t('start.botLink')}</a>`,
        )}
        ${this.step(
          done[2],
          t('start.alertTitle'),
          done[2] ? tn('start.alertDone', s.channels.length) : t('start.alertText'),
          html`<a href=${link('channels', [], { add: 'alert' })}>${t('start.alertLink')}</a>`,
        )}
        ${this.step(
          done[3],
          t('start.formTitle'),
          done[3] ? tn('start.formDone', s.forms.length) : t('start.formText'),
          html`<a href=${done[3] ? link('forms') : link('forms', ['new'])}
            >${done[3] ? t('start.formLinkList') : t('start.formLink')}</a
          >`,
        )}
        ${this.step(
          done[4],
          t('start.leadTitle'),
          done[4] ? tn('start.leadDone', s.leads) : t('start.leadText'),
          html`<div class="row">
            <a href=${link('leads')}>${t('start.leadLink')}</a>
            <button type="button" @click=${() => this.state.reload()}>${t('start.check')}</button>
          </div>`,
        )}
      </ol>`;
  }
}

define('tpc-start-page', TpcStartPage);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-start-page': TpcStartPage;
  }
}
