import { css, html, nothing } from 'lit';
import { must, type Schemas } from '../api/client.js';
import { define } from '../app/element.js';
import { subscribe } from '../app/live.js';
import { PageElement } from '../app/page.js';
import { Action, Resource } from '../app/resource.js';
import { navigate } from '../app/router.js';
import { formatDate, t, tn } from '../i18n/i18n.js';
import { failureAlert, focusFirstInvalid, textareaField } from '../ui/fields.js';
import { pager } from '../ui/pager.js';
import { shared } from '../ui/styles.js';

type BotUser = Schemas['BotUser'];
type Message = Schemas['Message'];

const PEOPLE = 25;
const HISTORY = 50;

/** A link target only when it is a web address: message payloads come from outside. */
const webUrl = (url: string | undefined) => (url && /^https?:\/\//i.test(url) ? url : '');

export const personName = (u: BotUser) =>
  u.name || u.store.name || u.messenger_user_id || t('chat.unnamed', { id: u.id });

/**
 * Conversations: the shop's people (bot users, newest first, searchable), and one person's
 * chat: the history in both directions (GET /api/bot/messages/?bot_user_id=), with buttons
 * as they were sent, and a reply box (POST …/send_message/). Phase 2 adds the last message
 * and unread count per person, take over / hand back, and live arrival (app/live.ts).
 */
export class TpcConversationsPage extends PageElement {
  static override styles = [
    shared,
    css`
      .split {
        display: grid;
        gap: 1rem;
        grid-template-columns: minmax(14rem, 20rem) minmax(0, 1fr);
        align-items: start;
      }
      .people form {
        flex-wrap: nowrap;
        margin-bottom: 0.5rem;
      }
      .people form input {
        flex: 1;
        min-width: 0;
      }
      .people ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      .people li a {
        display: block;
        padding: 0.6rem 0.75rem;
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
      .people .name {
        display: block;
        font-weight: 600;
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
      .buttons {
        display: flex;
        flex-wrap: wrap;
        gap: 0.35rem;
        list-style: none;
        margin: 0.4rem 0 0;
        padding: 0;
      }
      .buttons li {
        padding: 0.2rem 0.6rem;
        border: 1px solid var(--tpc-accent);
        border-radius: 6px;
        font-size: 0.875rem;
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
    () => [this.shopId, this.search, this.page],
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
  private draft = '';
  private scrolledFor?: unknown;
  private unsubscribe?: () => void;
  private liveShop = 0;

  private get personId(): number | null {
    const id = Number(this.ctx.rest[0]);
    return Number.isInteger(id) && id > 0 ? id : null;
  }

  private get search() {
    return this.ctx.query.get('q') ?? '';
  }

  private get page() {
    return Math.max(1, Number(this.ctx.query.get('page')) || 1);
  }

  override willUpdate() {
    // Phase 2: `message.received` from the relay's stream; until then Refresh.
    if (this.liveShop === this.shopId) return;
    this.unsubscribe?.();
    this.liveShop = this.shopId;
    this.unsubscribe = subscribe(this.shopId, ['message.received'], () => {
      void this.people.reload();
      void this.history.reload();
    });
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.unsubscribe?.();
    this.liveShop = 0;
  }

  /** The newest people first: the API lists by id, so the pages are read from its end. */
  private async loadPeople() {
    const list = (limit: number, offset: number) =>
      must(
        this.ctx.api.GET('/api/bot/bot_users/', {
          params: {
            query: { shop_id: this.shopId, search: this.search || undefined, limit, offset },
          },
        }),
      );
    const { count } = await list(1, 0);
    const end = count - (this.page - 1) * PEOPLE;
    if (end <= 0) return { count, rows: [] as BotUser[] };
    const start = Math.max(0, end - PEOPLE);
    const page = await list(end - start, start);
    return { count: page.count, rows: page.results.reverse() };
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
    if (!chat || this.scrolledFor === this.history.value) return;
    this.scrolledFor = this.history.value;
    chat.scrollTop = chat.scrollHeight;
  }

  private onSearch = (e: SubmitEvent) => {
    e.preventDefault();
    const q = String(new FormData(e.target as HTMLFormElement).get('q') ?? '').trim();
    navigate(this.ctx.link('conversations', this.ctx.rest, { q }));
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
            // The relay's default; the document marks defaulted request fields required.
            inline_buttons_cols: 1,
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

  private renderPeople() {
    const data = this.people.value;
    const { link } = this.ctx;
    const pages = data ? Math.max(1, Math.ceil(data.count / PEOPLE)) : 1;
    const at = (page: number) =>
      link('conversations', this.ctx.rest, { q: this.search, page: page > 1 ? page : '' });
    return html`<section class="people card" aria-labelledby="people-h">
      <h2 id="people-h" class="visually-hidden">${t('chat.people')}</h2>
      <form role="search" @submit=${this.onSearch} class="row">
        <label for="q" class="visually-hidden">${t('chat.search')}</label>
        <input
          id="q"
          name="q"
          type="search"
          .value=${this.search}
          placeholder=${t('chat.search')}
        />
        <button type="submit">${t('chat.searchButton')}</button>
      </form>
      ${failureAlert(this.people.failure)}
      <p class="small muted" role="status">
        ${data ? tn('chat.peopleCount', data.count) : t('common.loading')}
      </p>
      ${
        data?.rows.length
          ? html`<ul>
              ${data.rows.map(
                (u) =>
                  html`<li>
                    <a
                      href=${link('conversations', [u.id], { q: this.search })}
                      aria-current=${u.id === this.personId ? 'page' : nothing}
                    >
                      <span class="name">${personName(u)}</span>
                      <span class="small muted"
                        >${u.bot.name} · ${t(`botType.${u.bot.bot_type}`)}</span
                      >
                    </a>
                  </li>`,
              )}
            </ul>`
          : nothing
      }
      ${pager(this.page, pages, at)}
    </section>`;
  }

  private renderMessage(m: Message) {
    const status = m.direction === 'out' ? t(`messageStatus.${m.status}`) : '';
    return html`<li class="msg ${m.direction}">
      <span class="visually-hidden"
        >${m.direction === 'in' ? t('chat.fromPerson') : t('chat.fromShop')}</span
      >
      ${m.payload.text ? html`<p class="text">${m.payload.text}</p>` : nothing}
      ${
        webUrl(m.payload.image_url)
          ? html`<p>
              <a href=${m.payload.image_url} rel="noopener noreferrer" target="_blank"
                >${t('chat.image')}</a
              >
            </p>`
          : nothing
      }
      ${
        m.inline_buttons.length
          ? html`<ul class="buttons" aria-label=${t('chat.buttons')}>
              ${m.inline_buttons.map((b) => html`<li>${b.text}</li>`)}
            </ul>`
          : nothing
      }
      <span class="meta">
        ${formatDate(m.created_at, 'short')}${status ? ` · ${status}` : ''}${m.error ? ` · ${m.error}` : ''}
      </span>
    </li>`;
  }

  /**
   * One person's chat. PHASE 2 SEAMS: "Take over" / "Hand back" (pause and resume the bot's
   * scenario for this person) go beside the reply box; `message.received` from app/live.ts
   * appends their new messages (subscribed in willUpdate, a no-op until then).
   */
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
                      <a href=${link('leads', [person.links.lead_ids[0]])}>${t('chat.lead')}</a>`
                  : nothing
              }
            </p>`
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
          hint: t('chat.replyHint'),
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
