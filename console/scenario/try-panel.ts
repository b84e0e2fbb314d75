import { css, html, nothing } from 'lit';
import { must, type Api, type Schemas } from '../api/client.js';
import { ConsoleElement, define } from '../app/element.js';
import { Action } from '../app/resource.js';
import { t } from '../i18n/i18n.js';
import { failureAlert } from '../ui/fields.js';
import { shared } from '../ui/styles.js';

type Turn = Schemas['TryTurn'];
type Message = Schemas['Message'];

/** What the panel tells the editor after each turn: steps run (relay ids), where it waits. */
export type Trace = { path: number[]; waiting: number | null };

/**
 * "Try it": runs the saved flow for a test person (POST /api/bot/flows/:id/try/), shows what
 * the bot says as a chat, and lets the editor press the buttons and type answers for them.
 * Leads and alerts are real; nothing is sent to a messenger (docs/scenarios.md "Trying a
 * flow"). Each turn's path is handed to the editor to highlight on the canvas.
 *
 * @event tpc-trace - `detail`: a Trace, after every turn (an empty path on restart).
 */
export class TpcTryPanel extends ConsoleElement {
  static override styles = [
    shared,
    css`
      .chat {
        list-style: none;
        margin: 0 0 0.75rem;
        padding: 0.5rem;
        max-height: 26rem;
        overflow-y: auto;
        background: var(--tpc-surface-2);
        border-radius: var(--tpc-radius);
      }
      .chat li {
        display: flex;
        flex-direction: column;
        margin: 0.35rem 0;
      }
      .bubble {
        max-width: 85%;
        padding: 0.45rem 0.7rem;
        border-radius: 12px;
        white-space: pre-wrap;
        overflow-wrap: anywhere;
        background: var(--tpc-surface);
        border: 1px solid var(--tpc-line);
      }
      .in {
        align-items: flex-end;
      }
      .in .bubble {
        background: var(--tpc-accent-soft);
      }
      .keys {
        display: flex;
        flex-direction: column;
        gap: 0.25rem;
        margin-top: 0.3rem;
        max-width: 85%;
      }
      .note {
        font-size: 0.85rem;
        color: var(--tpc-muted);
      }
      form {
        display: flex;
        gap: 0.5rem;
        align-items: flex-end;
      }
      form .field {
        flex: 1;
        margin: 0;
      }
    `,
  ];
  static override properties = {
    api: { attribute: false },
    shopId: { attribute: false },
    flowId: { attribute: false },
    prepare: { attribute: false },
    messages: { state: true },
    person: { state: true },
    ended: { state: true },
  };

  api!: Api;
  shopId = 0;
  flowId = 0;
  /** Saves the flow first; false when it cannot be saved (the editor says why). */
  prepare: () => Promise<boolean> = async () => true;
  private messages: Message[] = [];
  private person: number | null = null;
  private ended = false;
  private readonly action = new Action(this);

  private trace(turn: Turn, reset = false) {
    this.dispatchEvent(
      new CustomEvent<Trace & { reset: boolean }>('tpc-trace', {
        detail: { path: turn.path, waiting: turn.step_id, reset },
        bubbles: true,
        composed: true,
      }),
    );
    this.ended = turn.step_id === null;
    const said = turn.messages.filter((m) => m.direction === 'out').map((m) => m.payload.text);
    if (turn.notice) this.announce(turn.notice);
    else if (said.length) this.announce(said.join(' '));
    if (this.ended) this.announce(t('try.ended'));
  }

  private async turn(call: () => Promise<Turn>, reset = false) {
    const turn = await this.action.run(call);
    if (!turn) return;
    this.person = turn.bot_user_id;
    this.messages = reset ? turn.messages : [...this.messages, ...turn.messages];
    this.trace(turn, reset);
    await this.updateComplete;
    const chat = this.renderRoot.querySelector('.chat');
    chat?.scrollTo({ top: chat.scrollHeight });
  }

  /** Starts again with a new test person, from the flow's first step. */
  async start() {
    if (!(await this.prepare())) return;
    await this.turn(
      () =>
        must(
          this.api.POST('/api/bot/flows/{id}/try/', {
            params: { path: { id: this.flowId }, query: { shop_id: this.shopId } },
            body: { name: t('try.person') },
          }),
        ),
      true,
    );
  }

  private press(message: Message, itemId: number) {
    const person = this.person!;
    return this.turn(() =>
      must(
        this.api.POST('/api/bot/try/{bot_user_id}/press/', {
          params: { path: { bot_user_id: person }, query: { shop_id: this.shopId } },
          body: { message_id: message.id, menu_item_id: itemId },
        }),
      ),
    );
  }

  private onSend = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const text = String(new FormData(form).get('text') ?? '').trim();
    if (!text || this.person === null) return;
    const person = this.person;
    await this.turn(() =>
      must(
        this.api.POST('/api/bot/try/{bot_user_id}/messages/', {
          params: { path: { bot_user_id: person }, query: { shop_id: this.shopId } },
          body: { text },
        }),
      ),
    );
    if (!this.action.failure) form.reset();
  };

  private renderMessage(m: Message) {
    const mine = m.direction === 'in';
    return html`<li class=${mine ? 'in' : 'out'}>
      <span class="visually-hidden">${mine ? t('try.you') : t('try.bot')}:</span>
      <span class="bubble">${m.payload.text}</span>
      ${m.payload.notice ? html`<span class="note">${m.payload.notice}</span>` : nothing}
      ${
        !mine && m.inline_buttons.length
          ? html`<span class="keys">
              ${m.inline_buttons.map((b) =>
                b.url
                  ? html`<a class="button" href=${b.url} target="_blank" rel="noopener noreferrer"
                      >${b.text} ↗</a
                    >`
                  : b.menu_item_id
                    ? html`<button
                        type="button"
                        ?disabled=${this.action.busy}
                        @click=${() => this.press(m, b.menu_item_id!)}
                      >
                        ${b.text}
                      </button>`
                    : html`<span class="badge">${b.text}</span>`,
              )}
            </span>`
          : nothing
      }
    </li>`;
  }

  override render() {
    return html`<section aria-labelledby="try-h">
      <div class="spread">
        <h2 id="try-h">${t('try.title')}</h2>
        <button type="button" ?disabled=${this.action.busy} @click=${() => this.start()}>
          ${this.person === null ? t('try.start') : t('try.restart')}
        </button>
      </div>
      <p class="muted small">${t('try.help')}</p>
      ${failureAlert(this.action.failure)}
      ${
        this.person === null
          ? nothing
          : html`<ol class="chat" aria-label=${t('try.chat')}>
                ${this.messages.map((m) => this.renderMessage(m))}
              </ol>
              ${this.ended ? html`<p class="notice ok">${t('try.ended')}</p>` : nothing}
              <form @submit=${this.onSend}>
                <div class="field">
                  <label for="try-text">${t('try.message')}</label>
                  <input id="try-text" name="text" autocomplete="off" required />
                </div>
                <button type="submit" ?disabled=${this.action.busy}>${t('try.send')}</button>
              </form>`
      }
    </section>`;
  }
}
define('tpc-try-panel', TpcTryPanel);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-try-panel': TpcTryPanel;
  }
}
