import { css, html, nothing } from 'lit';
import { allOf, must, type Schemas } from '../api/client.js';
import { define } from '../app/element.js';
import { PageElement } from '../app/page.js';
import { Action, Resource } from '../app/resource.js';
import { formatDate, t } from '../i18n/i18n.js';
import { confirmButton } from '../ui/confirm.js';
import {
  failureAlert,
  focusFirstInvalid,
  formValues,
  inputField,
  selectField,
  textareaField,
} from '../ui/fields.js';
import { originsOf } from '../ui/key-created.js';
import { shared } from '../ui/styles.js';
import { dataTable } from '../ui/table.js';

type Key = Schemas['ShopKey'];

/**
 * Keys (owners only): publishable keys for the widget (`pk_…`, with the origins allowed to
 * use them) and secret keys for the shop's backend (`sk_…`). A key's value is shown once,
 * when it is created; the list shows hints. Revoking is immediate.
 */
export class TpcKeysPage extends PageElement {
  static override styles = [
    shared,
    css`
      form {
        max-width: 40rem;
      }
    `,
  ];
  static override properties = { kind: { state: true }, confirm: { state: true } };

  private kind: Key['kind'] = 'publishable';
  private confirm = 0;
  private created?: Schemas['CreatedShopKey'];
  private readonly keys = new Resource(
    this,
    () => allOf(this.shopId, (query) => this.ctx.api.GET('/api/shop/keys/', { params: { query } })),
    () => this.shopId,
  );
  private readonly firstForm = new Resource(
    this,
    async () =>
      (
        await must(
          this.ctx.api.GET('/api/store/forms/', {
            params: { query: { shop_id: this.shopId, limit: 1 } },
          }),
        )
      ).results[0]?.name,
    () => this.shopId,
  );
  private readonly create = new Action(this);
  private readonly revoke = new Action(this);

  private onCreate = async (e: SubmitEvent) => {
    const { name, origins } = formValues(e);
    const form = e.target as HTMLFormElement;
    const key = await this.create.run(() =>
      must(
        this.ctx.api.POST('/api/shop/keys/', {
          body: {
            shop_id: this.shopId,
            kind: this.kind,
            name: name || t(this.kind === 'publishable' ? 'start.keyDefaultName' : 'keys.backend'),
            allowed_origins: this.kind === 'publishable' ? originsOf(origins ?? '') : [],
          },
        }),
      ),
    );
    if (!key) return void focusFirstInvalid(this);
    form.reset();
    this.created = key;
    this.announce(t('key.created', { name: key.name }));
    await this.keys.reload();
  };

  private async onRevoke(key: Key) {
    const done = await this.revoke.run(() =>
      must(
        this.ctx.api.DELETE('/api/shop/keys/{id}/', {
          params: { path: { id: key.id }, query: { shop_id: this.shopId } },
        }),
      ),
    );
    this.confirm = 0;
    if (!done) return;
    if (this.created?.id === key.id) this.created = undefined;
    this.announce(t('keys.revoked', { name: key.name }));
    await this.keys.reload();
  }

  override render() {
    const keys = this.keys.value;
    const failure = this.create.failure;
    return html`<h1 tabindex="-1">${t('keys.title')}</h1>
      <p>${t('keys.intro')}</p>
      ${
        this.created
          ? html`<tpc-key-created
              .key=${this.created}
              form=${this.firstForm.value ?? 'callback'}
            ></tpc-key-created>`
          : nothing
      }
      ${failureAlert(this.keys.failure)} ${failureAlert(this.revoke.failure)}
      ${
        keys?.length
          ? dataTable({
              id: 'keys',
              caption: t('keys.title'),
              columns: [
                t('keys.name'),
                t('keys.kind'),
                t('keys.hint'),
                t('keys.origins'),
                t('keys.created'),
                '',
              ],
              rows: keys.map(
                (k) =>
                  html`<tr>
                    <td>${k.name}</td>
                    <td>${t(`keyKind.${k.kind}`)}</td>
                    <td class="mono">${k.hint}</td>
                    <td class="mono">${k.allowed_origins.join(', ') || '—'}</td>
                    <td>${formatDate(k.created_at, 'short')}</td>
                    <td>
                      ${confirmButton({
                        open: this.confirm === k.id,
                        label: t('keys.revoke'),
                        ask: () => (this.confirm = k.id),
                        yes: () => this.onRevoke(k),
                        cancel: () => (this.confirm = 0),
                      })}
                    </td>
                  </tr>`,
              ),
            })
          : keys
            ? html`<p class="card">${t('keys.empty')}</p>`
            : html`<p class="muted">${t('common.loading')}</p>`
      }
      <h2>${t('keys.newTitle')}</h2>
      <form class="card" @submit=${this.onCreate} novalidate aria-label=${t('keys.newTitle')}>
        ${failureAlert(failure, ['kind', 'name', 'allowed_origins'])}
        ${selectField({
          id: 'key-kind',
          name: 'kind',
          label: t('keys.kind'),
          value: this.kind,
          options: [
            ['publishable', t('keyKind.publishable')],
            ['secret', t('keyKind.secret')],
          ],
          hint: this.kind === 'publishable' ? t('keys.publishableHint') : t('keys.secretHint'),
          failure,
          onChange: (e) => (this.kind = (e.target as HTMLSelectElement).value as Key['kind']),
        })}
        ${inputField({ id: 'new-key-name', name: 'name', label: t('keys.name'), failure })}
        ${
          this.kind === 'publishable'
            ? textareaField({
                id: 'new-key-origins',
                name: 'origins',
                errorKey: 'allowed_origins',
                label: t('start.keyOrigins'),
                hint: t('start.keyOriginsHint'),
                rows: 2,
                failure,
              })
            : nothing
        }
        <button class="primary" type="submit">${t('keys.create')}</button>
      </form>`;
  }
}

define('tpc-keys-page', TpcKeysPage);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-keys-page': TpcKeysPage;
  }
}
