import { css, html, nothing } from 'lit';
import { must, type Schemas } from '../api/client.js';
import { define } from '../app/element.js';
import { subscribe } from '../app/live.js';
import { PageElement } from '../app/page.js';
import { Action, Resource } from '../app/resource.js';
import { navigate } from '../app/router.js';
import { formatDate, t, tn } from '../i18n/i18n.js';
import { failureAlert, focusFirstInvalid, textareaField } from '../ui/fields.js';
import { keyboard, messageMeta, messageText, preview, systemLine, webUrl } from '../ui/message.js';
import { pager } from '../ui/pager.js';
import { shared } from '../ui/styles.js';

type BotUser = Schemas['BotUser'];
type Message = Schemas['Message'];
type Conversation = Schemas['Conversation'];

const PEOPLE = 25;
const HISTORY = 50;

export const personName = (u: BotUser) =>
  u.name || u.store.name || u.messenger_user_id || t('chat.unnamed', { id: u.id });

/** Two letters for an avatar: initials of the name. */
const initials = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('') || '?';

/**
 * Conversations: every person (bot user) with their last message and unread count, newest
 * first and searchable (GET /api/bot/conversations/), and one person's chat: the history in
 * both directions with pictures and buttons as the person saw them, a reply box, and "take
 * over" (the bot's scenario pauses for this person, a manager answers) / "hand back". Both
 * follow the relay's event stream: a new message moves its person up and shows in the open
 * chat, which is marked read while it is open.
 */
export class TpcConversationsPage extends PageElement {
  static override styles = [
    shared,
    css`
      .split {
        display: grid;
        gap: 1rem;
        grid-template-columns: minmax(15rem, 22rem) minmax(0, 1fr);
        align-items: start;
      }
      .people form {
        margin-bottom: 0.5rem;
      }
      .people form .row {
        flex-wrap: nowrap;
        margin-bottom: 0.5rem;
      }
      .people form input[type='search'] {
        flex: 1;
        min-width: 0;
      }
      .people ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      .people li a {
        display: grid;
        grid-template-columns: 2.5rem minmax(0, 1fr) auto;
        gap: 0 0.6rem;
        align-items: center;
        padding: 0.6rem 0.5rem;
        border-bottom: 1px solid var(--tpc-line);
        color: var(--tpc-fg);
        text-decoration: none;
      }
      .people li a:hover {
        background: var(--tpc-surface-2);
      }
      .people li a[aria-current='page'] {
        background: var(--tpc-accent-soft);
        box-shadow: inset 3px 0 0 var(--tpc-accent);
      }
      .avatar {
        width: 2.5rem;
        height: 2.5rem;
        border-radius: 50%;
        display: grid;
        place-items: center;
        font-weight: 700;
        background: var(--tpc-accent-soft);
        color: var(--tpc-fg);
      }
      .who {
        min-width: 0;
      }
      .who .name {
        display: block;
        font-weight: 600;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .who .last {
        display: block;
        font-size: 0.875rem;
        color: var(--tpc-muted);
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .side {
        display: grid;
        justify-items: end;
        gap: 0.2rem;
        font-size: 0.8rem;
        color: var(--tpc-muted);
      }
      .unread {
        min-width: 1.4rem;
        padding: 0 0.4rem;
        border-radius: 999px;
        text-align: center;
        font-weight: 700;
        color: var(--tpc-accent-fg);
        background: var(--tpc-accent);
      }
      .chat {
        list-style: none;
        margin: 0;
        padding: 0.75rem;
        max-height: min(60vh, 40rem);
        overflow-y: auto;
        background: var(--tpc-surface-2);
        border-radius: var(--tpc-radius);
      }
      .msg {
        max-width: min(85%, 36rem);
        width: fit-content;
        margin: 0 0 0.6rem;
        padding: 0.5rem 0.75rem;
        border-radius: 12px;
        background: var(--tpc-surface);
        border: 1px solid var(--tpc-line);
      }
      .msg.out {
        margin-left: auto;
        background: var(--tpc-accent-soft);
      }
      .system {
        text-align: center;
        font-size: 0.85rem;
        color: var(--tpc-muted);
        margin: 0 0 0.6rem;
      }
      .msg .text {
        white-space: pre-wrap;
        overflow-wrap: anywhere;
        margin: 0;
      }
      .msg .meta {
        display: block;
        font-size: 0.8rem;
        color: var(--tpc-muted);
        margin-top: 0.25rem;
      }
      .keyboard {
        display: grid;
        gap: 0.3rem;
        list-style: none;
        margin: 0.4rem 0 0;
        padding: 0;
      }
      .kb {
        display: block;
        padding: 0.35rem 0.75rem;
        border-radius: 8px;
        text-align: center;
        font-size: 0.9rem;
        font-weight: 600;
        background: var(--tpc-surface-2);
        border: 1px solid var(--tpc-line);
        color: var(--tpc-accent);
        text-decoration: none;
      }
      .state {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: center;
        justify-content: space-between;
        margin-bottom: 0.75rem;
      }
      .reply {
        margin-top: 1rem;
      }
      @media (max-width: 60rem) {
        .split {
          display: block;
        }
        .split.open .people {
          display: none;
        }
        .split:not(.open) .pane {
          display: none;
        }
      }
    `,
  ];

