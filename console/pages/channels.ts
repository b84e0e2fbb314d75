import { css, html, nothing } from 'lit';
import { allOf, must, type Schemas } from '../api/client.js';
import { define } from '../app/element.js';
import { PageElement } from '../app/page.js';
import { Action, Resource } from '../app/resource.js';
import { formatDate, t } from '../i18n/i18n.js';
import { failureAlert, formValues, selectField } from '../ui/fields.js';
import { confirmButton } from '../ui/confirm.js';
import { shared } from '../ui/styles.js';
import { dataTable } from '../ui/table.js';
import '../ui/alert-groups.js';
import '../ui/connect-bot.js';
import '../ui/new-alert-channel.js';
import { ALERT_BOTS, sendTestAlert } from '../ui/alert-groups.js';

type Bot = Schemas['Bot'];
type Channel = Schemas['NotificationChannel'];
type Flow = Schemas['Flow'];

const statusTone = (s: Bot['status']) => (s === 'active' ? 'ok' : s === 'error' ? 'bad' : 'warn');

/**
 * Channels: the shop's messenger bots (connect Telegram or WhatsApp, status, restart, stop,
 * welcome flow) and its alert channels (who hears about new leads and orders): the groups
 * the bots were added to, picked by title (tpc-alert-groups), a chat id or a webhook typed
 * in, and a test alert for each. Connecting, deleting and alert channels are the owners'
 * (DESIGN.md "Roles"); managers see them and may send test alerts.
 */
export class TpcChannelsPage extends PageElement {
  static override styles = [
    shared,
    css`
      .bots {
        display: grid;
        gap: 1rem;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 22rem), 1fr));
      }
      .bot h3 {
        margin-bottom: 0.25rem;
      }
      .narrow {
        max-width: 40rem;
      }
    `,
  ];
  static override properties = { confirm: { state: true } };

  private confirm = '';
  private readonly data = new Resource(
    this,
    async () => {
      const { api } = this.ctx;
      const [bots, channels, flows] = await Promise.all([
        allOf(this.shopId, (query) => api.GET('/api/bot/bots/', { params: { query } })),
        allOf(this.shopId, (query) =>
          api.GET('/api/notifications/channels/', { params: { query } }),
        ),
        allOf(this.shopId, (query) => api.GET('/api/bot/flows/', { params: { query } })),
      ]);
      // Group titles, so a channel reads "Shop bot → Managers", not a chat id.
      const titles = new Map<string, string>();
      for (const bot of bots.filter((b) => ALERT_BOTS.has(b.bot_type)))
        for (const chat of await allOf(this.shopId, (query) =>
          api.GET('/api/bot/bot/{id}/chats/', { params: { path: { id: bot.id }, query } }),
        ))
          titles.set(`${bot.id}:${chat.chat_id}`, chat.title);
      return { bots: bots.filter((b) => b.bot_type !== 'web'), channels, flows, titles };
    },
    () => this.shopId,
  );
  private readonly botAction = new Action(this);
  private readonly channelAction = new Action(this);
  /** The bot (or channel) an action's failure belongs to, so it shows on its card. */
  private acting = '';
  /** What the last test alert of a channel said, by channel id. */
  private tested = new Map<number, { ok: boolean; text: string }>();
  private scrolled = false;

  override updated() {
    // From the getting-started checklist (`?add=alert`): straight to the alert channels.
    if (this.scrolled || this.ctx.query.get('add') !== 'alert' || !this.data.value) return;
    this.scrolled = true;
    this.renderRoot.querySelector<HTMLElement>('#alert-h')?.scrollIntoView();
  }

  private async botCall(bot: Bot, what: 'status' | 'restart' | 'stop') {
    this.acting = `bot-${bot.id}`;
    const { api } = this.ctx;
    const params = { params: { path: { id: bot.id }, query: { shop_id: this.shopId } } };
    const result = await this.botAction.run<unknown>(() =>
      what === 'status'
        ? must(api.GET('/api/bot/bot/{id}/status/', params))
        : what === 'restart'
          ? must(api.POST('/api/bot/bot/{id}/restart/', params))
          : must(api.POST('/api/bot/bot/{id}/stop/', params)),
    );
    if (!result) return;
    await this.data.reload();
    const now = this.data.value?.bots.find((b) => b.id === bot.id);
    this.announce(
      t('bots.statusIs', { name: bot.name, status: t(`botStatus.${now?.status ?? bot.status}`) }),
    );
  }

  private async deleteBot(bot: Bot) {
    this.acting = `bot-${bot.id}`;
    const done = await this.botAction.run(() =>
      must(
        this.ctx.api.DELETE('/api/bot/bots/{id}/', {
          params: { path: { id: bot.id }, query: { shop_id: this.shopId } },
        }),
      ),
    );
    this.confirm = '';
    if (!done) return;
    this.announce(t('bots.deleted', { name: bot.name }));
    await this.data.reload();
  }

