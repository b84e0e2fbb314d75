import { css, html, nothing } from 'lit';
import { ApiFailure, allOf, must, type Api, type Schemas } from '../api/client.js';
import { ConsoleElement, define } from '../app/element.js';
import { subscribe } from '../app/live.js';
import { Action } from '../app/resource.js';
import { t } from '../i18n/i18n.js';
import { failureAlert } from './fields.js';
import { shared } from './styles.js';

type Bot = Schemas['Bot'];
type Chat = Schemas['BotChat'];

/** Bots that can post alerts to a group (DESIGN.md "staff alerts"). */
export const ALERT_BOTS = new Set<Bot['bot_type']>(['telegram', 'sandbox']);
/** What a new managers' group hears about. */
const GROUP_EVENTS: Schemas['NotificationChannelInput']['events'] = [
  'lead.created',
  'message.received',
  'order.created',
];
const POLL_MS = 700;
const TEST_WAIT_MS = 20_000;

/** Delivers a test alert to the channel and says how it went (the delivery's own outcome). */
export async function sendTestAlert(
  api: Api,
  shopId: number,
  channelId: number,
): Promise<{ ok: boolean; error: string }> {
  const { delivery } = await must(
    api.POST('/api/notifications/channels/{id}/test/', {
      params: { path: { id: channelId }, query: { shop_id: shopId } },
    }),
  );
  const until = Date.now() + TEST_WAIT_MS;
  for (let d = delivery; ;) {
    // WhatsApp's receipts move a sent message on to delivered and read.
    if (d.status === 'sent' || d.status === 'delivered' || d.status === 'read')
      return { ok: true, error: '' };
    // Failed once is the answer for a test: the person needs to know now, not after retries.
    if (d.status === 'failed' || d.status === 'dead')
      return { ok: false, error: d.last_error ?? '' };
    if (Date.now() > until) return { ok: false, error: t('alerts.testSlow') };
    await new Promise((r) => setTimeout(r, POLL_MS));
    d = await must(
      api.GET('/api/notifications/deliveries/{id}/', {
        params: { path: { id: d.id }, query: { shop_id: shopId } },
      }),
    );
  }
}

/**
 * The groups the shop's bots were added to, by title (the relay learns them from Telegram's
 * `my_chat_member`, or from the sandbox messenger), each with what it does: "Send alerts
 * here" creates the alert channel (owners), "Send a test alert" checks it through the real
 * delivery path. New groups appear as the bot is added (live events), with no reload.
 *
 * @summary Managers' groups for alerts.
 * @event tpc-channels-changed - an alert channel was created here.
 */
export class TpcAlertGroups extends ConsoleElement {
  static override styles = [
    shared,
    css`
      ul {
        list-style: none;
        margin: 0.5rem 0 0;
        padding: 0;
      }
      li.group {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: center;
        justify-content: space-between;
        padding: 0.6rem 0;
        border-bottom: 1px solid var(--tpc-line);
      }
      li.group:last-child {
        border-bottom: 0;
      }
      .title {
        font-weight: 600;
      }
      .bot + .bot {
        margin-top: 1rem;
      }
    `,
  ];
  static override properties = {
    api: { attribute: false },
    shopId: { type: Number },
    bots: { attribute: false },
    channels: { attribute: false },
    canManage: { type: Boolean },
    chats: { state: true },
    results: { state: true },
  };

  api!: Api;
  shopId = 0;
  bots: Bot[] = [];
  channels: Schemas['NotificationChannel'][] = [];
  /** Owners create alert channels; everyone may test them. */
  canManage = false;
  private chats = new Map<number, Chat[]>();
  /** What the last test of each channel said, by channel id. */
  private results = new Map<number, { ok: boolean; text: string }>();
  private readonly create = new Action(this);
  private readonly testing = new Action(this);
  private unsubscribe?: () => void;
  private loadedFor = '';
  private failure: ApiFailure | null = null;

  private get alertBots() {
    return this.bots.filter((b) => ALERT_BOTS.has(b.bot_type));
  }

  override connectedCallback() {
    super.connectedCallback();
    this.unsubscribe = subscribe(this.shopId, ['bot.chat_updated'], () => void this.load());
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.unsubscribe?.();
  }

  override willUpdate() {
    const key = this.alertBots.map((b) => b.id).join(',');
    if (key === this.loadedFor) return;
    this.loadedFor = key;
    void this.load();
  }

