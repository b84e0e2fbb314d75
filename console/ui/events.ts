import { html, nothing } from 'lit';
import type { ApiFailure, Schemas } from '../api/client.js';
import { t } from '../i18n/i18n.js';
import { errorsFor } from './fields.js';

export type EventName = Schemas['NotificationChannelInput']['events'][number];

/** The events alert channels and webhook endpoints subscribe to (relay/events/types.ts). */
export const EVENTS = [
  'lead.created',
  'order.created',
  'order.status_changed',
  'bot_user.subscribed',
  'message.received',
] as const satisfies readonly EventName[];

/** A group of event checkboxes (`name="events"`), its API errors under it. */
export function eventChecks(
  id: string,
  events: readonly EventName[],
  checked: readonly string[],
  failure?: ApiFailure | null,
) {
  const errors = errorsFor(failure, 'events');
  return html`<fieldset aria-describedby=${errors.length ? `${id}-error` : nothing}>
    <legend>${t('events.legend')}</legend>
    <div class="checks">
      ${events.map(
        (e) =>
          html`<label>
            <input type="checkbox" name="events" value=${e} ?checked=${checked.includes(e)} />
            ${t(`event.${e}`)}
          </label>`,
      )}
    </div>
    ${errors.length ? html`<span class="error" id=${`${id}-error`}>${errors.join(' ')}</span>` : nothing}
  </fieldset>`;
}

/** The events ticked in a form. */
export const eventsOf = (form: HTMLFormElement) =>
  new FormData(form).getAll('events').map(String) as EventName[];
