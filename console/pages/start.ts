import { css, html, nothing, type TemplateResult } from 'lit';
import { ApiFailure, must, type Schemas } from '../api/client.js';
import { define } from '../app/element.js';
import { subscribe } from '../app/live.js';
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
import '../ui/alert-groups.js';
import '../ui/connect-bot.js';
import { ALERT_BOTS } from '../ui/alert-groups.js';
import { originsOf } from '../ui/key-created.js';
import { shared } from '../ui/styles.js';

type State = {
  /** null: the person may not list keys (a manager). */
  keys: Schemas['ShopKey'][] | null;
  bots: Schemas['Bot'][];
  channels: Schemas['NotificationChannel'][];
  forms: Schemas['Form'][];
  leads: number;
  /** The newest lead, once there is one. */
  lead: Schemas['Lead'] | null;
};

/**
 * Getting started: five steps from an empty shop to a first lead, each computed from the
 * shop's state through the API and done right here where it can be: a publishable key and
 * its snippet; a messenger bot connected by its token (or the demo's sandbox bot); the
 * managers' group the bot was added to, picked by title (the relay noticed the bot join),
 * with a test alert; the form (with its live preview on the forms page); the first lead,
 * which ticks the last step as it arrives (the live event stream).
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
      ul.bots {
        list-style: none;
        margin: 0 0 0.5rem;
        padding: 0;
      }
      ul.bots li {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 0.5rem;
        align-items: center;
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
  private unsubscribe?: () => void;
  private liveShop = 0;

  override willUpdate() {
    if (this.liveShop === this.shopId) return;
    this.unsubscribe?.();
    this.liveShop = this.shopId;
    this.unsubscribe = subscribe(this.shopId, ['lead.created'], () => {
      const first = this.state.value?.leads === 0;
      void this.state.reload().then(() => {
        if (first && this.state.value?.lead)
          this.announce(t('start.firstLead', { name: leadName(this.state.value.lead) }));
      });
    });
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.unsubscribe?.();
    this.liveShop = 0;
  }

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
      lead: leads.results[0] ?? null,
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

  /** Step 2: a messenger bot, connected here (owners: tpc-connect-bot), with its name and status. */
  private botStep(s: State, bots: Schemas['Bot'][], done: boolean) {
    const list = bots.length
      ? html`<ul class="bots">
          ${bots.map(
            (b) =>
              html`<li>
                <strong>${b.name}</strong>
                ${b.tg_bot_nickname ? html`<span class="muted">@${b.tg_bot_nickname}</span>` : nothing}
                <span class="badge ${b.status === 'active' ? 'ok' : 'warn'}"
                  >${t(`botStatus.${b.status}`)}</span
                >
              </li>`,
          )}
        </ul>`
      : nothing;
    const connect = this.isOwner
      ? html`<tpc-connect-bot
          .api=${this.ctx.api}
          .shopId=${this.shopId}
          ?sandbox=${this.ctx.shop.demo && !bots.some((b) => b.bot_type === 'sandbox')}
          @tpc-bot-connected=${() => this.state.reload()}
          ><a href=${this.ctx.link('channels')}>${t('start.botLink')}</a></tpc-connect-bot
        >`
      : html`<p class="muted">${t('bots.ownersConnect')}</p>`;
    return this.step(
      done,
      t('start.botTitle'),
      done ? tn('start.botDone', bots.length) : t('start.botText'),
      html`${list} ${done && s.channels.length ? nothing : connect}`,
    );
  }

  /** Step 3: the managers' group the bot was added to, picked by title, and a test alert. */
  private alertStep(s: State, done: boolean) {
    const senders = s.bots.filter((b) => ALERT_BOTS.has(b.bot_type));
    return this.step(
      done,
      t('start.alertTitle'),
      done ? tn('start.alertDone', s.channels.length) : t('start.alertText'),
      senders.length
        ? html`<tpc-alert-groups
              .api=${this.ctx.api}
              .shopId=${this.shopId}
              .bots=${senders}
              .channels=${s.channels}
              ?canManage=${this.isOwner}
              @tpc-channels-changed=${() => this.state.reload()}
            ></tpc-alert-groups>
            <p class="small">
              <a href=${this.ctx.link('channels', [], { add: 'alert' })}>${t('start.alertLink')}</a>
            </p>`
        : html`<p class="muted">${t('alerts.needBot')}</p>`,
    );
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
        ${this.keyStep(s)} ${this.botStep(s, bots, done[1])} ${this.alertStep(s, done[2])}
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
          s.lead
            ? t('start.leadArrived', { name: leadName(s.lead), n: s.leads })
            : t('start.leadText'),
          html`<div class="row">
            ${
              s.lead
                ? html`<a href=${link('leads', [s.lead.id])}>${t('start.leadOpen')}</a>`
                : nothing
            }
            <a href=${link('leads')}>${t('start.leadLink')}</a>
          </div>`,
        )}
      </ol>`;
  }
}

/** What the checklist calls a lead: the person's name or a contact. */
const leadName = (lead: Schemas['Lead']) => {
  const f = lead.fields;
  const pick = (k: string) => (typeof f[k] === 'string' && f[k] ? String(f[k]) : '');
  return pick('name') || pick('email') || pick('phone') || `#${lead.id}`;
};

define('tpc-start-page', TpcStartPage);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-start-page': TpcStartPage;
  }
}