  private readonly people = new Resource(
    this,
    () => this.loadPeople(),
    () => [this.shopId, this.search, this.page, this.unreadOnly],
  );
  private readonly person = new Resource(
    this,
    async () =>
      this.personId
        ? must(
            this.ctx.api.GET('/api/bot/bot_users/{id}/', {
              params: { path: { id: this.personId }, query: { shop_id: this.shopId } },
            }),
          )
        : undefined,
    () => [this.shopId, this.personId],
  );
  private readonly history = new Resource(
    this,
    () => this.loadHistory(),
    () => [this.shopId, this.personId],
  );
  private readonly send = new Action(this);
  private readonly takeover = new Action(this);
  private draft = '';
  private scrolledFor?: unknown;
  private readFor?: unknown;
  private unsubscribe?: () => void;
  private liveShop = 0;

  private get personId(): number | null {
    const id = Number(this.ctx.rest[0]);
    return Number.isInteger(id) && id > 0 ? id : null;
  }

  private get search() {
    return this.ctx.query.get('q') ?? '';
  }

  private get unreadOnly() {
    return this.ctx.query.get('unread') === '1';
  }

  private get page() {
    return Math.max(1, Number(this.ctx.query.get('page')) || 1);
  }

  override willUpdate() {
    if (this.liveShop === this.shopId) return;
    this.unsubscribe?.();
    this.liveShop = this.shopId;
    this.unsubscribe = subscribe(this.shopId, ['message.created'], (e) => {
      void this.people.reload();
      if (e.type === 'reset' || (this.personId && e.data?.bot_user_id === this.personId))
        void this.history.reload();
    });
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.unsubscribe?.();
    this.liveShop = 0;
  }

  private async loadPeople() {
    return must(
      this.ctx.api.GET('/api/bot/conversations/', {
        params: {
          query: {
            shop_id: this.shopId,
            search: this.search || undefined,
            unread: this.unreadOnly ? 'true' : undefined,
            limit: PEOPLE,
            offset: (this.page - 1) * PEOPLE,
          },
        },
      }),
    );
  }

  /** The latest messages, oldest first for reading. */
  private async loadHistory(): Promise<{ count: number; rows: Message[] } | undefined> {
    if (!this.personId) return undefined;
    const page = await must(
      this.ctx.api.GET('/api/bot/messages/', {
        params: { query: { shop_id: this.shopId, bot_user_id: this.personId, limit: HISTORY } },
      }),
    );
    return { count: page.count, rows: page.results.reverse() };
  }

  override updated() {
    // The newest message in view, as in any messenger: when the history changed, not on
    // every render (the person may be reading older messages).
    const chat = this.renderRoot.querySelector('.chat');
    if (chat && this.scrolledFor !== this.history.value) {
      this.scrolledFor = this.history.value;
      chat.scrollTop = chat.scrollHeight;
    }
    void this.markRead();
  }

  /** The open chat is read: its unread count goes, for the whole team (a shared marker). */
  private async markRead() {
    const h = this.history.value;
    const newest = h?.rows.at(-1);
    if (!this.personId || !newest || this.readFor === newest.id) return;
    this.readFor = newest.id;
    const open = this.people.value?.results.find((c) => c.bot_user.id === this.personId);
    if (open && open.unread === 0) return;
    try {
      const read = await must(
        this.ctx.api.POST('/api/bot/conversations/{id}/read/', {
          params: { path: { id: this.personId }, query: { shop_id: this.shopId } },
          body: { message_id: newest.id },
        }),
      );
      const list = this.people.value;
      if (list)
        this.people.value = {
          ...list,
          results: list.results.map((c) => (c.bot_user.id === read.bot_user.id ? read : c)),
        };
      this.requestUpdate();
    } catch {
      // Unread counts stay as they were; the chat is shown anyway.
      this.readFor = undefined;
    }
  }

