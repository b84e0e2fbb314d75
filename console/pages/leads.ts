import { css, html, nothing } from 'lit';
import { must, type Schemas } from '../api/client.js';
import { define } from '../app/element.js';
import { onLiveState, subscribe, type LiveState } from '../app/live.js';
import { PageElement } from '../app/page.js';
import { Action, Resource } from '../app/resource.js';
import { navigate } from '../app/router.js';
import { formatDate, t, tn } from '../i18n/i18n.js';
import { toCsv, download } from '../ui/csv.js';
import { failureAlert, selectField } from '../ui/fields.js';
import { pager } from '../ui/pager.js';
import { shared } from '../ui/styles.js';
import { dataTable } from '../ui/table.js';

type Lead = Schemas['Lead'];
type LeadStatus = Lead['status'];
export const LEAD_STATUSES: readonly LeadStatus[] = ['new', 'in_progress', 'done', 'rejected'];

const PAGE = 20;
/** How far a date filter scans (newest first) while the API has no date parameters. */
const SCAN_MAX = 2000;

type Filters = {
  status: string;
  form: string;
  from: string;
  to: string;
  spam: boolean;
  page: number;
};

/** The person's name, else a contact, else nothing: what a list row calls a lead. */
export const leadTitle = (lead: Lead) => {
  const f = lead.fields;
  const pick = (k: string) => (typeof f[k] === 'string' && f[k] ? String(f[k]) : '');
  return pick('name') || pick('email') || pick('phone') || t('leads.noName');
};

const statusLabel = (s: LeadStatus) => t(`leadStatus.${s}`);

/**
 * Leads: the list with filters (status, form, date, spam) kept in the URL, a lead's detail
 * (fields, page, UTM, consent, the person), its status, release from spam, and a CSV of the
 * filtered list. New leads appear as they arrive (the relay's event stream, app/live.ts),
 * announced to screen readers; Refresh is there for when the stream is down.
 */
export class TpcLeadsPage extends PageElement {
  static override styles = [
    shared,
    css`
      .filters {
        display: grid;
        gap: 0 1rem;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 8.5rem), 1fr));
        align-items: end;
      }
      .filters .field.inline {
        min-height: 2.5rem;
      }
      td.when {
        white-space: nowrap;
      }
      .detail {
        margin-top: 1rem;
        display: grid;
        gap: 1rem;
        grid-template-columns: repeat(auto-fit, minmax(min(100%, 20rem), 1fr));
      }
      .detail h2 {
        margin-top: 0;
      }
    `,
  ];

  private readonly forms = new Resource(
    this,
    async () =>
      (
        await must(
          this.ctx.api.GET('/api/store/forms/', {
            params: { query: { shop_id: this.shopId, limit: 100 } },
          }),
        )
      ).results,
    () => this.shopId,
  );
  private readonly list = new Resource(
    this,
    async () => (this.leadId ? undefined : this.loadList(this.filters())),
    () => (this.leadId ? null : [this.shopId, this.filters()]),
  );
  private readonly lead = new Resource(
    this,
    async () =>
      this.leadId
        ? must(
            this.ctx.api.GET('/api/store/leads/{id}/', {
              params: { path: { id: this.leadId }, query: { shop_id: this.shopId } },
            }),
          )
        : undefined,
    () => [this.shopId, this.leadId],
  );
  private readonly change = new Action(this);
  private readonly exporting = new Action(this);
  private unsubscribe?: () => void;
  private unwatch?: () => void;
  private liveShop = 0;
  private live: LiveState = 'stopped';

  override willUpdate() {
    if (this.liveShop === this.shopId) return;
    this.unsubscribe?.();
    this.liveShop = this.shopId;
    this.unsubscribe = subscribe(this.shopId, ['lead.created'], (e) => {
      if (this.leadId) return;
      void this.list.reload();
      if (e.type === 'lead.created' && e.data && !e.data.deleted)
        this.announce(t('leads.arrived', { name: leadTitle(e.data as Lead) }));
    });
    this.unwatch ??= onLiveState((state) => {
      this.live = state;
      this.requestUpdate();
    });
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.unsubscribe?.();
    this.unwatch?.();
    this.unwatch = undefined;
    this.liveShop = 0;
  }

