import { css, html } from 'lit';
import { must, type Api } from '../api/client.js';
import { ConsoleElement, define } from '../app/element.js';
import { Action } from '../app/resource.js';
import { t } from '../i18n/i18n.js';
import { failureAlert, focusFirstInvalid, formValues, inputField } from '../ui/fields.js';
import { shared } from '../ui/styles.js';

/**
 * Creates a shop (`POST /api/shop/shops/`); the creator becomes its owner. `first` when the
 * person has none yet: the console then has nothing else to show.
 *
 * @event {CustomEvent<Shop>} tpc-shop-created - The new shop; the shell opens it.
 */
export class TpcNewShop extends ConsoleElement {
  static override styles = [
    shared,
    css`
      :host {
        max-width: 32rem;
      }
    `,
  ];
  static override properties = { first: { type: Boolean } };

  api!: Api;
  first = false;
  private readonly action = new Action(this);

  private onSubmit = async (e: SubmitEvent) => {
    const { name } = formValues(e);
    const shop = await this.action.run(() =>
      must(this.api.POST('/api/shop/shops/', { body: { name } })),
    );
    if (!shop) return void focusFirstInvalid(this);
    this.announce(t('shop.created', { name: shop.name }));
    this.dispatchEvent(
      new CustomEvent('tpc-shop-created', { detail: shop, bubbles: true, composed: true }),
    );
  };

  override render() {
    const failure = this.action.failure;
    return html`<h1 tabindex="-1">${this.first ? t('shop.firstTitle') : t('shop.newTitle')}</h1>
      <p>${this.first ? t('shop.firstIntro') : t('shop.newIntro')}</p>
      ${failureAlert(failure, ['name'])}
      <form class="card" @submit=${this.onSubmit} novalidate>
        ${inputField({
          id: 'shop-name',
          name: 'name',
          label: t('shop.name'),
          autocomplete: 'organization',
          required: true,
          failure,
        })}
        <button class="primary" type="submit">${t('shop.create')}</button>
      </form>`;
  }
}

define('tpc-new-shop', TpcNewShop);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-new-shop': TpcNewShop;
  }
}
