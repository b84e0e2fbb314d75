import { html, nothing } from 'lit';
import { must, type Api, type Schemas } from '../api/client.js';
import { ConsoleElement, define } from '../app/element.js';
import { Action } from '../app/resource.js';
import { t } from '../i18n/i18n.js';
import { failureAlert, focusFirstInvalid, formValues, inputField, selectField } from './fields.js';
import { shownOnce } from './once.js';
import { shared } from './styles.js';

type Connected = Schemas['BotConnected'];
/** The messengers a bot is connected to here (the sandbox has its own button). */
type Messenger = 'telegram' | 'whatsapp';

/** What the API keys each field's errors by. */
const FIELDS = ['name', 'token', 'settings.phone_number_id', 'credentials.app_secret'];

/**
 * Connecting a messenger bot, as an owner does it with the bots API (POST /api/bot/bots/):
 * Telegram by the token @BotFather gave, WhatsApp by the Cloud API number's access token,
 * phone number id and app secret (the relay checks them with Meta and answers the callback
 * URL and verify token to paste into Meta's app dashboard, shown once); in a demo shop, the
 * sandbox messenger's bot with one button. Used by Getting started and Channels.
 *
 * @summary Connect a bot.
 * @event tpc-bot-connected - a bot was connected; `detail` is the API's answer.
 */
export class TpcConnectBot extends ConsoleElement {
  static override styles = [shared];
  static override properties = {
    api: { attribute: false },
    shopId: { type: Number },
    sandbox: { type: Boolean },
    messenger: { state: true },
  };

  api!: Api;
  shopId = 0;
  /** Offer the sandbox messenger's bot (a demo shop without one). */
  sandbox = false;
  private messenger: Messenger = 'telegram';
  private connected: Connected | null = null;
  private readonly action = new Action(this);

  private async create(body: Schemas['BotInput'], form: HTMLFormElement) {
    const bot = await this.action.run(() => must(this.api.POST('/api/bot/bots/', { body })));
    if (!bot) return void focusFirstInvalid(this);
    form.reset();
    this.messenger = 'telegram';
    this.connected = bot;
    this.announce(this.said(bot));
    this.dispatchEvent(new CustomEvent('tpc-bot-connected', { detail: bot, bubbles: true }));
  }

  private onConnect = (e: SubmitEvent) => {
    const v = formValues(e);
    const form = e.target as HTMLFormElement;
    const base = { shop_id: this.shopId, name: v.name, token: v.token };
    return this.create(
      this.messenger === 'whatsapp'
        ? {
            ...base,
            bot_type: 'whatsapp',
            settings: { phone_number_id: v.phone_number_id },
            credentials: { app_secret: v.app_secret },
          }
        : { ...base, bot_type: 'telegram' },
      form,
    );
  };

  private onSandbox = (e: SubmitEvent) => {
    e.preventDefault();
    return this.create(
      { shop_id: this.shopId, bot_type: 'sandbox', name: t('bots.sandboxName') },
      e.target as HTMLFormElement,
    );
  };

  private said(bot: Connected) {
    const phone = bot.settings.phone_number;
    if (bot.tg_bot_nickname)
      return t('bots.connectedAs', { name: bot.name, nickname: bot.tg_bot_nickname });
    if (typeof phone === 'string') return t('bots.connectedNumber', { name: bot.name, phone });
    return t('bots.connected', { name: bot.name });
  }

  /** WhatsApp's answer: where Meta must send the number's webhooks, shown this once. */
  private renderCallback(bot: Connected) {
    if (!bot.webhook_url) return nothing;
    return html`<p>${t('bots.whatsappPaste')}</p>
      <p class="label">${t('bots.callbackUrl')}</p>
      <div class="row">
        <code class="once" id="callback-url">${bot.webhook_url}</code>
        <tpc-copy .text=${bot.webhook_url} for="callback-url" label=${t('bots.copyUrl')}></tpc-copy>
      </div>
      ${
        bot.verify_token
          ? shownOnce({
              id: 'verify-token',
              title: t('bots.verifyToken'),
              value: bot.verify_token,
              copyLabel: t('bots.copyVerifyToken'),
            })
          : nothing
      }`;
  }

  private renderFields() {
    const failure = this.action.failure;
    const whatsapp = this.messenger === 'whatsapp';
    return html`${inputField({ id: 'bot-name', name: 'name', label: t('bots.name'), required: true, failure })}
    ${inputField({
      id: 'bot-token',
      name: 'token',
      type: 'password',
      autocomplete: 'off',
      label: whatsapp ? t('bots.accessToken') : t('bots.token'),
      hint: whatsapp ? t('bots.accessTokenHint') : t('bots.tokenHint'),
      required: true,
      failure,
    })}
    ${
      whatsapp
        ? html`${inputField({
            id: 'bot-phone-id',
            name: 'phone_number_id',
            errorKey: 'settings.phone_number_id',
            inputmode: 'numeric',
            label: t('bots.phoneNumberId'),
            hint: t('bots.phoneNumberIdHint'),
            required: true,
            failure,
          })}
          ${inputField({
            id: 'bot-app-secret',
            name: 'app_secret',
            errorKey: 'credentials.app_secret',
            type: 'password',
            autocomplete: 'off',
            label: t('bots.appSecret'),
            hint: t('bots.appSecretHint'),
            required: true,
            failure,
          })}`
        : nothing
    }`;
  }

  override render() {
    const bot = this.connected;
    return html`${
        bot
          ? html`<div class="notice ok">
              <p>${this.said(bot)}</p>
              ${this.renderCallback(bot)}
            </div>`
          : nothing
      }
      ${failureAlert(this.action.failure, FIELDS)}
      <form @submit=${this.onConnect} novalidate aria-label=${t('bots.connectTitle')}>
        ${selectField({
          id: 'bot-messenger',
          name: 'bot_type',
          label: t('bots.messenger'),
          value: this.messenger,
          options: [
            ['telegram', t('botType.telegram')],
            ['whatsapp', t('botType.whatsapp')],
          ],
          onChange: (e) => (this.messenger = (e.target as HTMLSelectElement).value as Messenger),
        })}
        ${this.renderFields()}
        <div class="row">
          <button class="primary" type="submit">
            ${this.action.busy ? t('bots.connecting') : t('bots.connect')}
          </button>
          <slot></slot>
        </div>
      </form>
      ${
        this.sandbox
          ? html`<form @submit=${this.onSandbox} aria-label=${t('bots.sandboxTitle')}>
              <p class="small">${t('bots.sandboxHelp')}</p>
              <button type="submit">${t('bots.addSandbox')}</button>
            </form>`
          : nothing
      }`;
  }
}

define('tpc-connect-bot', TpcConnectBot);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-connect-bot': TpcConnectBot;
  }
}
