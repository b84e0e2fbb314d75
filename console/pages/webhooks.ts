import { css, html, nothing } from 'lit';
import { allOf, must, type Schemas } from '../api/client.js';
import { define } from '../app/element.js';
import { PageElement } from '../app/page.js';
import { Action, Resource } from '../app/resource.js';
import { navigate } from '../app/router.js';
import { formatDate, t, tn } from '../i18n/i18n.js';
import { EVENTS, eventChecks, eventsOf } from '../ui/events.js';
import {
  failureAlert,
  focusFirstInvalid,
  formValues,
  inputField,
  selectField,
} from '../ui/fields.js';
import { pager } from '../ui/pager.js';
import { confirmButton } from '../ui/confirm.js';
import { shownOnce } from '../ui/once.js';
import { shared } from '../ui/styles.js';
import { dataTable } from '../ui/table.js';

type Endpoint = Schemas['WebhookEndpoint'];
type Delivery = Schemas['Delivery'];
type DeliveryStatus = Delivery['status'];
const STATUSES: readonly DeliveryStatus[] = ['queued', 'sending', 'sent', 'failed', 'dead'];
const PAGE = 20;

/**
 * Webhooks and deliveries: the shop's outgoing webhook endpoints (Standard Webhooks; the
 * signing secret shown once, at creation and at rotation) and every notification the relay
 * sends or tried to send (alerts, webhooks, buyer messages) with each attempt and a retry.
 * Endpoints are the owners'; deliveries and retries are everyone's (DESIGN.md "Roles").
 */
export class TpcWebhooksPage extends PageElement {
  static override styles = [
    shared,
    css`
      .narrow {
        max-width: 40rem;
      }
      td.num {
        text-align: right;
      }
      .attempts {
        margin: 0.5rem 0 0;
        padding-left: 1.25rem;
      }
    `,
  ];
  static override properties = { confirm: { state: true }, open: { state: true } };

  private confirm = '';
  /** Deliveries whose attempts are shown. */
  private open = new Set<number>();
  private secret?: { url: string; secret: string };
  private details = new Map<number, Schemas['DeliveryDetail']>();
  private readonly endpoints = new Resource(
    this,
    () =>
      allOf(this.shopId, (query) =>
        this.ctx.api.GET('/api/webhooks/endpoints/', { params: { query } }),
      ),
    () => this.shopId,
  );
  private readonly deliveries = new Resource(
    this,
    () =>
      must(
        this.ctx.api.GET('/api/notifications/deliveries/', {
          params: {
            query: {
              shop_id: this.shopId,
              status: (this.ctx.query.get('status') || undefined) as DeliveryStatus | undefined,
              limit: PAGE,
              offset: (this.page - 1) * PAGE,
            },
          },
        }),
      ),
    () => [this.shopId, this.ctx.query.get('status'), this.page],
  );
  private readonly create = new Action(this);
  private readonly endpointAction = new Action(this);
  private readonly deliveryAction = new Action(this);
  private acting = 0;

  private get page() {
    return Math.max(1, Number(this.ctx.query.get('page')) || 1);
  }

  private onCreate = async (e: SubmitEvent) => {
    const { url } = formValues(e);
    const form = e.target as HTMLFormElement;
    const created = await this.create.run(() =>
      must(
        this.ctx.api.POST('/api/webhooks/endpoints/', {
          body: { shop_id: this.shopId, url, events: eventsOf(form) },
        }),
      ),
    );
    if (!created) return void focusFirstInvalid(this);
    form.reset();
    this.secret = { url: created.url, secret: created.secret };
    this.announce(t('webhooks.created'));
    await this.endpoints.reload();
  };

  private endpointParams(id: number) {
    return { params: { path: { id }, query: { shop_id: this.shopId } } };
  }

  private async rotate(ep: Endpoint) {
    this.acting = ep.id;
    const rotated = await this.endpointAction.run(() =>
      must(
        this.ctx.api.POST(
          '/api/webhooks/endpoints/{id}/rotate_secret/',
          this.endpointParams(ep.id),
        ),
      ),
    );
    if (!rotated) return;
    this.secret = { url: rotated.url, secret: rotated.secret };
    this.announce(t('webhooks.rotated'));
    await this.endpoints.reload();
  }

  private async toggle(ep: Endpoint) {
    this.acting = ep.id;
    const done = await this.endpointAction.run(() =>
      must(
        this.ctx.api.PATCH('/api/webhooks/endpoints/{id}/', {
          ...this.endpointParams(ep.id),
          body: { enabled: !ep.enabled },
        }),
      ),
    );
    if (!done) return;
    this.announce(done.enabled ? t('webhooks.enabled') : t('webhooks.disabled'));
    await this.endpoints.reload();
  }

