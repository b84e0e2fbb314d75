import { css, html, nothing } from 'lit';
import type { Schemas } from '../api/client.js';
import { ConsoleElement, define } from '../app/element.js';
import { t } from '../i18n/i18n.js';
import './copy.js';
import { shownOnce } from './once.js';
import { shared } from './styles.js';

/** Origins as typed, one per line or separated by commas or spaces. */
export const originsOf = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** The tags a shop's site needs: the loader with its key, and a form. */
export const embedSnippet = (origin: string, key: string, form: string) =>
  `<script async src="${origin}/widget/touchpoint.js" data-key="${key}"></script>\n` +
  `<tp-lead-form form="${form}"></tp-lead-form>`;

/**
 * A key just created: the only time the relay shows its value (DESIGN.md "shop keys"). For a
 * publishable key, the ready embed snippet too. Both with a copy button.
 *
 * @summary A new key, shown once.
 */
export class TpcKeyCreated extends ConsoleElement {
  static override styles = [
    shared,
    css`
      .gap-top {
        margin-top: 0.5rem;
      }
    `,
  ];
  static override properties = { key: { attribute: false }, form: { type: String } };

  key?: Schemas['CreatedShopKey'];
  /** The form name the snippet shows (the shop's first form, or an example). */
  form = 'callback';

  override render() {
    const key = this.key;
    if (!key) return nothing;
    const snippet = embedSnippet(location.origin, key.key, this.form);
    return shownOnce({
      id: 'key-value',
      title: html`<strong>${t('key.created', { name: key.name })}</strong>`,
      value: key.key,
      copyLabel: t('key.copyKey'),
      more:
        key.kind === 'publishable'
          ? html`<p class="label">${t('key.snippet')}</p>
              <p class="small">${t('key.snippetHint')}</p>
              <pre id="snippet">${snippet}</pre>
              <div class="row gap-top">
                <tpc-copy .text=${snippet} for="snippet" label=${t('key.copySnippet')}></tpc-copy>
              </div>`
          : undefined,
    });
  }
}

define('tpc-key-created', TpcKeyCreated);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-key-created': TpcKeyCreated;
  }
}
