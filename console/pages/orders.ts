import { css, html, nothing } from 'lit';
import { must, type Schemas } from '../api/client.js';
import { define } from '../app/element.js';
import { PageElement } from '../app/page.js';
import { Action, Resource } from '../app/resource.js';
import { navigate } from '../app/router.js';
import { formatDate, formatMoney, t, tn } from '../i18n/i18n.js';
import { failureAlert, focusFirstInvalid, formValues, inputField } from '../ui/fields.js';
import { pager } from '../ui/pager.js';
import { shared } from '../ui/styles.js';
import { dataTable } from '../ui/table.js';
import './order-templates.js';

type Order = Schemas['Order'];

const PAGE = 20;
/** Statuses offered as suggestions; a shop's backend may use any slug (DESIGN.md "orders"). */
const COMMON_STATUSES = ['new', 'paid', 'shipped', 'delivered', 'cancelled'];

/**
 * Orders: the list (status and text filters) and an order's detail: customer, items,
 * status history, the buyers following it; a status change shows what the API answered
 * (the new status and how many subscribers the relay tells). `orders/templates`: what buyers
 * hear per status, edited with a preview (tpc-order-templates).
 */
export class TpcOrdersPage extends PageElement {
  static override styles = [
    shared,
    css`
      td.num {
        text-align: right;
        white-space: nowrap;
      }
      ol.history {
        margin: 0;
        padding-left: 1.25rem;
      }
    `,
  ];

  private readonly list = new Resource(
    this,
    async () =>
      this.orderId || this.templates
        ? undefined
        : must(
            this.ctx.api.GET('/api/store/orders/', {
              params: {
                query: {
                  shop_id: this.shopId,
                  status: this.q('status') || undefined,
                  search: this.q('search') || undefined,
                  limit: PAGE,
                  offset: (this.page - 1) * PAGE,
                },
              },
            }),
          ),
    () => [this.shopId, this.orderId, this.q('status'), this.q('search'), this.page],
  );
  private readonly order = new Resource(
    this,
    async () =>
      this.orderId
        ? must(
            this.ctx.api.GET('/api/store/orders/{id}/', {
              params: { path: { id: this.orderId }, query: { shop_id: this.shopId } },
            }),
          )
        : undefined,
    () => [this.shopId, this.orderId],
  );
  private readonly change = new Action(this);
  /** What the last status change answered, said in words next to the form. */
  private answer = { id: 0, text: '' };

  private q(name: string) {
    return this.ctx.query.get(name) ?? '';
  }

  private get page() {
    return Math.max(1, Number(this.q('page')) || 1);
  }

  private get templates() {
    return this.ctx.rest[0] === 'templates';
  }

  private get orderId(): number | null {
    const id = Number(this.ctx.rest[0]);
    return Number.isInteger(id) && id > 0 ? id : null;
  }

  private onFilter = (e: SubmitEvent) => {
    const { status, search } = formValues(e);
    navigate(this.ctx.link('orders', [], { status: status.trim(), search: search.trim() }));
  };

  private onStatus = async (e: SubmitEvent) => {
    const { status } = formValues(e);
    this.answer = { id: 0, text: '' };
    const order = await this.change.run(() =>
      must(
        this.ctx.api.PATCH('/api/store/orders/{id}/', {
          params: { path: { id: this.orderId! }, query: { shop_id: this.shopId } },
          body: { status: status.trim() },
        }),
      ),
    );
    if (!order) return void focusFirstInvalid(this);
    this.order.value = order;
    const text = `${t('order.statusNow', { status: order.status })} ${tn(
      'order.subscribersTold',
      order.subscribers_count,
    )}`;
    this.answer = { id: order.id, text };
    this.announce(text);
    this.requestUpdate();
  };

  private renderList() {
    const data = this.list.value;
    const { link } = this.ctx;
    const pages = data ? Math.max(1, Math.ceil(data.count / PAGE)) : 1;
    const at = (page: number) =>
      link('orders', [], {
        status: this.q('status'),
        search: this.q('search'),
        page: page > 1 ? page : '',
      });
    return html`<div class="spread">
        <h1 tabindex="-1">${t('orders.title')}</h1>
        <div class="row">
          <a class="button" href=${link('orders', ['templates'])}>${t('templates.title')}</a>
          <button type="button" @click=${() => this.list.reload()}>${t('common.refresh')}</button>
        </div>
      </div>
      <form class="inline-form card" role="search" @submit=${this.onFilter}>
        ${inputField({
          id: 'o-status',
          name: 'status',
          label: t('orders.status'),
          value: this.q('status'),
          placeholder: 'shipped',
        })}
        ${inputField({
          id: 'o-search',
          name: 'search',
          type: 'search',
          label: t('orders.search'),
          value: this.q('search'),
        })}
        <button type="submit">${t('orders.apply')}</button>
      </form>
      ${failureAlert(this.list.failure)}
      <p class="muted" role="status">
        ${data ? tn('orders.count', data.count) : t('common.loading')}
      </p>
      ${
        data?.results.length
          ? dataTable({
              id: 'orders',
              caption: t('orders.title'),
              columns: [
                t('orders.colNumber'),
                t('orders.colCustomer'),
                t('orders.colTotal'),
                t('orders.colStatus'),
                t('orders.colFollowers'),
                t('orders.colDate'),
              ],
              rows: data.results.map(
                (o) =>
                  html`<tr>
                    <td><a href=${link('orders', [o.id])}>#${o.number}</a></td>
                    <td>${o.customer.name || o.customer.email || o.customer.phone || '—'}</td>
                    <td class="num">${formatMoney(o.total, o.currency)}</td>
                    <td><span class="badge">${o.status}</span></td>
                    <td class="num">${o.subscribers_count}</td>
                    <td>${formatDate(o.created_at, 'short')}</td>
                  </tr>`,
              ),
            })
          : data
            ? html`<p class="card">${t('orders.empty')}</p>`
            : nothing
      }
      ${pager(this.page, pages, at)}`;
  }