  private async removeEndpoint(ep: Endpoint) {
    this.acting = ep.id;
    const done = await this.endpointAction.run(() =>
      must(this.ctx.api.DELETE('/api/webhooks/endpoints/{id}/', this.endpointParams(ep.id))),
    );
    this.confirm = '';
    if (!done) return;
    this.announce(t('webhooks.deleted'));
    await this.endpoints.reload();
  }

  private async toggleAttempts(d: Delivery) {
    const open = new Set(this.open);
    if (open.has(d.id)) open.delete(d.id);
    else {
      open.add(d.id);
      this.acting = -d.id;
      const detail = await this.deliveryAction.run(() =>
        must(this.ctx.api.GET('/api/notifications/deliveries/{id}/', this.endpointParams(d.id))),
      );
      if (detail) this.details.set(d.id, detail);
    }
    this.open = open;
  }

  private async retry(d: Delivery) {
    this.acting = -d.id;
    const done = await this.deliveryAction.run(() =>
      must(
        this.ctx.api.POST('/api/notifications/deliveries/{id}/retry/', this.endpointParams(d.id)),
      ),
    );
    if (!done) return;
    this.details.delete(d.id);
    this.open = new Set([...this.open].filter((id) => id !== d.id));
    this.announce(t('deliveries.retried', { id: d.id }));
    await this.deliveries.reload();
  }

  private renderEndpoints() {
    const list = this.endpoints.value;
    const owner = this.isOwner;
    return html`<section>
      <h2 id="endpoints-h">${t('webhooks.endpoints')}</h2>
      <p>${t('webhooks.intro')}</p>
      ${failureAlert(this.endpoints.failure)}
      ${
        this.secret
          ? shownOnce({
              id: 'secret',
              title: html`<strong>${t('webhooks.secretFor', { url: this.secret.url })}</strong>`,
              value: this.secret.secret,
              copyLabel: t('webhooks.copySecret'),
            })
          : nothing
      }
      ${
        list?.length
          ? dataTable({
              id: 'endpoints',
              caption: t('webhooks.endpoints'),
              columns: [t('alerts.url'), t('alerts.colEvents'), t('alerts.colState'), ''],
              rows: list.map(
                (ep) =>
                  html`<tr>
                    <td class="mono">${ep.url}</td>
                    <td>${ep.events.map((e) => html`<span class="badge">${e}</span> `)}</td>
                    <td>
                      <span class="badge ${ep.enabled ? 'ok' : 'warn'}"
                        >${ep.enabled ? t('alerts.on') : t('alerts.off')}</span
                      >
                      ${ep.disabled_reason ? html`<span class="small">${ep.disabled_reason}</span>` : nothing}
                      ${
                        ep.failing_since
                          ? html`<span class="small muted"
                              >${t('webhooks.failingSince', { at: formatDate(ep.failing_since, 'short') })}</span
                            >`
                          : nothing
                      }
                    </td>
                    <td>
                      ${this.acting === ep.id ? failureAlert(this.endpointAction.failure) : nothing}
                      ${
                        owner
                          ? html`<div class="row">
                              <button type="button" @click=${() => this.toggle(ep)}>
                                ${ep.enabled ? t('alerts.pause') : t('alerts.resume')}
                              </button>
                              <button type="button" @click=${() => this.rotate(ep)}>
                                ${t('webhooks.rotate')}
                              </button>
                              ${confirmButton({
                                open: this.confirm === `ep-${ep.id}`,
                                label: t('common.delete'),
                                ask: () => (this.confirm = `ep-${ep.id}`),
                                yes: () => this.removeEndpoint(ep),
                                cancel: () => (this.confirm = ''),
                              })}
                            </div>`
                          : nothing
                      }
                    </td>
                  </tr>`,
              ),
            })
          : list
            ? html`<p class="card">${t('webhooks.empty')}</p>`
            : html`<p class="muted">${t('common.loading')}</p>`
      }
      ${owner ? this.renderCreate() : html`<p class="muted">${t('webhooks.ownersOnly')}</p>`}
    </section>`;
  }

  private renderCreate() {
    const failure = this.create.failure;
    return html`<form
      class="card narrow"
      @submit=${this.onCreate}
      novalidate
      aria-labelledby="new-ep-h"
    >
      <h3 id="new-ep-h">${t('webhooks.newTitle')}</h3>
      ${failureAlert(failure, ['url', 'events'])}
      ${inputField({
        id: 'ep-url',
        name: 'url',
        type: 'url',
        label: t('alerts.url'),
        hint: t('webhooks.urlHint'),
        required: true,
        failure,
      })}
      ${eventChecks('ep-ev', EVENTS, ['lead.created'], failure)}
      <button class="primary" type="submit">${t('webhooks.create')}</button>
    </form>`;
  }

