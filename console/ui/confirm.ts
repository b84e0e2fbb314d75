import { html } from 'lit';
import { t } from '../i18n/i18n.js';

/**
 * A destructive button that asks first, in place: pressed once it becomes "Yes, delete" and
 * "Cancel" (keyboard and screen readers need no dialog). `open` says which state to show.
 */
export function confirmButton(o: {
  open: boolean;
  label: string;
  ask: () => void;
  yes: () => void;
  cancel: () => void;
}) {
  return o.open
    ? html`<span class="row" role="group" aria-label=${t('common.confirmGroup')}>
        <button type="button" class="danger" @click=${o.yes}>${t('common.confirmDelete')}</button>
        <button type="button" @click=${o.cancel}>${t('common.cancel')}</button>
      </span>`
    : html`<button type="button" class="danger" @click=${o.ask}>${o.label}</button>`;
}