  private renderDetail(o: Order) {
    const failure = this.change.failure;
    return html`<div class="stack">
      <form
        class="card inline-form"
        @submit=${this.onStatus}
        novalidate
        aria-label=${t('order.statusForm')}
      >
        ${inputField({
          id: 'order-status',
          name: 'status',
          label: t('order.status'),
          value: o.status,
          hint: t('order.statusHint'),
          list: 'statuses',
          failure,
        })}
        <datalist id="statuses">
          ${COMMON_STATUSES.map((s) => html`<option value=${s}></option>`)}
        </datalist>
        <button class="primary" type="submit">${t('order.changeStatus')}</button>
      </form>
      ${failureAlert(failure, ['status'])}
      ${this.answer.id === o.id ? html`<p class="notice ok">${this.answer.text}</p>` : nothing}
      <section class="card" aria-labelledby="h-customer">
        <h2 id="h-customer">${t('order.customer')}</h2>
        <dl class="props">
          <dt>${t('order.name')}</dt>
          <dd>${o.customer.name || '—'}</dd>
          <dt>${t('order.phone')}</dt>
          <dd>${o.customer.phone || '—'}</dd>
          <dt>${t('order.email')}</dt>
          <dd>${o.customer.email || '—'}</dd>
          <dt>${t('order.followers')}</dt>
          <dd>${tn('order.followersCount', o.subscribers_count)}</dd>
          <dt>${t('order.optinRef')}</dt>
          <dd><code>${o.optin_ref}</code></dd>
        </dl>
      </section>
      <section>
        <h2 id="h-items">${t('order.items')}</h2>
        <div class="table-wrap" role="region" aria-labelledby="h-items" tabindex="0">
          <table>
            <thead>
              <tr>
                <th scope="col">${t('order.item')}</th>
                <th scope="col">SKU</th>
                <th scope="col">${t('order.qty')}</th>
                <th scope="col">${t('order.price')}</th>
              </tr>
            </thead>
            <tbody>
              ${o.items.map(
                (i) =>
                  html`<tr>
                    <td>${i.name}</td>
                    <td>${i.sku}</td>
                    <td class="num">${i.qty}</td>
                    <td class="num">${formatMoney(i.price, o.currency)}</td>
                  </tr>`,
              )}
              <tr>
                <th scope="row" colspan="3">${t('order.total')}</th>
                <td class="num"><strong>${formatMoney(o.total, o.currency)}</strong></td>
              </tr>
            </tbody>
          </table>
        </div>
      </section>
      <section class="card" aria-labelledby="h-history">
        <h2 id="h-history">${t('order.history')}</h2>
        <ol class="history">
          ${o.status_history.map(
            (h) => html`<li><strong>${h.status}</strong> · ${formatDate(h.at, 'short')}</li>`,
          )}
        </ol>
      </section>
    </div>`;
  }

  override render() {
    if (this.templates)
      return html`<p><a href=${this.ctx.link('orders')}>${t('order.back')}</a></p>
        <h1 tabindex="-1">${t('templates.title')}</h1>
        <tpc-order-templates
          .api=${this.ctx.api}
          .shopId=${this.shopId}
          ?canEdit=${this.isOwner}
        ></tpc-order-templates>`;
    if (!this.orderId) return this.renderList();
    const o = this.order.value;
    return html`<p><a href=${this.ctx.link('orders')}>${t('order.back')}</a></p>
      <h1 tabindex="-1">${o ? t('order.title', { number: o.number }) : t('order.loadingTitle')}</h1>
      ${
        o
          ? this.renderDetail(o)
          : this.order.failure
            ? failureAlert(this.order.failure)
            : html`<p class="muted">${t('common.loading')}</p>`
      }`;
  }
}

define('tpc-orders-page', TpcOrdersPage);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-orders-page': TpcOrdersPage;
  }
}