  private onSearch = (e: SubmitEvent) => {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const q = String(data.get('q') ?? '').trim();
    const unread = data.get('unread') ? 1 : '';
    navigate(this.ctx.link('conversations', this.ctx.rest, { q, unread }));
  };

  private onSend = async (e: SubmitEvent) => {
    e.preventDefault();
    const text = this.draft.trim();
    const sent = await this.send.run(() =>
      must(
        this.ctx.api.POST('/api/bot/messages/send_message/', {
          body: {
            shop_id: this.shopId,
            bot_user_id: this.personId!,
            content_type: 'text',
            payload: { text },
          },
        }),
      ),
    );
    if (!sent) return void focusFirstInvalid(this);
    this.draft = '';
    const h = this.history.value;
    if (h) this.history.value = { count: h.count + 1, rows: [...h.rows, sent] };
    this.announce(t('chat.sent'));
    this.requestUpdate();
  };

  private async setTakeover(take: boolean) {
    const path = take ? '/api/bot/bot_user/take_over/' : '/api/bot/bot_user/hand_back/';
    const user = await this.takeover.run(() =>
      must(
        this.ctx.api.POST(path, {
          body: { shop_id: this.shopId, bot_user_id: this.personId! },
        }),
      ),
    );
    if (!user) return;
    this.person.value = user;
    this.announce(t(take ? 'chat.tookOver' : 'chat.handedBack', { name: personName(user) }));
    void this.people.reload();
  }

  private renderConversation(c: Conversation) {
    const u = c.bot_user;
    const { link } = this.ctx;
    const name = personName(u);
    const last = c.last_message;
    return html`<li>
      <a
        href=${link('conversations', [u.id], { q: this.search, unread: this.unreadOnly ? 1 : '' })}
        aria-current=${u.id === this.personId ? 'page' : nothing}
      >
        <span class="avatar" aria-hidden="true">${initials(name)}</span>
        <span class="who">
          <span class="name">${name}</span>
          <span class="last">${preview(last)}</span>
        </span>
        <span class="side">
          ${last ? html`<span>${formatDate(last.created_at, 'short')}</span>` : nothing}
          ${
            c.unread
              ? html`<span class="unread" aria-label=${tn('chat.unread', c.unread)}
                  >${c.unread}</span
                >`
              : nothing
          }
          ${u.takeover ? html`<span class="badge warn">${t('chat.takenOverShort')}</span>` : nothing}
        </span>
      </a>
    </li>`;
  }

  private renderPeople() {
    const data = this.people.value;
    const { link } = this.ctx;
    const pages = data ? Math.max(1, Math.ceil(data.count / PEOPLE)) : 1;
    const at = (page: number) =>
      link('conversations', this.ctx.rest, {
        q: this.search,
        unread: this.unreadOnly ? 1 : '',
        page: page > 1 ? page : '',
      });
    return html`<section class="people card" aria-labelledby="people-h">
      <h2 id="people-h" class="visually-hidden">${t('chat.people')}</h2>
      <form role="search" @submit=${this.onSearch}>
        <div class="row">
          <label for="q" class="visually-hidden">${t('chat.search')}</label>
          <input
            id="q"
            name="q"
            type="search"
            .value=${this.search}
            placeholder=${t('chat.search')}
          />
          <button type="submit">${t('chat.searchButton')}</button>
        </div>
        <div class="field inline">
          <input
            id="unread"
            name="unread"
            type="checkbox"
            .checked=${this.unreadOnly}
            @change=${(e: Event) => (e.target as HTMLInputElement).form!.requestSubmit()}
          />
          <label for="unread">${t('chat.unreadOnly')}</label>
        </div>
      </form>
      ${failureAlert(this.people.failure)}
      <p class="small muted" role="status">
        ${data ? tn('chat.peopleCount', data.count) : t('common.loading')}
      </p>
      ${
        data?.results.length
          ? html`<ul>
              ${data.results.map((c) => this.renderConversation(c))}
            </ul>`
          : nothing
      }
      ${pager(this.page, pages, at)}
    </section>`;
  }

