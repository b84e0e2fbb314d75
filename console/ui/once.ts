import { html, type TemplateResult } from 'lit';
import { t } from '../i18n/i18n.js';
import './copy.js';

/**
 * A secret the relay shows only in this answer (a key, a signing secret, a password link):
 * said as a status, with "copy it now" and a copy button. Its value's element has `id`.
 */
export function shownOnce(o: {
  id: string;
  title: TemplateResult | string;
  value: string;
  copyLabel: string;
  more?: TemplateResult;
}) {
  return html`<div class="notice ok" role="status">
    <p>${o.title} ${t('key.onlyOnce')}</p>
    <div class="row">
      <code class="once" id=${o.id}>${o.value}</code>
      <tpc-copy .text=${o.value} for=${o.id} label=${o.copyLabel}></tpc-copy>
    </div>
    ${o.more ?? ''}
  </div>`;
}