  private async load() {
    try {
      const lists = await Promise.all(
        this.alertBots.map(async (b) => {
          const rows = await allOf(this.shopId, (query) =>
            this.api.GET('/api/bot/bot/{id}/chats/', { params: { path: { id: b.id }, query } }),
          );
          return [b.id, rows] as const;
        }),
      );
      this.chats = new Map(lists);
      this.failure = null;
    } catch (err) {
      this.failure = err instanceof ApiFailure ? err : new ApiFailure(0, String(err));
    }
    this.requestUpdate();
  }

  private channelOf(bot: Bot, chat: Chat) {
    return this.channels.find((c) => c.bot_id === bot.id && c.chat_id === chat.chat_id);
  }

  private async useGroup(bot: Bot, chat: Chat) {
    const channel = await this.create.run(() =>
      must(
        this.api.POST('/api/notifications/channels/', {
          body: {
            shop_id: this.shopId,
            type: 'telegram',
            bot_id: bot.id,
            chat_id: chat.chat_id,
            events: GROUP_EVENTS,
            enabled: true,
          },
        }),
      ),
    );
    if (!channel) return;
    this.channels = [...this.channels, channel];
    this.announce(t('alerts.groupPicked', { title: chat.title }));
    this.dispatchEvent(new CustomEvent('tpc-channels-changed', { bubbles: true, composed: true }));
  }

  private async test(channelId: number, title: string) {
    this.results.delete(channelId);
    const result = await this.testing.run(() => sendTestAlert(this.api, this.shopId, channelId));
    if (!result) return;
    const text = result.ok
      ? t('alerts.testSent', { title })
      : t('alerts.testFailed', { title, error: result.error });
    this.results = new Map(this.results).set(channelId, { ok: result.ok, text });
    this.announce(text);
  }

  private renderChat(bot: Bot, chat: Chat) {
    const channel = this.channelOf(bot, chat);
    const result = channel ? this.results.get(channel.id) : undefined;
    return html`<li class="group">
      <span>
        <span class="title">${chat.title || chat.chat_id}</span>
        ${
          channel
            ? html`<span class="badge ok">${t('alerts.groupInUse')}</span>`
            : html`<span class="small muted"
                >${t(`chatType.${chat.type === 'channel' ? 'channel' : 'group'}`)}</span
              >`
        }
      </span>
      <span class="row">
        ${
          channel
            ? html`<button
                type="button"
                aria-disabled=${this.testing.busy ? 'true' : 'false'}
                @click=${() => this.test(channel.id, chat.title)}
              >
                ${t('alerts.test')}
              </button>`
            : this.canManage
              ? html`<button
                  type="button"
                  class="primary"
                  @click=${() => this.useGroup(bot, chat)}
                  aria-label=${t('alerts.useGroupFor', { title: chat.title })}
                >
                  ${t('alerts.useGroup')}
                </button>`
              : nothing
        }
      </span>
      ${
        result
          ? html`<p class="notice ${result.ok ? 'ok' : 'error'}" role="status">${result.text}</p>`
          : nothing
      }
    </li>`;
  }

  private renderBot(bot: Bot) {
    const chats = this.chats.get(bot.id);
    const how =
      bot.bot_type === 'sandbox'
        ? html`<p class="small">
            ${t('alerts.addSandboxBot')}
            <a href=${`/demo/inbox/?bot=${bot.id}`} target="_blank" rel="noopener"
              >${t('alerts.openSandbox')}</a
            >
          </p>`
        : html`<p class="small">
            ${t('alerts.addTelegramBot', { nickname: bot.tg_bot_nickname ?? bot.name })}
          </p>`;
    return html`<div class="bot">
      <h3>${bot.name}</h3>
      ${how}
      ${
        chats === undefined
          ? html`<p class="muted small">${t('common.loading')}</p>`
          : chats.length
            ? html`<ul aria-label=${t('alerts.groupsOf', { name: bot.name })}>
                ${chats.map((c) => this.renderChat(bot, c))}
              </ul>`
            : html`<p class="muted small" role="status">${t('alerts.noGroups')}</p>`
      }
    </div>`;
  }

  override render() {
    const bots = this.alertBots;
    if (!bots.length) return html`<p class="muted">${t('alerts.needBot')}</p>`;
    return html`${failureAlert(this.failure)} ${failureAlert(this.create.failure)}
    ${failureAlert(this.testing.failure)} ${bots.map((b) => this.renderBot(b))}`;
  }
}

define('tpc-alert-groups', TpcAlertGroups);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-alert-groups': TpcAlertGroups;
  }
}