  private get leadId(): number | null {
    const id = Number(this.ctx.rest[0]);
    return Number.isInteger(id) && id > 0 ? id : null;
  }

  private filters(): Filters {
    const q = this.ctx.query;
    return {
      status: q.get('status') ?? '',
      form: q.get('form') ?? '',
      from: q.get('from') ?? '',
      to: q.get('to') ?? '',
      spam: q.get('spam') === '1',
      page: Math.max(1, Number(q.get('page')) || 1),
    };
  }

  private query(f: Filters, limit: number, offset: number) {
    return {
      shop_id: this.shopId,
      limit,
      offset,
      status: (f.status || undefined) as LeadStatus | undefined,
      form: f.form ? Number(f.form) : undefined,
      spam: f.spam || undefined,
    };
  }

  /**
   * A page of the filtered list. The API filters status, form and spam; it has no date
   * parameters yet (phase 2), so a date range scans the newest-first list up to SCAN_MAX.
   */
  private async loadList(f: Filters) {
    const offset = (f.page - 1) * PAGE;
    if (!f.from && !f.to) {
      const page = await must(
        this.ctx.api.GET('/api/store/leads/', { params: { query: this.query(f, PAGE, offset) } }),
      );
      return { count: page.count, rows: page.results, truncated: false };
    }
    const { rows, truncated } = await this.scan(f);
    return { count: rows.length, rows: rows.slice(offset, offset + PAGE), truncated };
  }

  /** Every lead of the filters, newest first (at most `max`). */
  private async scan(f: Filters, max = SCAN_MAX) {
    const from = f.from ? new Date(`${f.from}T00:00:00`).getTime() : -Infinity;
    const to = f.to ? new Date(`${f.to}T00:00:00`).getTime() + 86_400_000 : Infinity;
    const rows: Lead[] = [];
    let offset = 0;
    for (;;) {
      const page = await must(
        this.ctx.api.GET('/api/store/leads/', { params: { query: this.query(f, 100, offset) } }),
      );
      for (const lead of page.results) {
        const at = Date.parse(lead.created_at);
        if (at < from) return { rows, truncated: false };
        if (at < to) rows.push(lead);
      }
      offset += page.results.length;
      if (!page.results.length || offset >= page.count) return { rows, truncated: false };
      if (offset >= max) return { rows, truncated: true };
    }
  }

  private setFilter(changes: Partial<Filters>) {
    const next = { ...this.filters(), page: 1, ...changes };
    navigate(
      this.ctx.link('leads', [], {
        status: next.status,
        form: next.form,
        from: next.from,
        to: next.to,
        spam: next.spam ? 1 : '',
        page: next.page > 1 ? next.page : '',
      }),
    );
  }

  private onFilter = (e: Event) => {
    const el = e.target as HTMLInputElement;
    this.setFilter({ [el.name]: el.type === 'checkbox' ? el.checked : el.value });
  };

  private onExport = async () => {
    const rows = await this.exporting.run(() => this.scan({ ...this.filters(), page: 1 }, 10_000));
    if (!rows) return;
    const keys = [...new Set(rows.rows.flatMap((l) => Object.keys(l.fields)))];
    const utm = [...new Set(rows.rows.flatMap((l) => Object.keys(l.utm ?? {})))];
    const table = [
      ['id', 'created_at', 'status', 'spam', 'source', 'form', ...keys, 'page_url', ...utm],
      ...rows.rows.map((l) => [
        l.id,
        l.created_at,
        l.status,
        l.spam,
        l.source,
        l.form_name ?? '',
        ...keys.map((k) => l.fields[k]),
        l.page?.url ?? '',
        ...utm.map((k) => l.utm?.[k] ?? ''),
      ]),
    ];
    download(
      `leads-${this.ctx.shop.id}-${new Date().toISOString().slice(0, 10)}.csv`,
      toCsv(table),
    );
    this.announce(tn('leads.exported', rows.rows.length));
  };

