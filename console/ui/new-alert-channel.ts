import { html, type TemplateResult } from 'lit';
import { must, type Api, type Schemas } from '../api/client.js';
import { ConsoleElement, define } from '../app/element.js';
import { Action } from '../app/resource.js';
import { t } from '../i18n/i18n.js';
import { ALERT_BOTS } from './alert-groups.js';
import { EVENTS, eventChecks, eventsOf } from './events.js';
import {
  failureAlert,
  focusFirstInvalid,
  formValues,
  inputField,
  selectField,
  textareaField,
} from './fields.js';
import { shared } from './styles.js';

type Bot = Schemas['Bot'];
type Input = Schemas['NotificationChannelInput'];
type ChannelType = Input['type'];

const FIELDS = ['type', 'bot_id', 'chat_id', 'phone', 'to', 'url', 'events'];

/** Addresses as typed: one per line, or separated by commas, semicolons or spaces. */
const addressesOf = (text: string) => text.split(/[\s,;]+/).filter(Boolean);

/**
 * A new alert channel typed in (the groups a bot was added to are picked in
 * tpc-alert-groups instead): a Telegram chat id, a manager's WhatsApp number (through one of
 * the shop's WhatsApp bots), email addresses, or a webhook URL; each type's own fields, as
 * POST /api/notifications/channels/ takes them. Owners only (the page shows it to them).
 *
 * @summary New alert channel form.
 * @event tpc-channels-changed - the channel was created.
 */
export class TpcNewAlertChannel extends ConsoleElement {
  static override styles = [shared];
  static override properties = {
    api: { attribute: false },
    shopId: { type: Number },
    bots: { attribute: false },
    type: { state: true },
  };

  api!: Api;
  shopId = 0;
  bots: Bot[] = [];
  private type: ChannelType = 'telegram';
  private readonly create = new Action(this);

  private body(v: Record<string, string>, events: Input['events']): Input {
    const base = { shop_id: this.shopId, events, enabled: true };
    const bot_id = v.bot_id ? Number(v.bot_id) : null;
    switch (this.type) {
      case 'telegram':
        return { ...base, type: 'telegram', bot_id, chat_id: v.chat_id };
      case 'whatsapp':
        return { ...base, type: 'whatsapp', bot_id, phone: v.phone };
      case 'email':
        return { ...base, type: 'email', to: addressesOf(v.to ?? '') };
      case 'webhook':
        return { ...base, type: 'webhook', url: v.url };
    }
  }

  private onSubmit = async (e: SubmitEvent) => {
    const form = e.target as HTMLFormElement;
    const body = this.body(formValues(e), eventsOf(form));
    const channel = await this.create.run(() =>
      must(this.api.POST('/api/notifications/channels/', { body })),
    );
    if (!channel) return void focusFirstInvalid(this);
    form.reset();
    this.announce(t('alerts.created'));
    this.dispatchEvent(new CustomEvent('tpc-channels-changed', { bubbles: true, composed: true }));
  };

  private botField(bots: Bot[]) {
    return selectField({
      id: 'alert-bot',
      name: 'bot_id',
      label: t('alerts.bot'),
      options: [['', t('alerts.pickBot')], ...bots.map((b) => [String(b.id), b.name] as const)],
      required: true,
      failure: this.create.failure,
    });
  }

  /** The fields of the chosen type. */
  private fields(): TemplateResult {
    const failure = this.create.failure;
    switch (this.type) {
      case 'telegram':
        return html`${this.botField(this.bots.filter((b) => ALERT_BOTS.has(b.bot_type)))}
        ${inputField({
          id: 'alert-chat',
          name: 'chat_id',
          label: t('alerts.chatId'),
          hint: t('alerts.chatIdHint'),
          required: true,
          failure,
        })}`;
      case 'whatsapp':
        return html`${this.botField(this.bots.filter((b) => b.bot_type === 'whatsapp'))}
        ${inputField({
          id: 'alert-phone',
          name: 'phone',
          type: 'tel',
          autocomplete: 'off',
          label: t('alerts.phone'),
          hint: t('alerts.phoneHint'),
          required: true,
          failure,
        })}`;
      case 'email':
        return textareaField({
          id: 'alert-to',
          name: 'to',
          label: t('alerts.to'),
          hint: t('alerts.toHint'),
          rows: 2,
          required: true,
          failure,
        });
      case 'webhook':
        return inputField({
          id: 'alert-url',
          name: 'url',
          type: 'url',
          label: t('alerts.url'),
          hint: t('alerts.urlHint'),
          required: true,
          failure,
        });
    }
  }

  override render() {
    const types: ChannelType[] = ['telegram', 'whatsapp', 'email', 'webhook'];
    return html`<form @submit=${this.onSubmit} novalidate aria-labelledby="new-alert-h">
      <h3 id="new-alert-h">${t('alerts.newTitle')}</h3>
      ${failureAlert(this.create.failure, FIELDS)}
      ${selectField({
        id: 'alert-type',
        name: 'type',
        label: t('alerts.type'),
        value: this.type,
        options: types.map((type) => [type, t(`channelType.${type}`)] as const),
        failure: this.create.failure,
        onChange: (e) => {
          this.type = (e.target as HTMLSelectElement).value as ChannelType;
          this.create.clear();
        },
      })}
      ${this.fields()} ${eventChecks('alert-ev', EVENTS, ['lead.created'], this.create.failure)}
      <button class="primary" type="submit">${t('alerts.create')}</button>
    </form>`;
  }
}

define('tpc-new-alert-channel', TpcNewAlertChannel);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-new-alert-channel': TpcNewAlertChannel;
  }
}