  private onWelcome = async (bot: Bot, e: SubmitEvent) => {
    const { flow } = formValues(e);
    this.acting = `bot-${bot.id}`;
    const saved = await this.botAction.run(() =>
      must(
        this.ctx.api.PATCH('/api/bot/bots/{id}/', {
          params: { path: { id: bot.id }, query: { shop_id: this.shopId } },
          body: { welcome_flow_id: flow ? Number(flow) : null },
        }),
      ),
    );
    if (!saved) return;
    this.announce(t('bots.welcomeSaved', { name: bot.name }));
    await this.data.reload();
  };

  private async patchChannel(c: Channel, body: Schemas['NotificationChannelPatch'], said: string) {
    this.acting = `channel-${c.id}`;
    const done = await this.channelAction.run(() =>
      must(
        this.ctx.api.PATCH('/api/notifications/channels/{id}/', {
          params: { path: { id: c.id }, query: { shop_id: this.shopId } },
          body,
        }),
      ),
    );
    if (!done) return;
    this.announce(said);
    await this.data.reload();
  }

  private async deleteChannel(c: Channel) {
    this.acting = `channel-${c.id}`;
    const done = await this.channelAction.run(() =>
      must(
        this.ctx.api.DELETE('/api/notifications/channels/{id}/', {
          params: { path: { id: c.id }, query: { shop_id: this.shopId } },
        }),
      ),
    );
    this.confirm = '';
    if (!done) return;
    this.announce(t('alerts.deleted'));
    await this.data.reload();
  }

  private async testChannel(c: Channel, target: string) {
    this.acting = `channel-${c.id}`;
    this.tested.delete(c.id);
    const result = await this.channelAction.run(() =>
      sendTestAlert(this.ctx.api, this.shopId, c.id),
    );
    if (!result) return;
    const text = result.ok
      ? t('alerts.testSent', { title: target })
      : t('alerts.testFailed', { title: target, error: result.error });
    this.tested.set(c.id, { ok: result.ok, text });
    this.announce(text);
    this.requestUpdate();
  }

  private confirmButtons(id: string, label: string, yes: () => void) {
    return confirmButton({
      open: this.confirm === id,
      label,
      ask: () => (this.confirm = id),
      yes,
      cancel: () => (this.confirm = ''),
    });
  }

  private renderBot(bot: Bot, flows: Flow[]) {
    const own = flows.filter((f) => f.bot_id === bot.id);
    const failure = this.acting === `bot-${bot.id}` ? this.botAction.failure : null;
    return html`<li class="card bot">
      <h3>${bot.name}</h3>
      <p class="small">
        ${t(`botType.${bot.bot_type}`)}
        ${
          bot.tg_bot_nickname
            ? html` ·
                <a
                  href=${`https://t.me/${bot.tg_bot_nickname}`}
                  rel="noopener noreferrer"
                  target="_blank"
                  >@${bot.tg_bot_nickname}</a
                >`
            : nothing
        }
      </p>
      <p>
        <span class="badge ${statusTone(bot.status)}">${t(`botStatus.${bot.status}`)}</span>
        ${bot.status_detail ? html`<span class="small muted">${bot.status_detail}</span>` : nothing}
      </p>
      ${failureAlert(failure, ['welcome_flow_id'])}
      <form class="inline-form" @submit=${(e: SubmitEvent) => this.onWelcome(bot, e)}>
        ${selectField({
          id: `welcome-${bot.id}`,
          name: 'flow',
          errorKey: 'welcome_flow_id',
          label: t('bots.welcome'),
          value: bot.welcome_flow_id ? String(bot.welcome_flow_id) : '',
          options: [['', t('bots.noWelcome')], ...own.map((f) => [String(f.id), f.name] as const)],
          failure,
        })}
        <button type="submit">${t('common.save')}</button>
      </form>
      <div class="row">
        <button type="button" @click=${() => this.botCall(bot, 'status')}>
          ${t('bots.check')}
        </button>
        <button type="button" @click=${() => this.botCall(bot, 'restart')}>
          ${t('bots.restart')}
        </button>
        <button type="button" @click=${() => this.botCall(bot, 'stop')}>${t('bots.stop')}</button>
        ${
          this.isOwner
            ? this.confirmButtons(`bot-${bot.id}`, t('bots.delete'), () => this.deleteBot(bot))
            : nothing
        }
      </div>
      <p class="small muted">${t('common.updated', { at: formatDate(bot.updated_at, 'short') })}</p>
    </li>`;
  }

  private renderConnect(bots: Bot[]) {
    return html`<section class="card narrow" aria-labelledby="connect-h">
      <h3 id="connect-h">${t('bots.connectTitle')}</h3>
      <p class="small">${t('bots.connectHelp')}</p>
      <tpc-connect-bot
        .api=${this.ctx.api}
        .shopId=${this.shopId}
        ?sandbox=${this.ctx.shop.demo && !bots.some((b) => b.bot_type === 'sandbox')}
        @tpc-bot-connected=${() => this.data.reload()}
      ></tpc-connect-bot>
    </section>`;
  }