  private async patch(body: Schemas['LeadPatch'], done: (lead: Lead) => string) {
    const lead = await this.change.run(() =>
      must(
        this.ctx.api.PATCH('/api/store/leads/{id}/', {
          params: { path: { id: this.leadId! }, query: { shop_id: this.shopId } },
          body,
        }),
      ),
    );
    if (!lead) return;
    this.lead.value = lead;
    this.announce(done(lead));
    this.requestUpdate();
  }

  private onStatus = (e: SubmitEvent) => {
    e.preventDefault();
    const status = new FormData(e.target as HTMLFormElement).get('status') as LeadStatus;
    void this.patch({ status }, (l) => t('lead.statusChanged', { status: statusLabel(l.status) }));
  };

  private renderFilters(f: Filters) {
    const forms = this.forms.value ?? [];
    return html`<form
      class="filters card"
      @submit=${(e: Event) => e.preventDefault()}
      aria-label=${t('leads.filters')}
    >
      ${selectField({
        id: 'f-status',
        name: 'status',
        label: t('leads.status'),
        value: f.status,
        options: [
          ['', t('leads.anyStatus')],
          ...LEAD_STATUSES.map((s) => [s, statusLabel(s)] as const),
        ],
        onChange: this.onFilter,
      })}
      ${selectField({
        id: 'f-form',
        name: 'form',
        label: t('leads.form'),
        value: f.form,
        options: [['', t('leads.anyForm')], ...forms.map((x) => [String(x.id), x.name] as const)],
        onChange: this.onFilter,
      })}
      <div class="field">
        <label for="f-from">${t('leads.from')}</label>
        <input id="f-from" name="from" type="date" .value=${f.from} @change=${this.onFilter} />
      </div>
      <div class="field">
        <label for="f-to">${t('leads.to')}</label>
        <input id="f-to" name="to" type="date" .value=${f.to} @change=${this.onFilter} />
      </div>
      <div class="field inline">
        <input
          id="f-spam"
          name="spam"
          type="checkbox"
          .checked=${f.spam}
          @change=${this.onFilter}
        />
        <label for="f-spam">${t('leads.spamOnly')}</label>
      </div>
    </form>`;
  }

  private renderList() {
    const f = this.filters();
    const data = this.list.value;
    const { link } = this.ctx;
    const pages = data ? Math.max(1, Math.ceil(data.count / PAGE)) : 1;
    const pageLink = (page: number) =>
      link('leads', [], {
        status: f.status,
        form: f.form,
        from: f.from,
        to: f.to,
        spam: f.spam ? 1 : '',
        page: page > 1 ? page : '',
      });
    return html`<div class="spread">
        <h1 tabindex="-1">${t('leads.title')}</h1>
        <div class="row">
          <span class="badge ${this.live === 'live' ? 'ok' : 'warn'}" role="status"
            >${t(`live.${this.live}`)}</span
          >
          <button type="button" @click=${() => this.list.reload()}>${t('common.refresh')}</button>
          <button
            type="button"
            @click=${this.onExport}
            aria-disabled=${this.exporting.busy ? 'true' : 'false'}
          >
            ${this.exporting.busy ? t('leads.exporting') : t('leads.export')}
          </button>
        </div>
      </div>
      ${this.renderFilters(f)} ${failureAlert(this.list.failure)}
      ${failureAlert(this.exporting.failure)}
      <p class="muted" role="status">
        ${
          data
            ? tn(f.spam ? 'leads.countSpam' : 'leads.count', data.count)
            : this.list.loading
              ? t('common.loading')
              : ''
        }
      </p>
      ${
        data?.truncated
          ? html`<p class="notice warn">${t('leads.truncated', { n: SCAN_MAX })}</p>`
          : nothing
      }
      ${
        data && data.rows.length
          ? html`${dataTable({
              id: 'leads',
              caption: t('leads.title'),
              columns: [
                t('leads.colLead'),
                t('leads.colForm'),
                t('leads.colStatus'),
                t('leads.colDate'),
              ],
              rows: data.rows.map(
                (l) =>
                  html`<tr>
                    <td>
                      <a href=${link('leads', [l.id])}>${leadTitle(l)}</a>
                      ${l.spam ? html`<span class="badge bad">${t('leads.spam')}</span>` : nothing}
                    </td>
                    <td>${l.form_name ?? t('leads.noForm')}</td>
                    <td><span class="badge">${statusLabel(l.status)}</span></td>
                    <td class="when">${formatDate(l.created_at, 'short')}</td>
                  </tr>`,
              ),
            })}
            ${pager(f.page, pages, pageLink)}`
          : data
            ? html`<p class="card">${f.spam ? t('leads.emptySpam') : t('leads.empty')}</p>`
            : nothing
      }`;
  }

