import { html, nothing } from 'lit';
import { t } from '../i18n/i18n.js';

/** Previous / "page N of M" / next links, when there is more than one page. */
export function pager(page: number, pages: number, at: (page: number) => string) {
  if (pages <= 1) return nothing;
  return html`<nav class="pager" aria-label=${t('common.pages')}>
    ${page > 1 ? html`<a href=${at(page - 1)}>${t('common.previous')}</a>` : html`<span></span>`}
    <span>${t('common.pageOf', { page, pages })}</span>
    ${page < pages ? html`<a href=${at(page + 1)}>${t('common.next')}</a>` : html`<span></span>`}
  </nav>`;
}

/** Pages of `size` rows for `count` rows (at least one). */
export const pageCount = (count: number, size: number) => Math.max(1, Math.ceil(count / size));