  /** A row of the alert channels, with its test alert and what that said. */
  private renderChannel(c: Channel, bots: Bot[], titles: Map<string, string>) {
    const failure = this.acting === `channel-${c.id}` ? this.channelAction.failure : null;
    const bot = bots.find((b) => b.id === c.bot_id);
    const chat = titles.get(`${c.bot_id}:${c.chat_id}`) ?? c.chat_id ?? '';
    const target =
      c.type === 'telegram'
        ? t('alerts.toChat', { bot: bot?.name ?? `#${c.bot_id}`, chat })
        : c.type === 'whatsapp'
          ? t('alerts.toChat', { bot: bot?.name ?? `#${c.bot_id}`, chat: c.phone ?? '' })
          : c.type === 'webhook'
            ? (c.url ?? '')
            : (c.to ?? []).join(', ') || t('alerts.email');
    const tested = this.tested.get(c.id);
    return html`<tr>
      <td>${t(`channelType.${c.type}`)}</td>
      <td class="mono">${target}</td>
      <td>${c.events.map((e) => html`<span class="badge">${e}</span> `)}</td>
      <td>
        <span class="badge ${c.enabled ? 'ok' : 'warn'}"
          >${c.enabled ? t('alerts.on') : t('alerts.off')}</span
        >
      </td>
      <td>
        ${failureAlert(failure)}
        ${tested ? html`<p class="notice ${tested.ok ? 'ok' : 'error'}">${tested.text}</p>` : nothing}
        <div class="row">
          <button
            type="button"
            @click=${() => this.testChannel(c, c.type === 'telegram' ? chat : target)}
          >
            ${t('alerts.test')}
          </button>
        </div>
        ${
          this.isOwner
            ? html`<div class="row">
                <button
                  type="button"
                  @click=${() =>
                    this.patchChannel(
                      c,
                      { enabled: !c.enabled },
                      c.enabled ? t('alerts.paused') : t('alerts.resumed'),
                    )}
                >
                  ${c.enabled ? t('alerts.pause') : t('alerts.resume')}
                </button>
                ${this.confirmButtons(`channel-${c.id}`, t('common.delete'), () => this.deleteChannel(c))}
              </div>`
            : nothing
        }
      </td>
    </tr>`;
  }

  override render() {
    // One outer template whatever the state, so the focused heading is never replaced.
    return html`<div class="spread">
        <h1 tabindex="-1">${t('channels.title')}</h1>
        <button type="button" @click=${() => this.data.reload()}>${t('common.refresh')}</button>
      </div>
      ${this.renderBody()}`;
  }

  private renderBody() {
    const data = this.data.value;
    if (!data)
      return this.data.failure
        ? failureAlert(this.data.failure)
        : html`<p class="muted">${t('common.loading')}</p>`;
    return html`${failureAlert(this.data.failure)}
      <section aria-labelledby="bots-h">
        <h2 id="bots-h">${t('bots.title')}</h2>
        ${
          data.bots.length
            ? html`<ul class="bots" role="list">
                ${data.bots.map((b) => this.renderBot(b, data.flows))}
              </ul>`
            : html`<p class="card">${t('bots.empty')}</p>`
        }
        ${this.isOwner ? this.renderConnect(data.bots) : html`<p class="muted">${t('bots.ownersConnect')}</p>`}
      </section>
      <section>
        <h2 id="alert-h">${t('alerts.title')}</h2>
        <p>${t('alerts.intro')}</p>
        ${
          data.channels.length
            ? dataTable({
                id: 'alert',
                caption: t('alerts.title'),
                columns: [
                  t('alerts.colType'),
                  t('alerts.colTarget'),
                  t('alerts.colEvents'),
                  t('alerts.colState'),
                  '',
                ],
                rows: data.channels.map((c) => this.renderChannel(c, data.bots, data.titles)),
              })
            : html`<p class="card">${t('alerts.empty')}</p>`
        }
        <section class="card" aria-labelledby="groups-h">
          <h3 id="groups-h">${t('alerts.groupsTitle')}</h3>
          <tpc-alert-groups
            .api=${this.ctx.api}
            .shopId=${this.shopId}
            .bots=${data.bots}
            .channels=${data.channels}
            ?canManage=${this.isOwner}
            @tpc-channels-changed=${() => this.data.reload()}
          ></tpc-alert-groups>
        </section>
        ${
          this.isOwner
            ? html`<tpc-new-alert-channel
                class="card narrow"
                .api=${this.ctx.api}
                .shopId=${this.shopId}
                .bots=${data.bots}
                @tpc-channels-changed=${() => this.data.reload()}
              ></tpc-new-alert-channel>`
            : html`<p class="muted">${t('alerts.ownersOnly')}</p>`
        }
      </section>`;
  }
}

define('tpc-channels-page', TpcChannelsPage);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-channels-page': TpcChannelsPage;
  }
}