  private props(entries: [string, unknown][]) {
    if (!entries.length) return html`<p class="muted">${t('common.none')}</p>`;
    return html`<dl class="props">
      ${entries.map(
        ([k, v]) =>
          html`<dt>${k}</dt>
            <dd>
              ${v == null || v === '' ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v)}
            </dd>`,
      )}
    </dl>`;
  }

  private renderDetail() {
    // One outer template whatever the state, so the focused heading is never replaced.
    return html`<p><a href=${this.ctx.link('leads')}>${t('lead.back')}</a></p>
      <h1 tabindex="-1">${t('lead.title', { id: this.leadId! })}</h1>
      ${this.renderLead()}`;
  }

  private renderLead() {
    const lead = this.lead.value;
    const { link } = this.ctx;
    if (!lead)
      return this.lead.failure
        ? failureAlert(this.lead.failure)
        : html`<p class="muted">${t('common.loading')}</p>`;
    const page = lead.page ?? {};
    return html`<p class="lead-name">
        <strong>${leadTitle(lead)}</strong> · ${formatDate(lead.created_at)}
      </p>
      ${failureAlert(this.change.failure, ['status'])}
      ${
        lead.spam
          ? html`<div class="notice warn">
              <p>${t('lead.spamText')}</p>
              <button
                type="button"
                @click=${() => this.patch({ spam: false }, () => t('lead.released'))}
              >
                ${t('lead.release')}
              </button>
            </div>`
          : nothing
      }
      <form class="card inline-form" @submit=${this.onStatus} aria-label=${t('lead.statusForm')}>
        ${selectField({
          id: 'lead-status',
          name: 'status',
          label: t('leads.status'),
          value: lead.status,
          options: LEAD_STATUSES.map((s) => [s, statusLabel(s)] as const),
          failure: this.change.failure,
        })}
        <button type="submit" class="primary">${t('lead.saveStatus')}</button>
        ${
          lead.spam
            ? nothing
            : html`<button
                type="button"
                class="danger"
                @click=${() => this.patch({ spam: true }, () => t('lead.markedSpam'))}
              >
                ${t('lead.markSpam')}
              </button>`
        }
      </form>
      <div class="detail">
        <section class="card" aria-labelledby="h-fields">
          <h2 id="h-fields">${t('lead.fields')}</h2>
          ${this.props(Object.entries(lead.fields))}
        </section>
        <section class="card" aria-labelledby="h-origin">
          <h2 id="h-origin">${t('lead.origin')}</h2>
          ${this.props([
            [t('lead.source'), t(`leadSource.${lead.source}`)],
            [t('leads.form'), lead.form_name],
            [t('lead.pageUrl'), page.url],
            [t('lead.pageTitle'), page.title],
            [t('lead.referrer'), page.referrer],
            [t('lead.visitor'), lead.visitor_id],
          ])}
          ${
            lead.bot_user_id
              ? html`<p>
                  <a href=${link('conversations', [lead.bot_user_id])}>${t('lead.person')}</a>
                </p>`
              : nothing
          }
        </section>
        <section class="card" aria-labelledby="h-utm">
          <h2 id="h-utm">${t('lead.utm')}</h2>
          ${this.props(Object.entries(lead.utm ?? {}))}
        </section>
        <section class="card" aria-labelledby="h-consent">
          <h2 id="h-consent">${t('lead.consent')}</h2>
          ${this.props(Object.entries(lead.consent ?? {}))}
        </section>
      </div>`;
  }

  override render() {
    return this.leadId ? this.renderDetail() : this.renderList();
  }
}

define('tpc-leads-page', TpcLeadsPage);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-leads-page': TpcLeadsPage;
  }
}