  private renderAttempts(d: Delivery) {
    const detail = this.details.get(d.id);
    if (!detail) return nothing;
    return html`<ol class="attempts">
      ${
        detail.attempt_log.length
          ? detail.attempt_log.map(
              (a) =>
                html`<li>
                  ${formatDate(a.started_at, 'short')} · ${a.outcome} · ${a.duration_ms} ms
                  ${a.error ? html`· <span class="mono">${a.error}</span>` : nothing}
                </li>`,
            )
          : html`<li>${t('deliveries.noAttempts')}</li>`
      }
    </ol>`;
  }

  private renderDeliveries() {
    const data = this.deliveries.value;
    const status = this.ctx.query.get('status') ?? '';
    const pages = data ? Math.max(1, Math.ceil(data.count / PAGE)) : 1;
    const at = (page: number) =>
      this.ctx.link('webhooks', [], { status, page: page > 1 ? page : '' });
    return html`<section>
      <div class="spread">
        <h2 id="deliveries-h">${t('deliveries.title')}</h2>
        <button type="button" @click=${() => this.deliveries.reload()}>
          ${t('common.refresh')}
        </button>
      </div>
      <p>${t('deliveries.intro')}</p>
      <form
        class="inline-form"
        @submit=${(e: Event) => e.preventDefault()}
        aria-label=${t('deliveries.filter')}
      >
        ${selectField({
          id: 'd-status',
          name: 'status',
          label: t('deliveries.status'),
          value: status,
          options: [
            ['', t('deliveries.any')],
            ...STATUSES.map((s) => [s, t(`deliveryStatus.${s}`)] as const),
          ],
          onChange: (e) =>
            navigate(
              this.ctx.link('webhooks', [], { status: (e.target as HTMLSelectElement).value }),
            ),
        })}
      </form>
      ${failureAlert(this.deliveries.failure)}
      ${this.acting < 0 ? failureAlert(this.deliveryAction.failure) : nothing}
      <p class="muted" role="status">
        ${data ? tn('deliveries.count', data.count) : t('common.loading')}
      </p>
      ${
        data?.results.length
          ? dataTable({
              id: 'deliveries',
              caption: t('deliveries.title'),
              columns: [
                '#',
                t('deliveries.event'),
                t('deliveries.status'),
                t('deliveries.attempts'),
                t('deliveries.when'),
                '',
              ],
              rows: data.results.map(
                (d) =>
                  html`<tr>
                    <td class="num">${d.id}</td>
                    <td>${d.event} <span class="small muted">${d.kind}</span></td>
                    <td>
                      <span
                        class="badge ${d.status === 'sent' ? 'ok' : d.status === 'dead' || d.status === 'failed' ? 'bad' : ''}"
                        >${t(`deliveryStatus.${d.status}`)}</span
                      >
                      ${d.last_error ? html`<span class="small mono">${d.last_error}</span>` : nothing}
                    </td>
                    <td class="num">${d.attempts}/${d.max_attempts}</td>
                    <td>${formatDate(d.updated_at, 'short')}</td>
                    <td>
                      <div class="row">
                        <button
                          type="button"
                          aria-expanded=${this.open.has(d.id) ? 'true' : 'false'}
                          aria-controls=${`att-${d.id}`}
                          @click=${() => this.toggleAttempts(d)}
                        >
                          ${t('deliveries.showAttempts', { id: d.id })}
                        </button>
                        ${
                          d.status === 'failed' || d.status === 'dead'
                            ? html`<button type="button" @click=${() => this.retry(d)}>
                                ${t('deliveries.retry', { id: d.id })}
                              </button>`
                            : nothing
                        }
                      </div>
                      <div id=${`att-${d.id}`} ?hidden=${!this.open.has(d.id)}>
                        ${this.open.has(d.id) ? this.renderAttempts(d) : nothing}
                      </div>
                    </td>
                  </tr>`,
              ),
            })
          : data
            ? html`<p class="card">${t('deliveries.empty')}</p>`
            : nothing
      }
      ${pager(this.page, pages, at)}
    </section>`;
  }

  override render() {
    return html`<h1 tabindex="-1">${t('webhooks.title')}</h1>
      ${this.renderEndpoints()} ${this.renderDeliveries()}`;
  }
}

define('tpc-webhooks-page', TpcWebhooksPage);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-webhooks-page': TpcWebhooksPage;
  }
}