  private renderMessage(m: Message) {
    const line = systemLine(m);
    if (line) return html`<li class="system">${line} · ${formatDate(m.created_at, 'short')}</li>`;
    const image = webUrl(m.payload.image_url);
    const file = webUrl(m.payload.file_url);
    return html`<li class="msg ${m.direction}">
      <span class="visually-hidden"
        >${m.direction === 'in' ? t('chat.fromPerson') : t('chat.fromShop')}</span
      >
      ${
        image
          ? html`<tpc-message-image
              .api=${this.ctx.api}
              .shopId=${this.shopId}
              .messageId=${m.id}
              url=${image}
            ></tpc-message-image>`
          : nothing
      }
      ${
        file
          ? html`<p>
              <a href=${file} rel="noopener noreferrer" target="_blank"
                >📎 ${file.split('/').pop()}</a
              >
            </p>`
          : nothing
      }
      ${m.payload.text ? html`<p class="text">${messageText(m.payload)}</p>` : nothing}
      ${keyboard(m)}
      <span class="meta">${messageMeta(m)}</span>
    </li>`;
  }

  /** Who answers this person now: the bot's scenario, or a manager who took over. */
  private renderTakeover(person: BotUser) {
    const taken = person.takeover;
    return html`<div class="state notice ${taken ? 'warn' : 'info'}">
      <span role="status">
        ${taken ? t('chat.takenOver', { at: formatDate(taken.at, 'short') }) : t('chat.botAnswers')}
      </span>
      <button
        type="button"
        aria-disabled=${this.takeover.busy ? 'true' : 'false'}
        @click=${() => this.setTakeover(!taken)}
      >
        ${taken ? t('chat.handBack') : t('chat.takeOver')}
      </button>
    </div>`;
  }

  /** One person's chat: who they are, who answers them, the history and the reply box. */
  private renderChat() {
    const person = this.person.value;
    const history = this.history.value;
    const { link } = this.ctx;
    const title = person ? personName(person) : t('chat.title');
    return html`<section class="pane" aria-labelledby="chat-h">
      <p class="back">
        <a href=${link('conversations', [], { q: this.search })}>${t('chat.back')}</a>
      </p>
      <h2 id="chat-h">${title}</h2>
      ${failureAlert(this.person.failure)} ${failureAlert(this.history.failure)}
      ${
        person
          ? html`<p class="small muted">
                ${person.bot.name} · ${t(`botType.${person.bot.bot_type}`)}
                ${
                  person.store.subscribed_to_bot
                    ? nothing
                    : html` · <span class="badge warn">${t('chat.unsubscribed')}</span>`
                }
                ${
                  person.links.lead_ids.length
                    ? html` ·
                        <a href=${link('leads', [person.links.lead_ids.at(-1)!])}
                          >${t('chat.lead')}</a
                        >`
                    : nothing
                }
              </p>
              ${failureAlert(this.takeover.failure)} ${this.renderTakeover(person)}`
          : nothing
      }
      <div class="spread">
        <p class="small muted" role="status">
          ${history ? tn('chat.messageCount', history.count) : t('common.loading')}
        </p>
        <button type="button" @click=${() => this.history.reload()}>${t('common.refresh')}</button>
      </div>
      ${
        history?.rows.length
          ? html`<ol class="chat" tabindex="0" aria-label=${t('chat.history', { name: title })}>
              ${history.rows.map((m) => this.renderMessage(m))}
            </ol>`
          : history
            ? html`<p class="card">${t('chat.empty')}</p>`
            : nothing
      }
      <form class="reply" @submit=${this.onSend}>
        ${failureAlert(this.send.failure, ['payload.text', 'payload'])}
        ${textareaField({
          id: 'reply',
          name: 'text',
          errorKey: 'payload',
          label: t('chat.reply'),
          hint: person?.takeover ? t('chat.replyHintTaken') : t('chat.replyHint'),
          rows: 3,
          value: this.draft,
          failure: this.send.failure,
          onInput: (e) => (this.draft = (e.target as HTMLTextAreaElement).value),
        })}
        <button class="primary" type="submit" aria-disabled=${this.send.busy ? 'true' : 'false'}>
          ${this.send.busy ? t('chat.sending') : t('chat.send')}
        </button>
      </form>
    </section>`;
  }

  override render() {
    const open = !!this.personId;
    return html`<h1 tabindex="-1">${t('chat.pageTitle')}</h1>
      <div class="split ${open ? 'open' : ''}">
        ${this.renderPeople()}
        ${open ? this.renderChat() : html`<p class="pane muted">${t('chat.pick')}</p>`}
      </div>`;
  }
}

define('tpc-conversations-page', TpcConversationsPage);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-conversations-page': TpcConversationsPage;
  }
}
