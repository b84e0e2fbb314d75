import { html, type TemplateResult } from 'lit';
import { t } from '../i18n/i18n.js';

/**
 * A table of rows in a focusable, named scroll region (a keyboard scrolls it sideways at
 * 375 px; WCAG 2.1.1), with a caption for screen readers. A column titled '' holds the row's
 * buttons and is named "Actions" for screen readers only.
 */
export function dataTable(o: {
  id: string;
  caption: string;
  columns: readonly string[];
  rows: readonly TemplateResult[];
}) {
  return html`<div
    class="table-wrap"
    role="region"
    aria-labelledby=${`${o.id}-caption`}
    tabindex="0"
  >
    <table>
      <caption id=${`${o.id}-caption`} class="visually-hidden">
        ${o.caption}
      </caption>
      <thead>
        <tr>
          ${o.columns.map(
            (c) =>
              html`<th scope="col">
                ${c || html`<span class="visually-hidden">${t('common.actions')}</span>`}
              </th>`,
          )}
        </tr>
      </thead>
      <tbody>
        ${o.rows}
      </tbody>
    </table>
  </div>`;
}
